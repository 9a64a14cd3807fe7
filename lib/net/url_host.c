/*
 * url_host.c - the URL standard's host parser and what it needs: percent-decoding, the
 * domain-to-ASCII step (UTS #46 ToASCII with CheckHyphens=false, CheckBidi=true,
 * CheckJoiners=true, UseSTD3ASCIIRules=false, Transitional_Processing=false,
 * VerifyDnsLength=false), Punycode (RFC 3492), IPv4 (every numeric form) and IPv6 parsing
 * and serialisation, opaque hosts. Called by lib/net/url.c; no state of its own.
 *
 * Where the IDNA mapping comes from. libidn2 holds the UTS #46 mapping table (status and
 * mapping of every code point) but its public API only offers whole-domain conversions that
 * add IDNA2008's own tests on top (symbols such as U+2615 are DISALLOWED there, hyphens in
 * positions 3-4 and at label ends are refused, labels over 63 and names over 255 octets
 * fail), all of which the URL standard leaves out. So libidn2 is asked about one code point
 * at a time, between two U+4E00 sentinels (a starter that composes with nothing and is valid
 * everywhere): Transitional processing there applies the mapping table and checks only the
 * UTS #46 status of the result (no IDNA2008 tests); the result is Punycode-decoded and the
 * sentinels dropped, which gives the code point's mapping or tells that it is disallowed.
 * The four deviation characters (U+00DF, U+03C2, U+200C, U+200D) are valid under
 * Nontransitional processing and skip the query; a code point whose mapping contains one
 * (U+1E9E -> U+00DF) fails the transitional query and is asked again in Nontransitional
 * mode. Normalisation (NFC) and the character properties of the validity criteria
 * (General_Category, Canonical_Combining_Class, Joining_Type, Bidi_Class) come from
 * libunistring, which libidn2 itself uses. Both allocate with malloc internally.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <idn2.h>
#include <unictype.h>
#include <uninorm.h>

#include "net.h"
#include "url.h"
#include "url_internal.h"

/* ---- UTF-8 ---- */

/* Decode one UTF-8 sequence at s[i..n); invalid sequences give U+FFFD and consume the
   maximal invalid prefix (as the Encoding standard's decoder). */
uint32_t rt__url_utf8_next(const unsigned char *s, size_t n, size_t *i)
{
    unsigned c = s[*i];
    if (c < 0x80) {
        (*i)++;
        return c;
    }
    unsigned need, lo = 0x80, hi = 0xbf;
    uint32_t cp;
    if (c >= 0xc2 && c <= 0xdf) {
        need = 1;
        cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        need = 2;
        cp = c & 0x0f;
        if (c == 0xe0)
            lo = 0xa0;
        if (c == 0xed)
            hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        need = 3;
        cp = c & 0x07;
        if (c == 0xf0)
            lo = 0x90;
        if (c == 0xf4)
            hi = 0x8f;
    } else {
        (*i)++;
        return 0xfffd;
    }
    size_t j = *i + 1;
    for (unsigned k = 0; k < need; k++, j++) {
        if (j >= n || s[j] < lo || s[j] > hi) {
            *i = j;
            return 0xfffd;
        }
        lo = 0x80;
        hi = 0xbf;
        cp = cp << 6 | (s[j] & 0x3f);
    }
    *i = j;
    return cp;
}

size_t rt__url_utf8_put(uint32_t c, char *out)
{
    if (c < 0x80) {
        out[0] = (char)c;
        return 1;
    }
    if (c < 0x800) {
        out[0] = (char)(0xc0 | c >> 6);
        out[1] = (char)(0x80 | (c & 0x3f));
        return 2;
    }
    if (c < 0x10000) {
        out[0] = (char)(0xe0 | c >> 12);
        out[1] = (char)(0x80 | ((c >> 6) & 0x3f));
        out[2] = (char)(0x80 | (c & 0x3f));
        return 3;
    }
    out[0] = (char)(0xf0 | c >> 18);
    out[1] = (char)(0x80 | ((c >> 12) & 0x3f));
    out[2] = (char)(0x80 | ((c >> 6) & 0x3f));
    out[3] = (char)(0x80 | (c & 0x3f));
    return 4;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Percent-decode in[0..n) into out (which has room for n bytes); returns the length. */
size_t rt__url_pct_decode(const char *in, size_t n, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        int h, l;
        if (in[i] == '%' && i + 2 < n && (h = hexval((unsigned char)in[i + 1])) >= 0 &&
            (l = hexval((unsigned char)in[i + 2])) >= 0) {
            out[o++] = (char)(h << 4 | l);
            i += 2;
        } else {
            out[o++] = in[i];
        }
    }
    return o;
}

