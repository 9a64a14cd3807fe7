/*
 * text.c - strings between Duktape's CESU-8 and the bytes the Web's APIs speak (text.h): UTF-8
 * out (USVString), UTF-8 in with the Encoding standard's replacement rules, ByteStrings in
 * and out. Every conversion has an all-ASCII fast path that copies nothing.
 */
#include <stdio.h>
#include <string.h>

#include "text.h"
#include "dataurl.h"

/* ---- CESU-8 -> UTF-8 ---- */

void rt__to_utf8(duk_context *ctx, duk_idx_t idx, const char **p, size_t *n)
{
    idx = duk_normalize_index(ctx, idx);
    duk_size_t len;
    const unsigned char *s = (const unsigned char *)duk_to_lstring(ctx, idx, &len);
    size_t i = 0;
    while (i < len && s[i] != 0xed)        /* only surrogates differ from UTF-8 */
        i++;
    if (i == len) {
        duk_push_undefined(ctx);
        *p = (const char *)s;
        *n = len;
        return;
    }
    unsigned char *o = duk_push_fixed_buffer(ctx, len + 1);   /* never grows: 6 -> 4, 3 -> 3 */
    memcpy(o, s, i);
    size_t k = i;
    while (i < len) {
        unsigned c = s[i];
        if (c == 0xed && i + 2 < len && s[i + 1] >= 0xa0 && (s[i + 2] & 0xc0) == 0x80) {
            uint32_t hi = 0xd000u | (uint32_t)(s[i + 1] & 0x3f) << 6 | (s[i + 2] & 0x3f);
            if (hi < 0xdc00 && i + 5 < len && s[i + 3] == 0xed && s[i + 4] >= 0xb0 &&
                (s[i + 5] & 0xc0) == 0x80) {
                uint32_t lo = 0xd000u | (uint32_t)(s[i + 4] & 0x3f) << 6 | (s[i + 5] & 0x3f);
                uint32_t cp = 0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00);
                o[k++] = (unsigned char)(0xf0 | cp >> 18);
                o[k++] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
                o[k++] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
                o[k++] = (unsigned char)(0x80 | (cp & 0x3f));
                i += 6;
            } else {                       /* a lone surrogate */
                memcpy(o + k, "\xef\xbf\xbd", 3);
                k += 3;
                i += 3;
            }
            continue;
        }
        o[k++] = (unsigned char)c;
        i++;
    }
    *p = (const char *)o;
    *n = k;
}

void rt__to_usv(duk_context *ctx, duk_idx_t idx)
{
    idx = duk_normalize_index(ctx, idx);
    duk_to_string(ctx, idx);
    duk_size_t len;
    const unsigned char *s = (const unsigned char *)duk_get_lstring(ctx, idx, &len);
    if (!memchr(s, 0xed, len)) {
        duk_dup(ctx, idx);
        return;
    }
    const char *p;
    size_t n;
    rt__to_utf8(ctx, idx, &p, &n);
    rt__push_utf8(ctx, p, n, 0);
    duk_remove(ctx, -2);
}

/* ---- UTF-8 -> CESU-8, with replacement ---- */

