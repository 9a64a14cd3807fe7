// 100,000 rt.async calls: a finished coroutine's thread is released, so the runtime's
// live allocations (its own counters, not RSS) stay flat.
var step = rt.async(function (i) { return rt.await(i) + 1; });
var N = 100000, BATCH = 1000, done = 0, samples = [];

// Each batch starts from a fresh macrotask (not by returning the next batch's promise,
// which would keep a chain of 100 pending promises alive by design).
function batch() {
    var ps = [];
    for (var i = 0; i < BATCH; i++) ps.push(step(i));
    Promise.all(ps).then(function () {
        done += BATCH;
        if (done % 20000 === 0) {
            rt.gc();
            samples.push(rt.memoryUsage().liveAllocs);
        }
        if (done < N) setImmediate(batch);
        else report();
    });
}
function report() {
    var first = samples[0], last = samples[samples.length - 1];
    var flat = last <= first * 1.02 + 50;
    console.log('calls: ' + done);
    console.log('flat: ' + flat + (flat ? '' : ' ' + samples.join(',')));
}
batch();