/* ---- Punycode (RFC 3492) ---- */

enum { PC_BASE = 36, PC_TMIN = 1, PC_TMAX = 26, PC_SKEW = 38, PC_DAMP = 700 };

static uint32_t pc_adapt(uint32_t delta, uint32_t numpoints, int first)
{
    delta = first ? delta / PC_DAMP : delta / 2;
    delta += delta / numpoints;
    uint32_t k = 0;
    while (delta > ((PC_BASE - PC_TMIN) * PC_TMAX) / 2) {
        delta /= PC_BASE - PC_TMIN;
        k += PC_BASE;
    }
    return k + (PC_BASE - PC_TMIN + 1) * delta / (delta + PC_SKEW);
}

static uint32_t pc_threshold(uint32_t k, uint32_t bias)
{
    return k <= bias ? PC_TMIN : k >= bias + PC_TMAX ? PC_TMAX : k - bias;
}

/* Decode the Punycode in[0..n) (ASCII) into out (room for n code points). 0 and *outn, or
   -1 on bad input. */
int rt__url_puny_decode(const char *in, size_t n, uint32_t *out, size_t *outn)
{
    size_t b = 0, o = 0;
    for (size_t j = 0; j < n; j++)
        if (in[j] == '-')
            b = j;
    for (size_t j = 0; j < b; j++) {
        if ((unsigned char)in[j] >= 0x80)
            return -1;
        out[o++] = (unsigned char)in[j];
    }
    uint32_t cp = 128, i = 0, bias = 72;
    for (size_t p = b > 0 ? b + 1 : 0; p < n;) {
        uint32_t oldi = i, w = 1;
        for (uint32_t k = PC_BASE;; k += PC_BASE) {
            if (p >= n)
                return -1;
            int c = (unsigned char)in[p++], d;
            if (c >= 'a' && c <= 'z')
                d = c - 'a';
            else if (c >= 'A' && c <= 'Z')
                d = c - 'A';
            else if (c >= '0' && c <= '9')
                d = c - '0' + 26;
            else
                return -1;
            if ((uint32_t)d > (UINT32_MAX - i) / w)
                return -1;
            i += (uint32_t)d * w;
            uint32_t t = pc_threshold(k, bias);
            if ((uint32_t)d < t)
                break;
            if (w > UINT32_MAX / (PC_BASE - t))
                return -1;
            w *= PC_BASE - t;
        }
        bias = pc_adapt(i - oldi, (uint32_t)o + 1, oldi == 0);
        if (i / (o + 1) > UINT32_MAX - cp)
            return -1;
        cp += i / (uint32_t)(o + 1);
        i %= (uint32_t)(o + 1);
        if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) || cp < 0x80)
            return -1;
        memmove(out + i + 1, out + i, (o - i) * sizeof *out);
        out[i++] = cp;
        o++;
    }
    *outn = o;
    return 0;
}

static int pc_digit(uint32_t d)
{
    return d < 26 ? (int)('a' + d) : (int)('0' + d - 26);
}

/* Append the Punycode of in[0..n) to b: 0, -1 (overflow), RT_ENOMEM. */
static int puny_encode(const uint32_t *in, size_t n, rt__buf *b)
{
    size_t basic = 0;
    for (size_t j = 0; j < n; j++)
        if (in[j] < 0x80) {
            if (rt__buf_append(b, &(char){(char)in[j]}, 1))
                return RT_ENOMEM;
            basic++;
        }
    if (basic > 0 && rt__buf_append(b, "-", 1))
        return RT_ENOMEM;
    uint32_t cp = 128, delta = 0, bias = 72;
    size_t h = basic;
    while (h < n) {
        uint32_t m = UINT32_MAX;
        for (size_t j = 0; j < n; j++)
            if (in[j] >= cp && in[j] < m)
                m = in[j];
        if ((uint64_t)(m - cp) * (h + 1) > UINT32_MAX - delta)
            return -1;
        delta += (m - cp) * (uint32_t)(h + 1);
        cp = m;
        for (size_t j = 0; j < n; j++) {
            if (in[j] < cp && ++delta == 0)
                return -1;
            if (in[j] == cp) {
                uint32_t q = delta;
                for (uint32_t k = PC_BASE;; k += PC_BASE) {
                    uint32_t t = pc_threshold(k, bias);
                    if (q < t)
                        break;
                    char d = (char)pc_digit(t + (q - t) % (PC_BASE - t));
                    if (rt__buf_append(b, &d, 1))
                        return RT_ENOMEM;
                    q = (q - t) / (PC_BASE - t);
                }
                char d = (char)pc_digit(q);
                if (rt__buf_append(b, &d, 1))
                    return RT_ENOMEM;
                bias = pc_adapt(delta, (uint32_t)h + 1, h == basic);
                delta = 0;
                h++;
            }
        }
        delta++;
        cp++;
    }
    return 0;
}

