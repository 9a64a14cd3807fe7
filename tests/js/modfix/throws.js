var g = (function () { return this; })();   // the global object (sloppy mode)
g.modfixThrows = (g.modfixThrows || 0) + 1;
throw new Error('failed ' + g.modfixThrows);
