// node: yes
// ReadableStreamBYOBReader on the byte streams the runtime makes (Response, Blob bodies):
// read(view) fills the caller's view, keeps what does not fit, whole elements only; checked
// against node (which transfers the buffer; here it is filled in place - docs/fetch.md).
var text = JSON.stringify("This is response's body");
function readAllByob(body, size) {
    var r = body.getReader({mode: 'byob'}), out = [];
    function step() {
        return r.read(new Uint8Array(size)).then(function (d) {
            if (d.done) return out.join('|') + ' done-len=' + d.value.byteLength;
            out.push(String.fromCharCode.apply(null, d.value));
            return step();
        });
    }
    return step();
}
readAllByob(new Response(text).body, 64).then(function (s) { console.log('64:', s); })
.then(function () { return readAllByob(new Response(new Blob(['abcdefg'])).body, 3); }).then(function (s) { console.log('3:', s); })
.then(function () {
    var buffer = new ArrayBuffer(text.length), body = new Response(text).body, reader = body.getReader({mode: 'byob'}), offset = 3;
    function loop() {
        if (offset >= text.length) return;
        return reader.read(new Uint8Array(buffer, offset)).then(function (d) {
            if (d.done) return;
            buffer = d.value.buffer; offset += d.value.byteLength; return loop();
        });
    }
    return loop().then(function () { console.log('offset:', JSON.stringify(String.fromCharCode.apply(null, new Uint8Array(buffer)))); });
}).then(function () {
    try { new ReadableStream().getReader({mode: 'byob'}); } catch (e) { console.log('not bytes:', e.name); }
    try { new Response('x').body.getReader({mode: 'nope'}); } catch (e) { console.log('bad mode:', e.name); }
    var rd = new Response('x').body.getReader({mode: 'byob'});
    return rd.read(new Uint8Array(0)).then(null, function (e) { console.log('empty view:', e.name);
        return rd.read({}).then(null, function (e) { console.log('not a view:', e.name); }); });
}).then(function () {
    var rd = new Response(new Uint8Array([1, 2, 3, 4, 5])).body.getReader({mode: 'byob'});
    return rd.read(new Uint16Array(4)).then(function (d) { console.log('u16:', d.value.constructor === Uint16Array, d.value.length, d.value.byteLength);
        return rd.read(new Uint8Array(4)); }).then(function (d) { console.log('rest:', Array.prototype.slice.call(d.value).join()); });
}).then(function () {
    var s = new Response('abc').body, rd = s.getReader({mode: 'byob'});
    console.log('locked', s.locked, Object.prototype.toString.call(rd));
    rd.releaseLock(); console.log('released', s.locked);
});