static size_t put_cp(unsigned char *o, size_t k, uint32_t cp)
{
    if (cp < 0x80) {
        if (o)
            o[k] = (unsigned char)cp;
        return k + 1;
    }
    if (cp < 0x800) {
        if (o) {
            o[k] = (unsigned char)(0xc0 | cp >> 6);
            o[k + 1] = (unsigned char)(0x80 | (cp & 0x3f));
        }
        return k + 2;
    }
    if (cp >= 0x10000) {                   /* a surrogate pair, each unit 3 bytes */
        cp -= 0x10000;
        k = put_cp(o, k, 0xd800 + (cp >> 10));
        return put_cp(o, k, 0xdc00 + (cp & 0x3ff));
    }
    if (o) {
        o[k] = (unsigned char)(0xe0 | cp >> 12);
        o[k + 1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
        o[k + 2] = (unsigned char)(0x80 | (cp & 0x3f));
    }
    return k + 3;
}

/* The Encoding standard's UTF-8 decoder over the pieces; writes CESU-8 to o (NULL: count
   only). Returns the output length. */
static size_t decode(const uint8_t *const *parts, const size_t *lens, size_t nparts, int strip_bom,
                     unsigned char *o)
{
    size_t k = 0;
    uint32_t cp = 0, need = 0, seen = 0, lower = 0x80, upper = 0xbf;
    int first = strip_bom;
    for (size_t pi = 0; pi < nparts; pi++) {
        const uint8_t *s = parts[pi];
        size_t n = lens[pi];
        for (size_t i = 0; i < n; i++) {
            uint8_t b = s[i];
            if (need == 0) {
                if (b < 0x80) {
                    first = 0;
                    if (o)
                        o[k] = b;
                    k++;
                    continue;
                }
                if (b >= 0xc2 && b <= 0xdf) {
                    need = 1;
                    cp = b & 0x1f;
                } else if (b >= 0xe0 && b <= 0xef) {
                    if (b == 0xe0)
                        lower = 0xa0;
                    if (b == 0xed)
                        upper = 0x9f;
                    need = 2;
                    cp = b & 0xf;
                } else if (b >= 0xf0 && b <= 0xf4) {
                    if (b == 0xf0)
                        lower = 0x90;
                    if (b == 0xf4)
                        upper = 0x8f;
                    need = 3;
                    cp = b & 0x7;
                } else {
                    first = 0;
                    k = put_cp(o, k, 0xfffd);
                }
                continue;
            }
            if (b < lower || b > upper) {
                /* the sequence ends early: U+FFFD for it, then this byte starts over */
                cp = need = seen = 0;
                lower = 0x80;
                upper = 0xbf;
                first = 0;
                k = put_cp(o, k, 0xfffd);
                i--;
                continue;
            }
            lower = 0x80;
            upper = 0xbf;
            cp = cp << 6 | (b & 0x3f);
            if (++seen < need)
                continue;
            if (!(first && cp == 0xfeff))
                k = put_cp(o, k, cp);
            first = 0;
            cp = need = seen = 0;
        }
    }
    if (need)                              /* cut short at the end */
        k = put_cp(o, k, 0xfffd);
    return k;
}

void rt__push_utf8_parts(duk_context *ctx, const uint8_t *const *parts, const size_t *lens,
                         size_t nparts, int strip_bom)
{
    int ascii = 1;
    size_t total = 0;
    for (size_t i = 0; i < nparts && ascii; i++) {
        total += lens[i];
        for (size_t j = 0; j < lens[i]; j++)
            if (parts[i][j] >= 0x80) {
                ascii = 0;
                break;
            }
    }
    if (ascii && nparts <= 1) {
        duk_push_lstring(ctx, nparts ? (const char *)parts[0] : "", nparts ? lens[0] : 0);
        return;
    }
    size_t out = ascii ? total : decode(parts, lens, nparts, strip_bom, NULL);
    unsigned char *o = duk_push_fixed_buffer(ctx, out ? out : 1);
    if (ascii) {
        size_t k = 0;
        for (size_t i = 0; i < nparts; i++) {
            memcpy(o + k, parts[i], lens[i]);
            k += lens[i];
        }
    } else {
        decode(parts, lens, nparts, strip_bom, o);
    }
    duk_push_lstring(ctx, (const char *)o, out);
    duk_remove(ctx, -2);
}

void rt__push_utf8(duk_context *ctx, const void *s, size_t n, int strip_bom)
{
    const uint8_t *p = s;
    rt__push_utf8_parts(ctx, &p, &n, 1, strip_bom);
}

/* ---- ByteStrings ---- */

const char *rt__to_bytestring(duk_context *ctx, duk_idx_t idx, size_t *n)
{
    idx = duk_normalize_index(ctx, idx);
    duk_size_t len;
    const unsigned char *s = (const unsigned char *)duk_to_lstring(ctx, idx, &len);
    size_t i = 0;
    while (i < len && s[i] < 0x80)
        i++;
    if (i == len) {
        duk_push_undefined(ctx);
        *n = len;
        return (const char *)s;
    }
    unsigned char *o = duk_push_fixed_buffer(ctx, len);
    memcpy(o, s, i);
    size_t k = i;
    while (i < len) {
        unsigned c = s[i];
        if (c < 0x80) {
            o[k++] = (unsigned char)c;
            i++;
        } else if ((c == 0xc2 || c == 0xc3) && i + 1 < len && (s[i + 1] & 0xc0) == 0x80) {
            o[k++] = (unsigned char)((c & 0x3) << 6 | (s[i + 1] & 0x3f));
            i += 2;
        } else {
            *n = 0;                        /* a code unit above 0xFF */
            return NULL;
        }
    }
    *n = k;
    return (const char *)o;
}

void rt__push_latin1(duk_context *ctx, const void *sv, size_t n)
{
    const unsigned char *s = sv;
    size_t high = 0;
    for (size_t i = 0; i < n; i++)
        high += s[i] >= 0x80;
    if (!high) {
        duk_push_lstring(ctx, (const char *)s, n);
        return;
    }
    unsigned char *o = duk_push_fixed_buffer(ctx, n + high);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < 0x80) {
            o[k++] = s[i];
        } else {
            o[k++] = (unsigned char)(0xc0 | s[i] >> 6);
            o[k++] = (unsigned char)(0x80 | (s[i] & 0x3f));
        }
    }
    duk_push_lstring(ctx, (const char *)o, k);
    duk_remove(ctx, -2);
}

