// node: yes
// Request.clone() (Fetch: "clone a request"): both the original and the clone keep a body of
// their own, with the same method, headers and Content-Type; neither is used by the clone.
// Regression: clone() read its own RequestInit from the Request itself, so it took the
// original's body and the original rejected "Body has already been read".
var log = console.log;
function show(label, p) {
    return p.then(function (v) { log(label, v); }, function (e) { log(label, 'rejected', e.name); });
}
var r = new Request('http://example.test/p', {method: 'POST', body: 'abc',
                                              headers: {'X-A': '1'}});
var c = r.clone();
log('after clone: used', r.bodyUsed, c.bodyUsed, 'locked', r.body.locked, c.body.locked);
log('same fields', c.method, c.url, c.headers.get('x-a'), c.headers.get('content-type'));
show('original text', r.text()).then(function () {
    return show('clone text', c.text());
}).then(function () {
    log('used after both', r.bodyUsed, c.bodyUsed);
    var b = new Request('http://example.test/', {method: 'POST',
        body: new Blob(['x'], {type: 'Text/Plain'}), headers: [['Content-Type', 'Text/Html']]});
    var bc = b.clone();
    return b.blob().then(function (x) {
        log('blob type', x.type);
        return bc.blob();
    }).then(function (x) { log('clone blob type', x.type, bc.headers.get('content-type')); });
}).then(function () {
    var used = new Request('http://example.test/', {method: 'POST', body: 'z'});
    return used.text().then(function () {
        try { used.clone(); log('clone of a used body: no throw'); }
        catch (e) { log('clone of a used body throws', e.name); }
    });
}).then(function () {
    var s = new Request('http://example.test/', {method: 'POST', duplex: 'half',
        body: new ReadableStream({start: function (ctl) {
            ctl.enqueue(new Uint8Array([104, 105])); ctl.close(); }})});
    var sc = s.clone();
    return show('stream original', s.text()).then(function () { return show('stream clone', sc.text()); });
}).then(function () {
    var g = new Request('http://example.test/');
    var gc = g.clone();
    log('no body', g.body, gc.body, gc.bodyUsed);
});