/* ---- UTS #46 through libidn2's mapping table ---- */

#define IDNA_SENTINEL 0x4e00               /* CJK U+4E00: valid, a starter, composes with nothing */
#define IDNA_MAP_MAX 32                    /* longest mapping kept (the table's is 18) */
#define IDNA_CACHE 16

typedef struct idna_cache {
    struct {
        uint32_t cp;
        uint8_t n;                         /* mapping length */
        uint8_t bad;                       /* disallowed */
        uint32_t map[IDNA_MAP_MAX];
    } e[IDNA_CACHE];
    unsigned used, next;
} idna_cache;

static int is_deviation(uint32_t c)
{
    return c == 0xdf || c == 0x3c2 || c == 0x200c || c == 0x200d;
}

/* Ask libidn2 for the mapping of c in one mode: 0 (mapped into map/n), 1 (refused), or
   RT_ENOMEM. */
static int idna_ask(uint32_t c, int flags, uint32_t *map, size_t *n)
{
    char q[16];
    size_t ql = rt__url_utf8_put(IDNA_SENTINEL, q);
    ql += rt__url_utf8_put(c, q + ql);
    ql += rt__url_utf8_put(IDNA_SENTINEL, q + ql);
    q[ql] = '\0';
    uint8_t *res = NULL;
    int rc = idn2_lookup_u8((const uint8_t *)q, &res, flags);
    if (rc == IDN2_MALLOC)
        return RT_ENOMEM;
    if (rc != IDN2_OK || !res) {
        idn2_free(res);
        return 1;
    }
    /* labels of the answer, each Punycode or ASCII, joined by '.' */
    uint32_t tmp[IDNA_MAP_MAX + 2 + 64];
    size_t tn = 0, rl = strlen((char *)res);
    int bad = 0;
    for (size_t s = 0; s <= rl && !bad;) {
        size_t e = s;
        while (e < rl && res[e] != '.')
            e++;
        const char *lab = (const char *)res + s;
        size_t ll = e - s, dn;
        if (tn && tn < sizeof tmp / sizeof *tmp)
            tmp[tn++] = '.';
        if (ll >= 4 && memcmp(lab, "xn--", 4) == 0) {
            uint32_t dec[64];
            if (ll - 4 > 64 || rt__url_puny_decode(lab + 4, ll - 4, dec, &dn) < 0 ||
                tn + dn > sizeof tmp / sizeof *tmp)
                bad = 1;
            else
                for (size_t k = 0; k < dn; k++)
                    tmp[tn++] = dec[k];
        } else {
            if (tn + ll > sizeof tmp / sizeof *tmp)
                bad = 1;
            else
                for (size_t k = 0; k < ll; k++)
                    tmp[tn++] = (unsigned char)lab[k];
        }
        s = e + 1;
    }
    idn2_free(res);
    if (bad || tn < 2 || tmp[0] != IDNA_SENTINEL || tmp[tn - 1] != IDNA_SENTINEL ||
        tn - 2 > IDNA_MAP_MAX)
        return 1;
    memcpy(map, tmp + 1, (tn - 2) * sizeof *map);
    *n = tn - 2;
    return 0;
}

/* The UTS #46 mapping of a non-ASCII, non-deviation code point: 0 with the mapping, 1 when it
   is disallowed, RT_ENOMEM. */
