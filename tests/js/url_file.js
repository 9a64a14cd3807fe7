// node: yes
// file: URLs after the URL standard's file, file slash and file host states: the empty
// host, "localhost", Windows drive letters (with ':' or '|'), file: without slashes,
// relative resolution against file bases, and their opaque ("null") origin.
function show(input, base) {
    var u;
    try {
        u = base === undefined ? new URL(input) : new URL(input, base);
    } catch (e) {
        console.log(JSON.stringify(input) + ' -> ' + e.name);
        return;
    }
    console.log(JSON.stringify(input) + (base ? ' @ ' + base : '') + ' -> ' + u.href +
                ' | host=' + JSON.stringify(u.host) + ' path=' + u.pathname + ' origin=' + u.origin);
}
show('file:///foo');
show('file://localhost/foo');
show('file://LOCALHOST/etc/hosts');
show('file:foo');
show('file:/foo/bar');
show('file:');
show('file:?q=1#h');
show('file://server/share/x');
show('file://server');
show('file:\\\\server\\share\\x');
show('file:c:\\windows\\x.ini');
show('file:///C|/a/b');
show('file://C|/a');
show('file:///c:/a/..');
show('file:///C%3A/');
show('file:///w|m');
show('file://1.2.3.4/C:/');
show('file://[::1]/x');
show('file://h:1/');
show('file://%41/');
show('file://exa mple/');
show('x', 'file:///C:/a/b');
show('/x', 'file:///C:/a/b');
show('..', 'file:///C:/');
show('//d:', 'file:///C:/a/b');
show('C|', 'file://host/dir/file');
show('C|a', 'file://host/dir/file');
show('', 'file:///t?q#f');
show('?x', 'file:///t?q#f');
show('//h/x', 'file:///t');
show('file:..', 'http://h/a');
var u = new URL('file://h/p');
u.host = '';
console.log('host = "" -> ' + u.href);
u.host = 'localhost';
console.log('host = localhost -> ' + u.href);
u.hostname = 'srv';
u.port = '99';
u.username = 'me';
console.log('port/username ignored -> ' + u.href);
u.protocol = 'http';
console.log('protocol from file with host -> ' + u.href);
u = new URL('file:///x');
u.protocol = 'https';
console.log('protocol from file without host -> ' + u.href);
u.pathname = 'C|/y';
console.log('pathname drive letter -> ' + u.href);
