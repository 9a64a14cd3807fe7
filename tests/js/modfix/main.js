// modules_fs.js's main module
var lines = [];
function out(s) { lines.push(s); }
function base(p) { return p.slice(p.lastIndexOf('/') + 1); }

var lib = require('./lib/util');
out('lib: twice ' + lib.twice(21) + ' self ' + lib.self);
out('names: ' + base(__filename) + ' ' + base(lib.dir) + ' ' + base(__dirname));
var cfg = require('./config.json');
out('json: ' + cfg.list.length + ' ' + (require('./config') === cfg));
out('index: ' + require('./lib'));
out('package main: ' + require('pkg'));
out('plain package: ' + require('plain'));
var a = require('./a');
out('cycle: ' + a.early + ' ' + a.late + ' ' + a.seenByB);
var c1 = require('./counter'), c2 = require('./counter');
delete require.cache[require.resolve('./counter')];
out('counter: ' + c1 + ' ' + c2 + ' ' + require('./counter'));
var msgs = [];
for (var i = 0; i < 2; i++) {
    try { require('./throws'); } catch (e) { msgs.push(e.message); }
}
out('throws: ' + msgs.join(' / '));
out('resolve: ' + base(require.resolve('./main')) + ' ' + base(require.resolve('./config.json')));

exports.report = function (print) {
    for (var k = 0; k < lines.length; k++) print(lines[k]);
};