static int idna_map(idna_cache *cache, uint32_t c, const uint32_t **map, size_t *n)
{
    for (unsigned k = 0; k < cache->used; k++)
        if (cache->e[k].cp == c) {
            *map = cache->e[k].map;
            *n = cache->e[k].n;
            return cache->e[k].bad;
        }
    unsigned slot = cache->used < IDNA_CACHE ? cache->used++ : cache->next++ % IDNA_CACHE;
    size_t mn = 0;
    int rc;
    if (c == 0x1e9e) {
        /* U+1E9E maps to U+00DF since UTS #46 15.1; libidn2's older table still says "ss" */
        cache->e[slot].map[0] = 0xdf;
        mn = 1;
        rc = 0;
    } else {
        rc = idna_ask(c, IDN2_TRANSITIONAL, cache->e[slot].map, &mn);
    }
    if (rc == 1)
        rc = idna_ask(c, IDN2_NONTRANSITIONAL, cache->e[slot].map, &mn);
    if (rc < 0) {
        if (cache->used > slot)
            cache->used = slot;            /* never cache a failed look-up */
        return rc;
    }
    cache->e[slot].cp = c;
    cache->e[slot].n = (uint8_t)mn;
    cache->e[slot].bad = (uint8_t)rc;
    *map = cache->e[slot].map;
    *n = mn;
    return rc;
}

/* 1 if c's status is valid (or deviation) under Nontransitional processing without
   STD3 rules: it maps to itself. 0 if not, RT_ENOMEM. */
static int idna_valid(idna_cache *cache, uint32_t c)
{
    if (c < 0x80)
        return !(c >= 'A' && c <= 'Z') && c != '.';
    if (is_deviation(c))
        return 1;
    const uint32_t *m;
    size_t n;
    int rc = idna_map(cache, c, &m, &n);
    if (rc < 0)
        return rc;
    return rc == 0 && n == 1 && m[0] == c;
}

/* NFC of in[0..n) into *out (rt__malloc'd, *outn). 0, -1 (libunistring failed), RT_ENOMEM. */
static int nfc(const uint32_t *in, size_t n, uint32_t **out, size_t *outn)
{
    size_t cap = n * 3 + 4, len = cap;
    uint32_t *buf = rt__malloc(cap * sizeof *buf);
    if (!buf)
        return RT_ENOMEM;
    uint32_t *r = u32_normalize(UNINORM_NFC, in, n, buf, &len);
    if (!r) {
        rt__free(buf);
        return RT_ENOMEM;
    }
    if (r != buf) {                        /* longer than we planned: libunistring's malloc */
        rt__free(buf);
        buf = rt__malloc((len ? len : 1) * sizeof *buf);
        if (!buf) {
            free(r);
            return RT_ENOMEM;
        }
        memcpy(buf, r, len * sizeof *buf);
        free(r);
    }
    *out = buf;
    *outn = len;
    return 0;
}

static int is_mark(uint32_t c)
{
    return uc_is_general_category(c, UC_CATEGORY_M);
}

/* CheckJoiners: the ContextJ rules of RFC 5892 appendix A.1 and A.2. */
static int contextj_ok(const uint32_t *l, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (l[i] != 0x200c && l[i] != 0x200d)
            continue;
        if (i > 0 && uc_combining_class(l[i - 1]) == UC_CCC_VR)
            continue;                      /* after a virama */
        if (l[i] == 0x200d)
            return 0;
        /* ZWNJ: (L|D) T* ZWNJ T* (R|D) */
        ptrdiff_t j = (ptrdiff_t)i - 1;
        while (j >= 0 && uc_joining_type(l[j]) == UC_JOINING_TYPE_T)
            j--;
        if (j < 0)
            return 0;
        int jt = uc_joining_type(l[j]);
        if (jt != UC_JOINING_TYPE_L && jt != UC_JOINING_TYPE_D)
            return 0;
        size_t k = i + 1;
        while (k < n && uc_joining_type(l[k]) == UC_JOINING_TYPE_T)
            k++;
        if (k >= n)
            return 0;
        jt = uc_joining_type(l[k]);
        if (jt != UC_JOINING_TYPE_R && jt != UC_JOINING_TYPE_D)
            return 0;
    }
    return 1;
}

/* CheckBidi for one label of a Bidi domain name: the conditions of RFC 5893 section 2 for
   a label that starts right-to-left (R, AL) or left-to-right (L). A label that starts with
   neither (condition 1 fails) is rejected unless it is all ASCII: the URL standard's tests
   accept "1.<arabic>" (toascii.json; whatwg/url issue 543 is open), browsers and Node
   accept it, while UTS #46 alone would reject it. */
