// args: --ca-file /nonexistent/ca.pem
// A named trust source that cannot be read is an error, never skipped (the config's CA
// file wins over RT_CA_FILE): every https fetch fails with TRUST_STORE; http still works.
var main = rt.async(function () {
    try {
        rt.await(fetch('https://localhost:' + rt.env.TEST_HTTPS_PORT + '/hello'));
        console.log('fetched?!');
    } catch (e) {
        console.log(e.message + ' ' + e.cause.code + ' names the file: ' + (e.cause.message.indexOf('/nonexistent/ca.pem') >= 0));
    }
    var r = rt.await(fetch('http://127.0.0.1:' + rt.env.TEST_HTTP_PORT + '/hello'));
    console.log('http: ' + rt.await(r.text()));
});
main();
