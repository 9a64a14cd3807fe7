// node: yes
// fetch() of data: URLs (Fetch: the data: URL processor, forgiving-base64): no network;
// 200 OK, the URL's MIME type (text/plain;charset=US-ASCII when it does not parse), the
// body percent-decoded or base64-decoded; no comma or bad base64 is a network error.
var cases = ['data:,Hello%2C%20World%21', 'data:text/plain;base64,SGVsbG8sIFdvcmxkIQ==', 'data:text/html,%3Ch1%3EHi%3C%2Fh1%3E',
  'data:;charset=utf-8,x', 'data:;base64,YQ', 'data: text/Plain ; Charset="UTF-8" ;base64,YWJj', 'data:x/y;base64 ,abc',
  'data:text/plain;base64,YQ=', 'data:text/plain;base64,Y Q = =', 'data:image/png;BASE64,AAEC/w==', 'data:bad,x', 'data:,a#frag', 'data:,\u00e9',
  'data:text/plain;base64,Y', 'data:nocomma', 'data:;base64,%59%51'];
var chain = Promise.resolve();
cases.forEach(function (u) {
    chain = chain.then(function () {
        return fetch(u).then(function (r) {
            return r.arrayBuffer().then(function (b) {
                console.log(JSON.stringify(u), r.status, r.statusText, r.type, JSON.stringify(r.url), JSON.stringify(r.headers.get('content-type')),
                            Array.prototype.slice.call(new Uint8Array(b)).join(','));
            });
        }, function (e) { console.log(JSON.stringify(u), 'rejected', e.name, e.message); });
    });
});
chain.then(function () {
    return fetch('data:,x', {method: 'POST', body: 'ignored'}).then(function (r) { return r.text(); }).then(function (t) { console.log('POST', t); });
}).then(function () {
    return fetch('data:application/json,{"a":1}').then(function (r) { return r.json(); }).then(function (j) { console.log('json', j.a); });
});
