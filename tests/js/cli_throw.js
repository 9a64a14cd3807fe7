// An uncaught error in a timer callback: message, file:line and stack on stderr, exit 1,
// and (as in Node) nothing after it runs.
console.log('before');
setTimeout(function explode() {
    throw new Error('boom from a timer');
}, 5);
setTimeout(function () { console.log('must not run'); }, 50);
