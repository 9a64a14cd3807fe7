// closure.js - scale: creating a closure (a function expression that captures a variable),
// kept in a ring. Per closure.
probe('closure', 'closure creation function () { return i; } (scale), per closure', 1, function (n, done) {
    for (var i = 0; i < n; i++)
        ring[i & 1023] = function () { return i; };
    done();
});
