// node: yes
// atob() and btoa() (HTML: forgiving-base64 over Latin-1 strings; InvalidCharacterError).
var log = console.log;
log(btoa('Hello, World!'), btoa(''), btoa('\u00ff\u00fe'), btoa('user:pass'), btoa(12), btoa(null));
log(JSON.stringify(atob('SGVsbG8sIFdvcmxkIQ==')), JSON.stringify(atob('')), JSON.stringify(atob(' Y W I = ')), JSON.stringify(atob('//79')), JSON.stringify(atob('YQ')), JSON.stringify(atob(null)));
['YQ=', 'Y', 'a===', '\u0100', '*', 'YQ==YQ=='].forEach(function (s) {
    try { atob(s); log('no throw', JSON.stringify(s)); } catch (e) { log('atob throws', JSON.stringify(s), e.name, e instanceof DOMException, e.code); }
});
try { btoa('\u0100'); } catch (e) { log('btoa throws', e.name, e.code); }
try { atob(); } catch (e) { log('atob()', e.name); }
log(atob.length, btoa.length, atob.name, Object.keys(this).indexOf('atob'));
log(atob(btoa('\u0000\u0001\u00e9\u00ff')) === '\u0000\u0001\u00e9\u00ff');
