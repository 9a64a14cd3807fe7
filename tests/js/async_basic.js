// rt.async / rt.await: sequential code, try/catch, await of plain values, nesting,
// ordering against plain promise callbacks (shown next to the equivalent chain), the
// native-boundary error, and many concurrent coroutines.
var log = [];

var add = rt.async(function (a, b) {
    var x = rt.await(a);                   // a plain value
    var y = rt.await(Promise.resolve(b));
    return x + y;
});

var nested = rt.async(function () {
    var s = rt.await(add(1, 2));           // an async function awaiting another
    var t = rt.await(add(s, 10));
    return [s, t];
});

var failing = rt.async(function () {
    try {
        rt.await(Promise.reject(new Error('inner failure')));
        return 'not reached';
    } catch (e) {
        return 'caught ' + e.message + (e.stack.indexOf('async_basic.js') >= 0 ? ' (stack kept)' : '');
    }
});

var throwing = rt.async(function () {
    rt.await(1);
    throw new TypeError('thrown inside');
});

var boundary = rt.async(function () {
    try {
        [1].forEach(function () { rt.await(1); });
        return 'no error';
    } catch (e) {
        return e.name + ': ' + (e.message.indexOf('native call') >= 0 ? 'names the limit' : e.message);
    }
});

// Ordering: await resumes from a microtask, like an async function.
var order = rt.async(function () {
    log.push('A1');
    rt.await(null);
    log.push('A2');
    rt.await(null);
    log.push('A3');
});
function chain() {
    log.push('B1');
    return Promise.resolve().then(function () { log.push('B2'); })
        .then(function () { log.push('B3'); });
}

order();
chain();

var many = [];
for (var i = 0; i < 200; i++) many.push(add(i, i));

Promise.all([nested(), failing(), throwing().then(null, function (e) { return e.name + ' ' + e.message; }),
             boundary(), Promise.all(many)])
    .then(function (r) {
        console.log('order: ' + log.join(' '));
        console.log('nested: ' + r[0].join(','));
        console.log(r[1]);
        console.log('rejected: ' + r[2]);
        console.log(r[3]);
        var sum = 0;
        for (var j = 0; j < r[4].length; j++) sum += r[4][j];
        console.log('concurrent: ' + r[4].length + ' sum ' + sum);
        console.log('outside: ' + (function () { try { rt.await(1); } catch (e) { return e.name; } })());
    });
