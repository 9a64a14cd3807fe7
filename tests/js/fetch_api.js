// The fetch API over the network: redirects (303 after POST, 307 keeps the body, cross-
// origin hop drops Authorization, loop, manual, error), abort (before send, mid-body,
// AbortSignal.timeout), gzip/deflate decoding (also chunked), keep-alive reuse, and a
// CR/LF header value refused before anything reaches the wire; a redirect to a data: URL refused.
var A = 'http://127.0.0.1:' + rt.env.TEST_HTTP_PORT, B = 'http://localhost:' + rt.env.TEST_HTTP_PORT2;
function enc(s) { return encodeURIComponent(s); }
var main = rt.async(function () {
    var r = rt.await(fetch(A + '/redirect?code=303&to=' + enc('/echo'), { method: 'POST', body: 'data' }));
    var j = rt.await(r.json());
    console.log('303 after POST: ' + j.method + ' len ' + j.length + ' redirected ' + r.redirected + ' url ' + (r.url === A + '/echo'));
    r = rt.await(fetch(A + '/redirect?code=307&to=' + enc('/echo'), { method: 'POST', body: 'data' }));
    j = rt.await(r.json());
    console.log('307 keeps: ' + j.method + ' ' + j.body);
    r = rt.await(fetch(A + '/redirect?code=302&to=' + enc(B + '/echo'), { headers: { Authorization: 'secret', 'X-Keep': 'k' } }));
    j = rt.await(r.json());
    console.log('cross-origin: authorization ' + (j.headers.authorization === undefined ? 'dropped' : 'SENT') + ', x-keep ' + j.headers['x-keep']);
    r = rt.await(fetch(A + '/redirect?code=302&to=' + enc('/echo'), { headers: { Authorization: 'secret' } }));
    j = rt.await(r.json());
    console.log('same-origin: authorization ' + j.headers.authorization);
    try { rt.await(fetch(A + '/redirect-loop')); } catch (e) { console.log('loop: ' + e.message + ' ' + e.cause.code); }
    r = rt.await(fetch(A + '/redirect?code=301&to=/hello', { redirect: 'manual' }));
    console.log('manual: ' + r.status + ' ' + r.headers.get('location'));
    try { rt.await(fetch(A + '/redirect?to=/hello', { redirect: 'error' })); } catch (e) { console.log('error mode: ' + e.cause.code); }

    var ac = new AbortController();
    ac.abort();
    try { rt.await(fetch(A + '/hello', { signal: ac.signal })); } catch (e) { console.log('aborted before: ' + e.name + ' ' + e.code); }
    ac = new AbortController();
    var t0 = Date.now();
    setTimeout(function () { ac.abort(); }, 100);
    try { rt.await(fetch(A + '/delay?ms=3000', { signal: ac.signal })); } catch (e) { console.log('aborted in flight: ' + e.name + ' fast ' + (Date.now() - t0 < 1000)); }
    ac = new AbortController();
    r = rt.await(fetch(A + '/chunked?parts=a,b,c,d&delay=200', { signal: ac.signal }));
    var reader = r.body.getReader();
    var first = rt.await(reader.read());
    ac.abort(new Error('my reason'));
    try { rt.await(reader.read()); } catch (e) { console.log('aborted mid-body after ' + first.value.length + ' byte: ' + e.message); }
    try { rt.await(fetch(A + '/delay?ms=3000', { signal: AbortSignal.timeout(100) })); } catch (e) { console.log('timeout signal: ' + e.name + ' ' + e.code); }

    r = rt.await(fetch(A + '/gzip?n=100000'));
    var u = new Uint8Array(rt.await(r.arrayBuffer())), ok = u.length === 100000;
    for (var i = 0; i < u.length; i++) if (u[i] !== ((i * 31 + 7) & 255)) { ok = false; break; }
    console.log('gzip: ' + ok + ' content-encoding ' + r.headers.get('content-encoding'));
    r = rt.await(fetch(A + '/gzip-chunked?n=50000'));
    console.log('gzip+chunked: ' + rt.await(r.bytes()).length);
    r = rt.await(fetch(A + '/deflate?n=3000'));
    console.log('deflate: ' + rt.await(r.bytes()).length);
    r = rt.await(fetch(A + '/gzip?n=1000', { headers: { 'Accept-Encoding': 'identity' } }));
    console.log('own accept-encoding: not decoded ' + (rt.await(r.bytes()).length < 1000));

    rt.await(fetch(A + '/stats/reset'));
    for (var n = 0; n < 5; n++) rt.await(rt.await(fetch(A + '/hello')).text());
    var stats = rt.await(rt.await(fetch(A + '/stats')).json());
    console.log('keep-alive: ' + stats.requests_total + ' requests, new connections <= 1: ' + (stats.connections_total <= 1));
    try { rt.await(fetch(A + '/echo', { headers: { 'X-Evil': 'a\r\nInjected: 1' } })); } catch (e) { console.log('CR/LF header: ' + e.name); }
    r = rt.await(fetch(A + '/set-cookie'));
    console.log('set-cookie: ' + JSON.stringify(r.headers.getSetCookie()) + ' multi ' + r.headers.get('x-multi'));
    r = rt.await(fetch(A + '/hello', { method: 'HEAD' }));
    console.log('HEAD: ' + r.status + ' [' + rt.await(r.text()) + ']');
    r = rt.await(fetch(new Request(A + '/echo', { method: 'PUT', body: new URLSearchParams('a=1') })));
    j = rt.await(r.json());
    console.log('fetch(Request): ' + j.method + ' ' + j.body + ' ' + j.headers['content-type']);
    /* a redirect may not lead to a data: URL (Fetch: HTTP-redirect fetch, non-HTTP(S) scheme) */
    try { rt.await(fetch(A + '/redirect?to=' + enc('data:,x'))); console.log('redirect to data: followed'); }
    catch (e) { console.log('redirect to data: ' + e.name + ' ' + e.cause.code); }
});
main().then(null, function (e) { console.log('FAILED ' + e + ' ' + (e.cause && e.cause.code) + '\n' + e.stack); });