static int bidi_ok(const uint32_t *l, size_t n)
{
    if (n == 0)
        return 1;
    int first = uc_bidi_class(l[0]);
    size_t last = n;
    while (last > 0 && uc_bidi_class(l[last - 1]) == UC_BIDI_NSM)
        last--;
    if (first == UC_BIDI_R || first == UC_BIDI_AL) {
        int en = 0, an = 0;
        for (size_t i = 0; i < n; i++) {
            int c = uc_bidi_class(l[i]);
            switch (c) {
            case UC_BIDI_R: case UC_BIDI_AL: case UC_BIDI_ES: case UC_BIDI_CS:
            case UC_BIDI_ET: case UC_BIDI_ON: case UC_BIDI_BN: case UC_BIDI_NSM:
                break;
            case UC_BIDI_EN:
                en = 1;
                break;
            case UC_BIDI_AN:
                an = 1;
                break;
            default:
                return 0;
            }
        }
        if (en && an)
            return 0;
        if (last == 0)
            return 0;
        int e = uc_bidi_class(l[last - 1]);
        return e == UC_BIDI_R || e == UC_BIDI_AL || e == UC_BIDI_EN || e == UC_BIDI_AN;
    }
    if (first == UC_BIDI_L) {
        for (size_t i = 0; i < n; i++) {
            switch (uc_bidi_class(l[i])) {
            case UC_BIDI_L: case UC_BIDI_EN: case UC_BIDI_ES: case UC_BIDI_CS:
            case UC_BIDI_ET: case UC_BIDI_ON: case UC_BIDI_BN: case UC_BIDI_NSM:
                break;
            default:
                return 0;
            }
        }
        if (last == 0)
            return 0;
        int e = uc_bidi_class(l[last - 1]);
        return e == UC_BIDI_L || e == UC_BIDI_EN;
    }
    for (size_t i = 0; i < n; i++)
        if (l[i] >= 0x80)
            return 0;
    return 1;
}

static int is_rtl_cp(uint32_t c)
{
    int b = uc_bidi_class(c);
    return b == UC_BIDI_R || b == UC_BIDI_AL || b == UC_BIDI_AN;
}

/* Longest label we Punycode-encode (code points): the encoder is quadratic, and no real
   host comes near (DNS stops at 63 octets). Longer ones fail, as a documented limit. */
#define IDNA_LABEL_MAX 1024

