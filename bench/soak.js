// soak.js N [BASE_URL] - N fetches through one runtime, ~64 in flight, against the test
// server (tests/server/testserver.py; BASE_URL defaults to http://127.0.0.1:$TEST_HTTP_PORT).
// The mix, per 100 fetches (by index, so every run is the same):
//   70 /hello (text)            10 /bytes 64 KiB (arrayBuffer, pattern checked)
//    1 /bytes 1 MiB (streamed through a reader, alternately chunked)
//    4 /chunked (text)           7 /status?code=404 (text)
//    4 connection refused (127.0.0.1:1, or $SOAK_CLOSED_PORT)
//    3 aborted with an AbortController (in flight, or mid-body after the first chunk)
//    1 AbortSignal.timeout(50) on /delay?ms=3000 (the margins are wide: a turn of the loop that
//      starts 64 fetches runs tens of ms of JavaScript, and timers fire after it)
// Every outcome is checked against what that kind must give (status, body, error name and
// code); anything else counts as unexpected. At 0 % and every 10 % the script stops issuing,
// waits for the fetches in flight, runs rt.gc() and prints one line
//   CHECKPOINT {"done":..,"rss":..,"liveAllocs":..,...}
// then pauses 300 ms (so a driver can count /proc/<pid>/fd at a quiet moment). After the
// 10 % checkpoint (warm-up) and at the end it also waits 6 s - the keep-alive pool's idle
// timeout is 4 s, so every pooled socket is closed - and prints a CHECKPOINT with
// "idle":true: the descriptors open then are the runtime's own (some are opened on first
// use), and the two idle counts must be equal. Last line: RESULT {...}.
// Exit status 1 if any outcome was unexpected.
var N = +(rt.argv[2] || 200000);
var BASE = rt.argv[3] || ('http://127.0.0.1:' + rt.env.TEST_HTTP_PORT);
var CLOSED = 'http://127.0.0.1:' + (rt.env.SOAK_CLOSED_PORT || 1) + '/';
var INFLIGHT = 64;
var PAUSE_MS = 300;

var counts = {ok: 0, expectedFail: 0, unexpected: 0};
var kinds = {};
var unexpected = [];

function kindOf(i) {
    var k = i % 100;
    if (k < 70) return 'small';
    if (k < 80) return 'k64';
    if (k < 81) return 'm1';
    if (k < 85) return 'chunked';
    if (k < 92) return 'e404';
    if (k < 96) return 'refused';
    if (k < 99) return 'abort';
    return 'timeout';
}

function pat(i) { return (i * 31 + 7) & 255; }

function checkPattern(u8, offset) {
    // a few probes: the whole body would cost more CPU than the fetch
    var n = u8.length;
    var probes = [0, 1, n >> 1, n - 1];
    for (var j = 0; j < probes.length; j++) {
        var p = probes[j];
        if (p >= 0 && p < n && u8[p] !== pat(offset + p)) return false;
    }
    return true;
}

function fail(msg) { throw new Error('unexpected: ' + msg); }

