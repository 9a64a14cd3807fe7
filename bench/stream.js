// stream.js BYTES URL_BASE - download BYTES through response.body in constant memory and
// print one JSON line: bytes, seconds, MB/s, peak RSS. Same file under rtjs and node.
var isNode = typeof process !== 'undefined' && process.versions && process.versions.node;
var argv = isNode ? process.argv.slice(1) : rt.argv.slice(1);
var N = +argv[1], base = argv[2];
function maxRss() { return isNode ? process.resourceUsage().maxRSS * 1024 : rt.memoryUsage().maxRss; }
var t0 = Date.now(), got = 0;
fetch(base + '/bytes?n=' + N).then(function (res) {
    var reader = res.body.getReader();
    function pump() {
        return reader.read().then(function (c) {
            if (c.done) return;
            got += c.value.length;
            return pump();
        });
    }
    return pump();
}).then(function () {
    var s = (Date.now() - t0) / 1000;
    console.log(JSON.stringify({ bytes: got, ok: got === N, seconds: s, mb_per_s: got / 1e6 / s, max_rss: maxRss() }));
});
