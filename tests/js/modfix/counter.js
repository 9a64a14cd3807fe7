var g = (function () { return this; })();   // the global object (sloppy mode)
g.modfixCounter = (g.modfixCounter || 0) + 1;
module.exports = g.modfixCounter;