// Each job returns a promise: resolves 'ok' or 'expected-fail', rejects on anything else.
function job(i) {
    var kind = kindOf(i);
    switch (kind) {
    case 'small':
        return fetch(BASE + '/hello').then(function (r) {
            if (r.status !== 200) fail('small status ' + r.status);
            return r.text();
        }).then(function (t) {
            if (t !== 'hello world') fail('small body ' + t);
            return 'ok';
        });
    case 'k64':
        return fetch(BASE + '/bytes?n=65536').then(function (r) {
            if (r.status !== 200) fail('k64 status ' + r.status);
            return r.arrayBuffer();
        }).then(function (ab) {
            var u8 = new Uint8Array(ab);
            if (u8.length !== 65536 || !checkPattern(u8, 0)) fail('k64 body ' + u8.length);
            return 'ok';
        });
    case 'm1':
        return fetch(BASE + '/bytes?n=1048576' + ((i / 100 | 0) % 2 ? '&chunked=1' : '')).then(function (r) {
            if (r.status !== 200) fail('m1 status ' + r.status);
            var reader = r.body.getReader(), got = 0, good = true;
            function pump() {
                return reader.read().then(function (x) {
                    if (x.done) {
                        if (got !== 1048576 || !good) fail('m1 body ' + got);
                        return 'ok';
                    }
                    if (!checkPattern(x.value, got)) good = false;
                    got += x.value.length;
                    return pump();
                });
            }
            return pump();
        });
    case 'chunked':
        return fetch(BASE + '/chunked?parts=ab,cde,f').then(function (r) {
            return r.text();
        }).then(function (t) {
            if (t !== 'abcdef') fail('chunked body ' + t);
            return 'ok';
        });
    case 'e404':
        return fetch(BASE + '/status?code=404').then(function (r) {
            if (r.status !== 404 || r.ok) fail('404 status ' + r.status);
            return r.text();
        }).then(function (t) {
            if (t !== 'status 404') fail('404 body ' + t);
            return 'expected-fail';
        });
    case 'refused':
        return fetch(CLOSED).then(function () {
            fail('refused: a response');
        }, function (e) {
            if (!(e instanceof TypeError) || !e.cause || e.cause.code !== 'ECONNREFUSED')
                fail('refused: ' + e + ' ' + (e.cause && e.cause.code));
            return 'expected-fail';
        });
    case 'abort':
        var ac = new AbortController();
        if ((i / 100 | 0) % 2) {
            // in flight: the server answers after 3 s, the abort comes after 5 ms
            setTimeout(function () { ac.abort(); }, 5);
            return fetch(BASE + '/delay?ms=3000', {signal: ac.signal}).then(function () {
                fail('abort in flight: a response');
            }, function (e) {
                if (e.name !== 'AbortError') fail('abort in flight: ' + e);
                return 'expected-fail';
            });
        }
        // mid-body: the first chunk of 1 MiB, then abort; the next read rejects
        return fetch(BASE + '/bytes?n=1048576', {signal: ac.signal}).then(function (r) {
            var reader = r.body.getReader();
            return reader.read().then(function (x) {
                if (x.done) fail('abort mid-body: empty body');
                ac.abort();
                return reader.read();
            }).then(function () {
                fail('abort mid-body: read after abort resolved');
            }, function (e) {
                if (e.name !== 'AbortError') fail('abort mid-body: ' + e);
                return 'expected-fail';
            });
        });
    default:
        var t0 = Date.now();
        return fetch(BASE + '/delay?ms=3000', {signal: AbortSignal.timeout(50)}).then(function (r) {
            fail('timeout: a response (status ' + r.status + ') after ' + (Date.now() - t0) + ' ms');
        }, function (e) {
            if (e.name !== 'TimeoutError') fail('timeout: ' + e);
            return 'expected-fail';
        });
    }
}

var started = 0, finished = 0, inflight = 0, nextCheckpoint = 0, paused = false, warmIdleDone = false;
var IDLE_MS = 6000, IDLE_PAUSE_MS = 1000;   // the idle fd counts matter most: a longer pause
var t0 = Date.now();

function checkpoint(extra) {
    rt.gc();
    var m = rt.memoryUsage();
    var o = {done: finished, rss: m.rss, maxRss: m.maxRss, liveAllocs: m.liveAllocs,
             liveBytes: m.liveBytes, heapAllocs: m.heapAllocs, heapBytes: m.heapBytes,
             requestsInFlight: m.requestsInFlight, ok: counts.ok,
             expectedFail: counts.expectedFail, unexpected: counts.unexpected,
             ms: Date.now() - t0};
    for (var k in extra) o[k] = extra[k];
    console.log('CHECKPOINT ' + JSON.stringify(o));
}

function pump() {
    if (paused) return;
    if (finished === nextCheckpoint && inflight === 0) {
        paused = true;
        checkpoint({});
        var warm = finished > 0 && !warmIdleDone;
        nextCheckpoint = finished >= N ? -1 : Math.min(N, finished + Math.max(1, Math.floor(N / 10)));
        setTimeout(function () {
            if (finished >= N) return end();
            if (warm) {
                warmIdleDone = true;
                return setTimeout(function () {
                    checkpoint({idle: true});
                    setTimeout(function () { paused = false; pump(); }, IDLE_PAUSE_MS);
                }, IDLE_MS);
            }
            paused = false;
            pump();
        }, PAUSE_MS);
        return;
    }
    while (inflight < INFLIGHT && started < N && started < nextCheckpoint) {
        var i = started++;
        inflight++;
        job(i).then(function (outcome) {
            if (outcome === 'ok') counts.ok++;
            else counts.expectedFail++;
        }, function (e) {
            counts.unexpected++;
            if (unexpected.length < 10) unexpected.push(String(e && e.message || e));
        }).then(function () {
            inflight--;
            finished++;
            pump();
        });
    }
}

function end() {
    setTimeout(function () {
        checkpoint({idle: true});
        setTimeout(function () {
            var r = {fetches: finished, ok: counts.ok, expectedFail: counts.expectedFail,
                     unexpected: counts.unexpected, examples: unexpected, backend: rt.backend,
                     wall_ms: Date.now() - t0};
            console.log('RESULT ' + JSON.stringify(r));
            if (counts.unexpected) throw new Error(counts.unexpected + ' unexpected outcomes');
        }, IDLE_PAUSE_MS);
    }, IDLE_MS);
}

pump();
