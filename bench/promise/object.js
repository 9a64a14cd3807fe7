// object.js - scale: an object literal with two properties, kept in a ring. Per object.
probe('object', 'object literal { a: i, b: s } (scale), per object', 1, function (n, done) {
    for (var i = 0; i < n; i++)
        ring[i & 1023] = { a: i, b: 'x' };
    done();
});
