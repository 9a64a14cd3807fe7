// An unhandled rejection (default --unhandled-rejections=throw): reported once the
// microtask queue is empty, with the reason's stack; exit 1. A rejection handled later in
// the same turn is not reported.
var handledLate = Promise.reject(new Error('handled in time'));
Promise.resolve().then(function () {
    handledLate.catch(function (e) { console.log('caught: ' + e.message); });
});
Promise.reject(new Error('nobody handles this'));
console.log('sync done');
