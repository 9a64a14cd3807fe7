// node: yes
// The URL API's setters (each a run of the URL parser with a state override): tab, LF and
// CR are stripped; host takes a port, refuses userinfo, leading slashes and the empty host
// of special schemes; hostname refuses ':'; port keeps leading digits; search = '?' and
// hash = '#' leave an empty query/fragment; non-special hosts that the standard rejects
// (sc://@/, sc://:12/, data://:443); blob: origins; href throws TypeError.
function set(start, attr, value) {
    var u = new URL(start);
    u[attr] = value;
    console.log(start + ' .' + attr + ' = ' + JSON.stringify(value) + ' -> ' + u.href);
}
set('http://h/', 'protocol', 'h\tt\ntp\rs');
set('http://h:443/', 'protocol', 'https:ignored');
set('http://h/', 'protocol', 'sc');
set('sc://h/', 'protocol', 'http');
set('http://u@h/', 'protocol', 'file');
set('http://h/', 'protocol', '1http');
set('http://h/', 'username', 'a b:@\t');
set('http://h/', 'password', 'p/w');
set('mailto:x', 'username', 'u');
set('sc:///p', 'password', 'p');
set('http://h/p', 'host', 'example.com:8080');
set('http://h:81/p', 'host', 'x');
set('http://h/p', 'host', 'fo\to\r\n.com');
set('http://h/p', 'host', 'x@x');
set('http://h/p', 'host', '///bad.com');
set('http://h/p', 'host', '');
set('http://h/p', 'host', 'x:65536');
set('http://h/p', 'host', '[::1]:1');
set('http://h/p', 'host', '0x7F000001');
set('sc://h/p', 'host', '');
set('sc://u@h/p', 'host', '');
set('sc://h:1/p', 'host', '');
set('sc://h/p', 'host', 'a b');
set('sc:/p', 'host', 'h');
set('mailto:x', 'host', 'h');
set('http://h/p', 'hostname', 'x:81');
set('http://h:81/p', 'hostname', 'x');
set('http://h/', 'port', '8080stuff');
set('http://h:1/', 'port', '');
set('http://h:1/', 'port', '80');
set('http://h:1/', 'port', 'x');
set('http://h:1/', 'port', '65536');
set('http://h/', 'port', '\t81');
set('http://h/a?q#f', 'pathname', 'b/../c d?#');
set('sc://h/a', 'pathname', '');
set('sc:/', 'pathname', '//p');
set('mailto:a', 'pathname', '/b');
set('http://h/?a#f', 'search', '?');
set('http://h/?a#f', 'search', '');
set('http://h/', 'search', '??a b\'');
set('http://h/', 'search', '#x\n');
set('http://h/#f', 'hash', '#');
set('http://h/#f', 'hash', '');
set('http://h/', 'hash', '##a b');
set('http://h/', 'hash', 'x\ty');
var u = new URL('http://h/');
try { u.href = 'not a url'; } catch (e) { console.log('href = "not a url" -> ' + e.name + ', still ' + u.href); }
u.href = 'sc://x/y?z';
console.log('href = sc://x/y?z -> ' + u.href + ' ' + u.protocol + ' ' + u.host);
['sc://@/', 'sc://:12/', 'sc://:/', 'data://:443', 'sc://te@s:t@/', 'sc://a^b', 'http://[::1',
 'http://h:99999/', 'http://user@/x'].forEach(function (s) {
    try { new URL(s); console.log(s + ' parsed?!'); } catch (e) { console.log(s + ' -> ' + e.name); }
});
['blob:https://a.example:443/x', 'blob:http://a.example:81/', 'blob:ftp://a/', 'blob:blob:https://a/',
 'blob:d3958f5c-0777-0845', 'blob:', 'ws://h:80/', 'wss://h:443/', 'ftp://h:21/', 'sc://h/', 'data:,x'].forEach(function (s) {
    console.log(s + ' origin ' + new URL(s).origin);
});
