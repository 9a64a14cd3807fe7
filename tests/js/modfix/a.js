exports.early = 'a-early';
var b = require('./b');
exports.late = 'a-late';
exports.seenByB = b.sawA;
