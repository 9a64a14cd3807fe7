// Idle costs nothing: across a 2 s timer the process uses under 50 ms of CPU
// (no busy loop, no polling interval).
var before = rt.cpuUsage();
var t0 = Date.now();
setTimeout(function () {
    var after = rt.cpuUsage();
    var ms = (after.user - before.user + after.system - before.system) / 1000;
    var waited = Date.now() - t0;
    console.log('waited at least 2 s: ' + (waited >= 1990));
    console.log('cpu under 50 ms: ' + (ms < 50) + (ms < 50 ? '' : ' (' + ms + ' ms)'));
}, 2000);
