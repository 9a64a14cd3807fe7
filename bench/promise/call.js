// call.js - scale: a call of a small JavaScript function. Per call.
function add(a, b) { return (a + b) | 0; }
probe('call', 'JS function call add(s, i) (scale), per call', 1, function (n, done) {
    var s = sink | 0;
    for (var i = 0; i < n; i++)
        s = add(s, i);
    sink = s;
    done();
});
