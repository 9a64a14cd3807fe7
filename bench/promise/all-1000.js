// all-1000.js - (c) Promise.all over the same 1,000 already resolved promises, then one
// reaction on the result. Per element.
var all1000 = [];
for (var ai = 0; ai < 1000; ai++) all1000.push(Promise.resolve(ai));
probe('all-1000', 'Promise.all of 1,000 resolved promises, per element', 1000, function (n, done) {
    var k = 0;
    function next(v) {
        if (v !== undefined && v.length !== 1000) throw new Error('Promise.all: ' + v.length + ' results');
        if (v !== undefined) sink = v[999];
        if (k++ < n) Promise.all(all1000).then(next);
        else done();
    }
    next();
});
