// The File API and WebIDL corners where Node 20 departs from the standards (so this test
// runs under rtjs only): slice()'s [Clamp] long long indices (rounded half to even; Node
// asserts on a fraction), "native" endings turning a lone CR into LF too (Node only
// converts CR LF), the order of conversions (every part, then the options' members in
// dictionary order: endings, type, lastModified; then the parts' bytes are taken), File's
// lastModified as a long long, and FormData.append's optional filename given as undefined
// (absent, so the File is named "blob"; Node names it "undefined"); FormData.length is 0
// (both its arguments are optional; Node's is 1).
var log = [];
function hex(u8) {
    var s = [];
    for (var i = 0; i < u8.length; i++) s.push((u8[i] < 16 ? '0' : '') + u8[i].toString(16));
    return s.join(' ');
}
var b = new Blob(['0123456789']);
var cases = [[1.5, 3.5], [2.5], [0.5, 1.5], [-0.5], [-1.5], [null, '4'], [NaN, NaN], ['2', {}], [1e300], [-1e300, -9.5]];
Promise.all(cases.map(function (c) { return b.slice.apply(b, c).text(); })).then(function (r) {
    console.log('slice: ' + r.map(function (s) { return JSON.stringify(s); }).join(' '));
    return new Blob(['a\rb\r\r\nc\n\rd\r'], { endings: 'native' }).bytes();
}).then(function (u) {
    console.log('native endings: ' + hex(u));
    var u8 = new Uint8Array([65]);
    var part = { toString: function () { log.push('part'); return 'p'; } };
    var opts = {
        get type() { log.push('type'); u8[0] = 90; return 'T'; },
        get endings() { log.push('endings'); return 'native'; },
        get lastModified() { log.push('lastModified'); return 7; }
    };
    var blob = new Blob([u8, part], opts);
    log.push('|');
    var file = new File([part], { toString: function () { log.push('name'); return 'n'; } }, opts);
    console.log('order: ' + log.join(' ') + ' / lastModified ' + file.lastModified + ' type ' + blob.type);
    return blob.text();
}).then(function (t) {
    console.log('bytes taken after the options: ' + t);
    function lm(v) { return new File([], 'n', { lastModified: v }).lastModified; }
    console.log('lastModified: ' + [lm(1.7), lm(-1.7), lm(Infinity), lm(-Infinity), lm(9223372036854775808), lm(-0), lm('0x10')].join(' '));
    var fd = new FormData();
    fd.append('a', new Blob(['x']), undefined);
    fd.append('b', new File(['y'], 'keep.txt'), undefined);
    fd.set('c', new Blob(['z']), 'given');
    console.log('FormData filename undefined: ' + fd.get('a').name + ' ' + fd.get('b').name + ' ' + fd.get('c').name);
    console.log('FormData.length: ' + FormData.length);
});
