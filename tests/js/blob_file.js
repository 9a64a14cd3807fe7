// node: yes
// Blob and File (W3C File API): the constructor's parts (strings as UTF-8 with lone
// surrogates replaced, ArrayBuffer, views with their offsets, DataView, other Blobs, custom
// iterables, anything else through ToString), bytes copied at construction, type
// normalization, endings, slice() with negative and out-of-range indices, text() with BOMs
// and invalid UTF-8, arrayBuffer()/bytes() as independent copies, stream(), File's name and
// lastModified, brand checks and the WebIDL shape. The corners where Node departs from the
// standard are in blob_file_spec.js.
function hex(u8) {
    var s = [];
    for (var i = 0; i < u8.length; i++) s.push((u8[i] < 16 ? '0' : '') + u8[i].toString(16));
    return s.join(' ');
}
function err(f) {
    try { f(); return 'no error'; } catch (e) { return e.name; }
}
var steps = [];
function step(name, f) { steps.push([name, f]); }

step('empty', function () {
    var a = new Blob(), b = new Blob(undefined), c = new Blob([]);
    return [a.size, JSON.stringify(a.type), b.size, c.size].join(' ');
});
step('strings are UTF-8 of the USVString', function () {
    return new Blob(['a\u00e9\u20ac\ud83d\ude00', '\ud800', 'x\udc00y', '\ud83d']).bytes().then(hex);
});
step('buffer sources', function () {
    var ab = new Uint8Array([1, 2, 3, 4, 5]).buffer;
    var view = new Uint8Array(ab, 1, 3);
    var dv = new DataView(ab, 3);
    var i16 = new Int16Array([0x0102, -1]);
    return new Blob([ab, view, dv, i16, new Float32Array(0)]).bytes().then(hex);
});
step('blobs and slices as parts', function () {
    var inner = new Blob(['hello ', 'world']);
    return new Blob([inner.slice(6), '|', inner, '|', inner.slice(0, 5)]).text();
});
step('other values go through ToString', function () {
    return new Blob([1, null, undefined, true, { toString: function () { return 'T'; } }, [1, 2]]).text();
});
step('a custom iterable', function () {
    var it = {};
    it[Symbol.iterator] = function () {
        var i = 0;
        return { next: function () { return i < 3 ? { value: 'p' + i++, done: false } : { value: 'x', done: true }; } };
    };
    return new Blob(it).text();
});
step('bytes are copied when the Blob is made', function () {
    var u = new Uint8Array([65, 66, 67]);
    var b = new Blob([u, u.buffer]);
    u[0] = 90;
    return b.text();
});
step('not a sequence', function () {
    return [err(function () { new Blob('abc'); }), err(function () { new Blob(null); }),
            err(function () { new Blob({}); }), err(function () { new Blob(5); }),
            err(function () { new Blob([], 5); }), err(function () { new Blob([], 'x'); }),
            err(function () { Blob([]); })].join(' ');
});
step('type normalization', function () {
    function t(v) { return JSON.stringify(new Blob([], { type: v }).type); }
    return [t('Text/HTML;Charset=UTF-8'), t('a\u00e9'), t('x\ty'), t('x\u007fy'), t(' a '), t(1), t(undefined)].join(' ');
});
step('endings', function () {
    var s = 'a\r\nb\nc';
    return Promise.all([new Blob([s]).bytes(), new Blob([s], { endings: 'transparent' }).bytes(),
                        new Blob([s], { endings: 'native' }).bytes(),
                        new Blob([new Uint8Array([13, 10])], { endings: 'native' }).bytes()])
        .then(function (r) { return r.map(hex).join(' / ') + ' ' + err(function () { new Blob([], { endings: 'NATIVE' }); }); });
});
step('slice', function () {
    var b = new Blob(['0123456789'], { type: 'a/b' });
    var cases = [[], [3], [-3], [-100], [100], [3, 1], [1, -1], [-4, -2], [0, 100],
                 [Infinity], [-Infinity, 2], [2, undefined]];
    return Promise.all(cases.map(function (c) { return b.slice.apply(b, c).text(); })).then(function (r) {
        var s = b.slice(2, 8).slice(1, -1);
        return r.join(',') + ' | types ' + JSON.stringify(b.slice().type) + ' ' + b.slice(0, 1, 'X/Y').type +
            ' ' + JSON.stringify(b.slice(0, 1, '\u00e9').type) + ' | nested ' + s.size;
    }).then(function (out) {
        return b.slice(2, 8).slice(1, -1).text().then(function (t) { return out + ' ' + t; });
    });
});
step('text() drops one BOM, replaces invalid UTF-8', function () {
    return Promise.all([
        new Blob(['\ufeffabc']).text(),
        new Blob(['\ufeff\ufeffabc']).text(),
        new Blob([new Uint8Array([0x61, 0xff, 0x62, 0xe2, 0x82])]).text(),
        new Blob([new Uint8Array([0xf0, 0x9f, 0x98])]).text(),
        new Blob([new Uint8Array([0xed, 0xa0, 0x80])]).text()
    ]).then(function (r) {
        return r.map(function (s) { return s.length + ':' + escape(s); }).join(' ');
    });
});
step('arrayBuffer() and bytes() are copies', function () {
    var b = new Blob(['abc']);
    return Promise.all([b.arrayBuffer(), b.bytes(), b.slice(1).arrayBuffer()]).then(function (r) {
        var ok = r[0] instanceof ArrayBuffer && r[1] instanceof Uint8Array && r[0].byteLength === 3;
        new Uint8Array(r[0])[0] = 0;
        r[1][1] = 0;
        return b.text().then(function (t) { return ok + ' ' + t + ' ' + r[2].byteLength; });
    });
});
step('stream()', function () {
    var big = new Uint8Array(200000);
    for (var i = 0; i < big.length; i++) big[i] = i * 7 & 255;
    var b = new Blob(['head', big, 'tail']).slice(2, -2);
    var s = b.stream(), r = s.getReader(), got = [], n = 0;
    var was = s instanceof ReadableStream;
    function pump() {
        return r.read().then(function (c) {
            if (c.done) return;
            if (!(c.value instanceof Uint8Array)) throw new Error('not bytes');
            got.push(c.value);
            n += c.value.length;
            return pump();
        });
    }
    return pump().then(function () {
        var all = new Uint8Array(n), off = 0;
        got.forEach(function (c) { all.set(c, off); off += c.length; });
        var ok = all[0] === 97 && all[1] === 100 && all[n - 1] === 97 && all[n - 3] === (199999 * 7 & 255);
        for (var k = 0; k < 1000; k++) if (all[2 + k * 137] !== ((k * 137) * 7 & 255)) ok = false;
        return was + ' ' + n + ' ' + ok;
    }).then(function (out) {
        return new Blob().stream().getReader().read().then(function (c) { return out + ' empty done=' + c.done; });
    });
});
step('File', function () {
    var before = Date.now();
    var f = new File(['ab', new Blob(['c'])], 'name.txt', { type: 'Text/Plain', lastModified: 1234 });
    var g = new File([], '\ud800x');
    var after = Date.now();
    return [f.name, f.size, f.type, f.lastModified, f instanceof Blob, f instanceof File,
            escape(g.name), g.lastModified >= before && g.lastModified <= after,
            new File([], 'n', { lastModified: '42' }).lastModified,
            new File([], 'n', { lastModified: NaN }).lastModified,
            new File([], 5).name,
            err(function () { new File(['x']); }), err(function () { File([], 'n'); }),
            f.slice(1) instanceof File, f.slice(1).size].join(' ');
});
step('shape', function () {
    function names(p) { return Object.getOwnPropertyNames(p).join(','); }
    var d = Object.getOwnPropertyDescriptor(Blob.prototype, 'size');
    return [names(Blob.prototype), names(File.prototype), Blob.length, File.length, Blob.name,
            Object.getPrototypeOf(File) === Blob, Object.getPrototypeOf(File.prototype) === Blob.prototype,
            Object.prototype.toString.call(new Blob()), Object.prototype.toString.call(new File([], 'x')),
            typeof d.get, d.enumerable, d.configurable, Blob.prototype.slice.length].join(' ');
});
step('brand checks', function () {
    var size = Object.getOwnPropertyDescriptor(Blob.prototype, 'size').get;
    var name = Object.getOwnPropertyDescriptor(File.prototype, 'name').get;
    var out = [err(function () { size.call({}); }), err(function () { name.call(new Blob()); }),
               err(function () { Blob.prototype.slice.call({}); }), err(function () { Blob.prototype.stream.call(1); })];
    return Blob.prototype.text.call({}).then(function () { return 'resolved'; }, function (e) { return e.name; })
        .then(function (t) { return out.join(' ') + ' text:' + t; });
});

function run(i) {
    if (i >= steps.length) return;
    var s = steps[i], r;
    try { r = Promise.resolve(s[1]()); } catch (e) { r = Promise.reject(e); }
    r.then(function (v) { console.log(s[0] + ': ' + v); },
           function (e) { console.log(s[0] + ': threw ' + e.name + ' ' + e.message); })
        .then(function () { run(i + 1); });
}
run(0);
