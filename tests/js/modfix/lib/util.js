exports.twice = function (x) { return 2 * x; };
exports.self = this === exports;
exports.dir = __dirname;
