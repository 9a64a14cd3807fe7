// then-chain.js - (a) a chain of Promise.resolve(i).then(step): each step resolves a value,
// adds a reaction, runs it as a job and calls step. Per step.
probe('then-chain', 'Promise.resolve(i).then(step), per step', 1, function (n, done) {
    var k = 0;
    function step(v) {
        sink = v;
        if (++k < n) Promise.resolve(k).then(step);
        else done();
    }
    Promise.resolve(0).then(step);
});
