# duk-ms-trigger.sed - Duktape's voluntary mark-and-sweep after 10x (2,560 / 256) the objects
# and strings alive at the last collection were allocated, not Duktape's 50x (12,800): every
# closure is a cycle with its .prototype, and at 50x a script that makes closures piles up
# ~10 MiB of them, swept long after they left the cache (docs/engine.md, "The mark-and-sweep
# trigger"). Run over duktape.c by the Makefile, which checks that the line was found.
s|^#define DUK_HEAP_MARK_AND_SWEEP_TRIGGER_MULT 12800L .*|#define DUK_HEAP_MARK_AND_SWEEP_TRIGGER_MULT 2560L /* libruntime: tools/duk-ms-trigger.sed */|