/* ---- JSON.stringify, well-formed (ES2019) ----
 * Duktape writes a lone surrogate inside a string as the code unit itself (its CESU-8
 * sequence ED A0..BF xx); ES2019 wants the escape \udxxx. A surrogate can only occur inside
 * a string literal of the output, so rewriting it there is exact. The engine's stringify runs
 * first (its fast path intact); the output is only scanned for the byte 0xED, so the common
 * case costs one memchr. */
static int cesu_surrogate(const uint8_t *p, const uint8_t *end, unsigned *unit)
{
    if (end - p < 3 || p[0] != 0xED || (p[1] & 0xE0) != 0xA0)
        return 0;
    *unit = 0xD000u | ((unsigned)(p[1] & 0x3F) << 6) | (p[2] & 0x3F);
    return 1;
}

void rt__json_wellformed(duk_context *ctx, duk_idx_t idx)
{
    if (!duk_is_string(ctx, idx))
        return;
    idx = duk_require_normalize_index(ctx, idx);
    duk_size_t n;
    const uint8_t *s = (const uint8_t *)duk_get_lstring(ctx, idx, &n), *end = s + n;
    if (!memchr(s, 0xED, n))
        return;
    duk_push_buffer(ctx, 0, 1);            /* dynamic: the rewritten output */
    size_t len = 0;
    const uint8_t *copied = s;
    for (const uint8_t *p = s; p < end;) {
        unsigned u, next;
        if (!cesu_surrogate(p, end, &u)) {
            p++;
            continue;
        }
        if (u < 0xDC00 && cesu_surrogate(p + 3, end, &next) && next >= 0xDC00) {
            p += 6;                        /* a pair: a code point above U+FFFF, kept */
            continue;
        }
        char esc[7];
        snprintf(esc, sizeof esc, "\\u%04x", u);
        size_t keep = (size_t)(p - copied);
        uint8_t *d = duk_resize_buffer(ctx, -1, len + keep + 6);
        memcpy(d + len, copied, keep);
        memcpy(d + len + keep, esc, 6);
        len += keep + 6;
        p += 3;
        copied = p;
    }
    size_t keep = (size_t)(end - copied);
    uint8_t *d = duk_resize_buffer(ctx, -1, len + keep);
    if (keep)
        memcpy(d + len, copied, keep);
    duk_buffer_to_string(ctx, -1);         /* valid CESU-8, as the input was */
    duk_replace(ctx, idx);
}

static duk_ret_t js_json_stringify(duk_context *ctx)
{
    duk_idx_t nargs = duk_get_top(ctx);
    duk_push_current_function(ctx);
    duk_get_prop_string(ctx, -1, DUK_HIDDEN_SYMBOL("engine"));
    duk_remove(ctx, -2);
    duk_insert(ctx, 0);
    duk_call(ctx, nargs);                  /* [ result ] */
    rt__json_wellformed(ctx, -1);
    return 1;
}

