// node: yes
// CommonJS on the file system, compared with node: relative paths from the requiring file,
// X.js / X.json / X/index.js / package.json "main", node_modules upwards, JSON modules,
// the cache and require.cache, cycles, a module that throws (not cached), MODULE_NOT_FOUND,
// this === module.exports, __filename / __dirname, require.resolve.
var m = require('./modfix/main');
m.report(function (line) { console.log(line); });
console.log('cached object:', require('./modfix/main') === m, require('./modfix/main.js') === m);
try {
    require('./modfix/nope');
} catch (e) {
    console.log('missing:', e.code);
}