/* UTS #46 ToASCII of the UTF-8 domain in[0..n) into out. 0, RT_EINVALID_URL, RT_ENOMEM. */
static int uts46_to_ascii(const char *in, size_t n, rt__buf *out)
{
    const unsigned char *s = (const unsigned char *)in;
    idna_cache *cache = rt__malloc(sizeof *cache);
    uint32_t *mapped = rt__malloc((n * IDNA_MAP_MAX + 1) * sizeof *mapped);
    uint32_t *norm = NULL, *dec = NULL;
    size_t *lab_start = NULL, *lab_len = NULL;
    int rc = RT_ENOMEM;
    if (!cache || !mapped)
        goto done;
    cache->used = cache->next = 0;
    /* 1. map */
    size_t mn = 0;
    for (size_t i = 0; i < n;) {
        uint32_t c = rt__url_utf8_next(s, n, &i);
        if (c < 0x80) {
            mapped[mn++] = c >= 'A' && c <= 'Z' ? c + 32 : c;
        } else if (is_deviation(c)) {
            mapped[mn++] = c;
        } else {
            const uint32_t *m;
            size_t k;
            int r = idna_map(cache, c, &m, &k);
            if (r < 0)
                goto done;
            if (r > 0) {
                rc = RT_EINVALID_URL;
                goto done;
            }
            memcpy(mapped + mn, m, k * sizeof *m);
            mn += k;
        }
    }
    /* 2. normalise */
    size_t nn;
    int r = nfc(mapped, mn, &norm, &nn);
    if (r < 0)
        goto done;
    /* 3. break into labels; xn-- labels are decoded into dec */
    size_t nlab = 1;
    for (size_t i = 0; i < nn; i++)
        nlab += norm[i] == '.';
    lab_start = rt__malloc(nlab * sizeof *lab_start);
    lab_len = rt__malloc(nlab * sizeof *lab_len);
    dec = rt__malloc((nn + 1) * sizeof *dec);
    if (!lab_start || !lab_len || !dec)
        goto done;
    rc = RT_EINVALID_URL;
    size_t dn = 0, li = 0, bidi_domain = 0;
    for (size_t st = 0; st <= nn; li++) {
        size_t e = st;
        while (e < nn && norm[e] != '.')
            e++;
        const uint32_t *l = norm + st;
        size_t ll = e - st;
        lab_start[li] = dn;
        int is_a = ll >= 4 && l[0] == 'x' && l[1] == 'n' && l[2] == '-' && l[3] == '-';
        if (is_a) {
            char asc[IDNA_LABEL_MAX * 4];
            if (ll - 4 > sizeof asc)
                goto done;
            for (size_t k = 4; k < ll; k++) {
                if (l[k] >= 0x80)
                    goto done;             /* Punycode with a non-ASCII code point */
                asc[k - 4] = (char)l[k];
            }
            size_t got;
            if (rt__url_puny_decode(asc, ll - 4, dec + dn, &got) < 0)
                goto done;
            int all_ascii = 1;
            for (size_t k = 0; k < got; k++)
                all_ascii &= dec[dn + k] < 0x80;
            if (got == 0 || all_ascii)
                goto done;
            /* validity: NFC, each code point valid, not itself "xn--" */
            uint32_t *chk;
            size_t chkn;
            if ((r = nfc(dec + dn, got, &chk, &chkn)) < 0) {
                rc = r;
                goto done;
            }
            int same = chkn == got && memcmp(chk, dec + dn, got * sizeof *chk) == 0;
            rt__free(chk);
            if (!same)
                goto done;
            if (got >= 4 && dec[dn] == 'x' && dec[dn + 1] == 'n' && dec[dn + 2] == '-' &&
                dec[dn + 3] == '-')
                goto done;
            for (size_t k = 0; k < got; k++) {
                int v = idna_valid(cache, dec[dn + k]);
                if (v < 0) {
                    rc = v;
                    goto done;
                }
                if (!v)
                    goto done;
            }
            dn += got;
        } else {
            memcpy(dec + dn, l, ll * sizeof *l);
            dn += ll;
        }
        lab_len[li] = dn - lab_start[li];
        const uint32_t *d = dec + lab_start[li];
        size_t dl = lab_len[li];
        if (dl > 0 && (is_mark(d[0]) || !contextj_ok(d, dl)))
            goto done;
        for (size_t k = 0; k < dl; k++)
            if (is_rtl_cp(d[k]))
                bidi_domain = 1;
        st = e + 1;
    }
    if (bidi_domain)
        for (size_t k = 0; k < nlab; k++)
            if (!bidi_ok(dec + lab_start[k], lab_len[k]))
                goto done;
    /* 4. to ASCII */
    out->len = 0;
    for (size_t k = 0; k < nlab; k++) {
        const uint32_t *d = dec + lab_start[k];
        size_t dl = lab_len[k], ascii = 1;
        if (k > 0 && rt__buf_append(out, ".", 1))
            goto oom;
        for (size_t j = 0; j < dl; j++)
            ascii &= d[j] < 0x80;
        if (ascii) {
            for (size_t j = 0; j < dl; j++)
                if (rt__buf_append(out, &(char){(char)d[j]}, 1))
                    goto oom;
            continue;
        }
        if (dl > IDNA_LABEL_MAX)
            goto done;
        if (rt__buf_append(out, "xn--", 4))
            goto oom;
        int pr = puny_encode(d, dl, out);
        if (pr == RT_ENOMEM)
            goto oom;
        if (pr < 0)
            goto done;
    }
    rc = 0;
    goto done;
oom:
    rc = RT_ENOMEM;
done:
    rt__free(cache);
    rt__free(mapped);
    rt__free(norm);
    rt__free(dec);
    rt__free(lab_start);
    rt__free(lab_len);
    return rc;
}

static int forbidden_host_cp(unsigned c)
{
    switch (c) {
    case 0: case '\t': case '\n': case '\r': case ' ': case '#': case '/': case ':':
    case '<': case '>': case '?': case '@': case '[': case '\\': case ']': case '^': case '|':
        return 1;
    }
    return 0;
}

static int forbidden_domain_cp(unsigned c)
{
    return forbidden_host_cp(c) || c < 0x20 || c == '%' || c == 0x7f;
}