int rt__json_init(duk_context *ctx)
{
    duk_get_global_string(ctx, "JSON");
    duk_push_c_function(ctx, js_json_stringify, DUK_VARARGS);
    duk_get_prop_string(ctx, -2, "stringify");
    duk_put_prop_string(ctx, -2, DUK_HIDDEN_SYMBOL("engine"));
    duk_push_string(ctx, "name");
    duk_push_string(ctx, "stringify");
    duk_def_prop(ctx, -3, DUK_DEFPROP_HAVE_VALUE | DUK_DEFPROP_FORCE | DUK_DEFPROP_SET_CONFIGURABLE);
    duk_push_string(ctx, "length");
    duk_push_int(ctx, 3);
    duk_def_prop(ctx, -3, DUK_DEFPROP_HAVE_VALUE | DUK_DEFPROP_FORCE | DUK_DEFPROP_SET_CONFIGURABLE);
    duk_put_prop_string(ctx, -2, "stringify");
    duk_pop(ctx);
    return 0;
}

/* ---- atob / btoa (HTML: forgiving-base64 over Latin-1 strings, lib/net/dataurl.c) ---- */
static duk_ret_t throw_invalid_character(duk_context *ctx, const char *msg)
{
    duk_get_global_string(ctx, "DOMException");
    duk_push_string(ctx, msg);
    duk_push_string(ctx, "InvalidCharacterError");
    duk_new(ctx, 2);
    return duk_throw(ctx);
}

static duk_ret_t js_atob(duk_context *ctx)
{
    if (duk_get_top(ctx) < 1)
        return duk_error(ctx, DUK_ERR_TYPE_ERROR, "atob: 1 argument required, but only 0 present.");
    size_t n;
    const char *s = rt__to_bytestring(ctx, 0, &n);
    uint8_t *out = s ? duk_push_fixed_buffer(ctx, n / 4 * 3 + 3) : NULL;
    size_t len;
    if (!s || rt__base64_decode(s, n, out, &len) < 0)
        return throw_invalid_character(ctx, "The string to be decoded is not correctly encoded.");
    rt__push_latin1(ctx, out, len);
    return 1;
}

static duk_ret_t js_btoa(duk_context *ctx)
{
    if (duk_get_top(ctx) < 1)
        return duk_error(ctx, DUK_ERR_TYPE_ERROR, "btoa: 1 argument required, but only 0 present.");
    size_t n;
    const char *s = rt__to_bytestring(ctx, 0, &n);
    if (!s)
        return throw_invalid_character(ctx, "Invalid character");
    char *out = duk_push_fixed_buffer(ctx, (n + 2) / 3 * 4);
    size_t len = rt__base64_encode((const uint8_t *)s, n, out);
    duk_push_lstring(ctx, out, len);
    return 1;
}

int rt__base64_init(duk_context *ctx)
{
    static const duk_function_list_entry fns[] = {{"atob", js_atob, DUK_VARARGS},
                                                  {"btoa", js_btoa, DUK_VARARGS},
                                                  {NULL, NULL, 0}};
    duk_push_global_object(ctx);
    for (const duk_function_list_entry *f = fns; f->key; f++) {
        duk_push_string(ctx, f->key);
        duk_push_c_function(ctx, f->value, f->nargs);
        duk_push_string(ctx, "length");
        duk_push_int(ctx, 1);
        duk_def_prop(ctx, -3, DUK_DEFPROP_HAVE_VALUE | DUK_DEFPROP_FORCE |
                                  DUK_DEFPROP_SET_CONFIGURABLE);
        duk_push_string(ctx, "name");
        duk_push_string(ctx, f->key);
        duk_def_prop(ctx, -3, DUK_DEFPROP_HAVE_VALUE | DUK_DEFPROP_FORCE |
                                  DUK_DEFPROP_SET_CONFIGURABLE);
        duk_def_prop(ctx, -3, DUK_DEFPROP_HAVE_VALUE | DUK_DEFPROP_SET_WRITABLE |
                                  DUK_DEFPROP_CLEAR_ENUMERABLE | DUK_DEFPROP_SET_CONFIGURABLE);
    }
    duk_pop(ctx);
    return 0;
}
