// node: yes
// Host names through IDNA (UTS #46 ToASCII with the URL standard's options): mapping
// (case, fullwidth, ideographic full stop, ignored code points), deviation characters kept
// (Nontransitional), symbols accepted (no IDNA2008 DISALLOWED), hyphens anywhere
// (CheckHyphens=false), xn-- labels validated, CheckJoiners, CheckBidi, the empty result,
// forbidden domain code points after mapping, and IPv4 detection after mapping.
['EXAMPLE.com', 'faß.de', 'βόλος.com', '☕.example', '☃', 'a†--', '-†', '≠',
 'a\u00adb', 'a%C2%ADb', '\u00ad', 'Ｇｏ.com', 'www.foo。bar.com', 'a.b．c｡d', '你好你好',
 'bücher.de', 'xn--bcher-kva.de', 'XN--BCHER-KVA.de', 'xn--zca.ß', 'xn--a', 'xn--',
 'xn--tešla', 'xn--zn7c.com', '\ufffd.com', '\u200d.example', 'xn--1ug.example',
 'ශ්\u200dරී', 'نامه\u200cای', 'يa', '\u064a.', '1.\u064a', '\u0301x',
 'a\u3000b', 'ab--c', 'x..xn--zca', '０Ｘｃ０．０２５０．０１', '%30%78%63%30.1',
 'x01234567890123456789012345678901234567890123456789012345678901†'].forEach(function (h) {
    var out;
    try {
        out = new URL('https://' + h + '/x').host;
    } catch (e) {
        out = e.name;
    }
    var v = new URL('https://keep/x');
    v.hostname = h;
    console.log(JSON.stringify(h) + ' -> ' + out + ' | hostname setter -> ' + v.hostname);
});
// non-special schemes keep their hosts opaque (percent-encoded, no IDNA)
console.log(new URL('sc://faß.ExAmPlE/').host, new URL('sc://%E2%80%A0/').host);