int rt__url_domain_to_ascii(const char *in, size_t len, char **out, size_t *outlen)
{
    rt__buf b = {0};
    int fast = 1;
    for (size_t i = 0; i < len && fast; i++)
        fast = (unsigned char)in[i] < 0x80;
    if (fast)                              /* ASCII: lower-case, unless a label says xn-- */
        for (size_t i = 0; i < len; i++)
            if ((i == 0 || in[i - 1] == '.') && i + 4 <= len &&
                (in[i] | 32) == 'x' && (in[i + 1] | 32) == 'n' && in[i + 2] == '-' &&
                in[i + 3] == '-')
                fast = 0;
    int rc;
    if (fast) {
        rc = rt__buf_reserve(&b, len);
        if (rc == 0) {
            for (size_t i = 0; i < len; i++)
                b.data[i] = (char)(in[i] >= 'A' && in[i] <= 'Z' ? in[i] + 32 : in[i]);
            b.len = len;
            b.data[len] = '\0';
        }
    } else {
        rc = uts46_to_ascii(in, len, &b);
    }
    if (rc == 0 && b.len == 0)
        rc = RT_EINVALID_URL;
    for (size_t i = 0; rc == 0 && i < b.len; i++)
        if (forbidden_domain_cp((unsigned char)b.data[i]))
            rc = RT_EINVALID_URL;
    if (rc < 0) {
        rt__buf_free(&b);
        return rc;
    }
    *out = b.data;
    if (outlen)
        *outlen = b.len;
    return 0;
}

/* ---- IPv4 ---- */

/* The IPv4 number parser: 0 with *v (saturated at 2^32), or -1. */
static int ipv4_number(const char *s, size_t n, uint64_t *v)
{
    if (n == 0)
        return -1;
    int radix = 10;
    if (n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        s += 2;
        n -= 2;
        radix = 16;
    } else if (n >= 2 && s[0] == '0') {
        s++;
        n--;
        radix = 8;
    }
    uint64_t x = 0;
    for (size_t i = 0; i < n; i++) {
        int d = hexval((unsigned char)s[i]);
        if (d < 0 || d >= radix)
            return -1;
        x = x * (uint64_t)radix + (uint64_t)d;
        if (x > 0xffffffffULL)
            x = 0x100000000ULL;            /* too big either way: keep it from wrapping */
    }
    *v = x;
    return 0;
}

/* ends in a number: the last label (after one trailing dot) is all digits or an IPv4
   number. */
static int ends_in_number(const char *s, size_t n)
{
    if (n > 0 && s[n - 1] == '.') {
        n--;
        if (n == 0)
            return 0;
    }
    size_t st = n;
    while (st > 0 && s[st - 1] != '.')
        st--;
    const char *l = s + st;
    size_t ln = n - st;
    if (ln == 0)
        return 0;
    int digits = 1;
    for (size_t i = 0; i < ln; i++)
        digits &= l[i] >= '0' && l[i] <= '9';
    uint64_t v;
    return digits || ipv4_number(l, ln, &v) == 0;
}

/* The IPv4 parser, serialised into out (dotted decimal). 0 or RT_EINVALID_URL. */
static int ipv4_parse(const char *s, size_t n, char out[16])
{
    uint64_t nums[4];
    size_t cnt = 0;
    if (n > 0 && s[n - 1] == '.')
        n--;                               /* one trailing dot is allowed */
    size_t st = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && s[i] != '.')
            continue;
        if (cnt == 4)
            return RT_EINVALID_URL;
        if (ipv4_number(s + st, i - st, &nums[cnt]) < 0)
            return RT_EINVALID_URL;
        cnt++;
        st = i + 1;
    }
    for (size_t i = 0; i + 1 < cnt; i++)
        if (nums[i] > 255)
            return RT_EINVALID_URL;
    if (nums[cnt - 1] >= (1ULL << (8 * (5 - cnt))))
        return RT_EINVALID_URL;
    uint64_t a = nums[cnt - 1];
    for (size_t i = 0; i + 1 < cnt; i++)
        a += nums[i] << (8 * (3 - i));
    snprintf(out, 16, "%u.%u.%u.%u", (unsigned)(a >> 24) & 255, (unsigned)(a >> 16) & 255,
             (unsigned)(a >> 8) & 255, (unsigned)a & 255);
    return 0;
}

/* ---- IPv6 ---- */

