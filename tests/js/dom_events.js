// EventTarget dispatch corners (DOM standard "inner invoke"): a listener removed during a
// dispatch is not called by it (the flag is per listener, not per list snapshot); one added
// during a dispatch waits for the next; `once` is removed before it runs; handleEvent
// objects; duplicates ignored; and AbortSignal's abort runs its listeners once.
var log = [];
var t = new EventTarget();
function a() { log.push('a'); t.removeEventListener('x', b); t.addEventListener('x', c); }
function b() { log.push('b'); }
function c() { log.push('c'); }
t.addEventListener('x', a);
t.addEventListener('x', b);
t.dispatchEvent(new Event('x'));
log.push('|');
t.dispatchEvent(new Event('x'));
log.push('|');
var n = 0;
t.addEventListener('y', function once() { n++; t.dispatchEvent(new Event('y')); }, {once: true});
t.dispatchEvent(new Event('y'));
log.push('once ran ' + n);
var obj = {handleEvent: function (e) { log.push('handleEvent ' + e.type + ' ' + (this === obj)); }};
t.addEventListener('z', obj);
t.addEventListener('z', obj);
t.dispatchEvent(new Event('z'));
var ac = new AbortController();
var calls = 0;
ac.signal.addEventListener('abort', function () { calls++; });
ac.abort();
ac.abort();
log.push('abort listeners ' + calls + ' ' + ac.signal.reason.name);
console.log(log.join(' '));
