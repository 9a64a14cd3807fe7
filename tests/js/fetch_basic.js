// fetch() returns a pending Promise at once and settles on the head; status, statusText,
// ok, url, headers.get, text(), json(), arrayBuffer(); a second read rejects.
var base = 'http://127.0.0.1:' + rt.env.TEST_HTTP_PORT;
var settled = false;
var p = fetch(base + '/hello');
p.then(function () { settled = true; });
console.log('pending at once: ' + (p instanceof Promise) + ' ' + !settled);
p.then(function (res) {
    console.log(res.status + ' ' + res.statusText + ' ok=' + res.ok);
    console.log('url ' + (res.url === base + '/hello'));
    console.log('content-type ' + res.headers.get('Content-Type'));
    console.log('bodyUsed ' + res.bodyUsed);
    return res.text().then(function (t) {
        console.log('text ' + JSON.stringify(t) + ' bodyUsed ' + res.bodyUsed);
        return res.text().then(null, function (e) { console.log('second read: ' + e.name); });
    });
}).then(function () {
    return fetch(base + '/echo?x=1', { method: 'post', headers: { 'X-Test': 'yes' }, body: 'abc' });
}).then(function (res) {
    return res.json();
}).then(function (j) {
    console.log(j.method + ' ' + j.path + ' ' + j.query + ' ' + j.length + ' ' + j.body +
                ' x-test=' + j.headers['x-test'] + ' ct=' + j.headers['content-type']);
    console.log('host header ok ' + (j.headers.host === '127.0.0.1:' + rt.env.TEST_HTTP_PORT));
    return fetch(base + '/bytes?n=1000');
}).then(function (res) {
    return res.arrayBuffer();
}).then(function (ab) {
    var u = new Uint8Array(ab), ok = u.length === 1000;
    for (var i = 0; i < u.length; i++) if (u[i] !== ((i * 31 + 7) & 255)) ok = false;
    console.log('arrayBuffer ' + (ab instanceof ArrayBuffer) + ' ' + u.length + ' ' + ok);
    return fetch(base + '/status?code=404');
}).then(function (res) {
    console.log('404 ok=' + res.ok + ' ' + res.statusText);
    return fetch(base + '/chunked?parts=ab,cd,,ef');
}).then(function (res) {
    return res.text();
}).then(function (t) {
    console.log('chunked ' + t);
});