static int ipv6_parse(const char *s, size_t n, uint16_t a[8])
{
    memset(a, 0, 8 * sizeof *a);
    size_t p = 0;
    int piece = 0, compress = -1;
#define C6 (p < n ? (unsigned char)s[p] : -1)
    if (C6 == ':') {
        if (p + 1 >= n || s[p + 1] != ':')
            return RT_EINVALID_URL;
        p += 2;
        compress = ++piece;
    }
    while (C6 != -1) {
        if (piece == 8)
            return RT_EINVALID_URL;
        if (C6 == ':') {
            if (compress >= 0)
                return RT_EINVALID_URL;
            p++;
            compress = ++piece;
            continue;
        }
        unsigned value = 0, len = 0;
        while (len < 4 && C6 != -1 && hexval(C6) >= 0) {
            value = value * 16 + (unsigned)hexval(C6);
            p++;
            len++;
        }
        if (C6 == '.') {
            if (len == 0)
                return RT_EINVALID_URL;
            p -= len;
            if (piece > 6)
                return RT_EINVALID_URL;
            int seen = 0;
            while (C6 != -1) {
                int v4 = -1;
                if (seen > 0) {
                    if (C6 == '.' && seen < 4)
                        p++;
                    else
                        return RT_EINVALID_URL;
                }
                if (C6 < '0' || C6 > '9')
                    return RT_EINVALID_URL;
                while (C6 >= '0' && C6 <= '9') {
                    int d = C6 - '0';
                    if (v4 < 0)
                        v4 = d;
                    else if (v4 == 0)
                        return RT_EINVALID_URL;
                    else
                        v4 = v4 * 10 + d;
                    if (v4 > 255)
                        return RT_EINVALID_URL;
                    p++;
                }
                a[piece] = (uint16_t)(a[piece] * 0x100 + v4);
                seen++;
                if (seen == 2 || seen == 4)
                    piece++;
            }
            if (seen != 4)
                return RT_EINVALID_URL;
            break;
        } else if (C6 == ':') {
            p++;
            if (C6 == -1)
                return RT_EINVALID_URL;
        } else if (C6 != -1) {
            return RT_EINVALID_URL;
        }
        a[piece++] = (uint16_t)value;
    }
#undef C6
    if (compress >= 0) {
        int swaps = piece - compress;
        piece = 7;
        while (piece != 0 && swaps > 0) {
            uint16_t t = a[piece];
            a[piece] = a[compress + swaps - 1];
            a[compress + swaps - 1] = t;
            piece--;
            swaps--;
        }
    } else if (piece != 8) {
        return RT_EINVALID_URL;
    }
    return 0;
}

static int ipv6_serialize(const uint16_t a[8], rt__buf *out)
{
    int best = -1, bestlen = 1;
    for (int i = 0; i < 8;) {
        if (a[i] != 0) {
            i++;
            continue;
        }
        int j = i;
        while (j < 8 && a[j] == 0)
            j++;
        if (j - i > bestlen) {
            best = i;
            bestlen = j - i;
        }
        i = j;
    }
    if (rt__buf_append(out, "[", 1))
        return RT_ENOMEM;
    for (int i = 0; i < 8; i++) {
        if (i == best) {
            if (rt__buf_puts(out, i == 0 ? "::" : ":"))
                return RT_ENOMEM;
            i += bestlen - 1;
            continue;
        }
        if (rt__buf_printf(out, "%x%s", a[i], i < 7 ? ":" : ""))
            return RT_ENOMEM;
    }
    return rt__buf_append(out, "]", 1) ? RT_ENOMEM : 0;
}

/* ---- the host parser ---- */

int rt__url_host_parse(const char *in, size_t n, int is_opaque, rt__buf *out, int *type)
{
    out->len = 0;
    if (out->data)
        out->data[0] = '\0';
    if (n > 0 && in[0] == '[') {
        uint16_t a[8];
        if (n < 2 || in[n - 1] != ']' || ipv6_parse(in + 1, n - 2, a) < 0)
            return RT_EINVALID_URL;
        *type = RT_URL_HOST_IPV6;
        return ipv6_serialize(a, out);
    }
    if (is_opaque) {
        for (size_t i = 0; i < n; i++)
            if (forbidden_host_cp((unsigned char)in[i]))
                return RT_EINVALID_URL;
        *type = n ? RT_URL_HOST_OPAQUE : RT_URL_HOST_EMPTY;
        return rt__url_pct_encode(out, in, n, RT_URL_PE_C0);
    }
    char *dec = rt__malloc(n + 1);
    if (!dec)
        return RT_ENOMEM;
    size_t dn = rt__url_pct_decode(in, n, dec);
    char *ascii = NULL;
    size_t an = 0;
    int rc = rt__url_domain_to_ascii(dec, dn, &ascii, &an);
    rt__free(dec);
    if (rc < 0)
        return rc;
    if (ends_in_number(ascii, an)) {
        char v4[16];
        rc = ipv4_parse(ascii, an, v4);
        rt__free(ascii);
        if (rc < 0)
            return rc;
        *type = RT_URL_HOST_IPV4;
        return rt__buf_puts(out, v4);
    }
    *type = RT_URL_HOST_DOMAIN;
    rc = rt__buf_append(out, ascii, an);
    rt__free(ascii);
    return rc;
}
