var a = require('./a');
exports.sawA = a.early + '/' + a.late;
