/*
 * url_internal.h - what lib/net/url.c and lib/net/url_host.c share (the parser and the host
 * parser); rt__url_ names, never used outside lib/net/url*.c and the unit tests.
 */
#ifndef RT_URL_INTERNAL_H
#define RT_URL_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "net.h"

/* Percent-encode sets of the URL standard, each a superset of the one before. */
enum {
    RT_URL_PE_C0 = 1,                      /* C0 controls and above U+007E */
    RT_URL_PE_FRAGMENT,
    RT_URL_PE_QUERY,
    RT_URL_PE_SPECIAL_QUERY,
    RT_URL_PE_PATH,
    RT_URL_PE_USERINFO,
    RT_URL_PE_COMPONENT,
    RT_URL_PE_FORM                         /* application/x-www-form-urlencoded */
};

/* 1 if byte c (of a UTF-8 sequence) is percent-encoded in set. */
int rt__url_pe_in(unsigned c, int set);
/* Append in[0..n) to b, percent-encoding the bytes in set. 0 or RT_ENOMEM. */
int rt__url_pct_encode(rt__buf *b, const char *in, size_t n, int set);
/* Percent-decode in[0..n) into out (room for n bytes); returns the length. */
size_t rt__url_pct_decode(const char *in, size_t n, char *out);

/* UTF-8: decode one code point at s[*i] (invalid -> U+FFFD, *i advanced); encode c into
   out (up to 4 bytes), returning the length. */
uint32_t rt__url_utf8_next(const unsigned char *s, size_t n, size_t *i);
size_t rt__url_utf8_put(uint32_t c, char *out);

/* Punycode decoding (RFC 3492) of ASCII in[0..n) into out (room for n code points):
   0 with *outn, or -1. */
int rt__url_puny_decode(const char *in, size_t n, uint32_t *out, size_t *outn);

/* The host parser: in[0..n) (percent-encoded as in the URL), is_opaque for non-special
   schemes. Fills out with the serialised host and *type (RT_URL_HOST_*).
   0, RT_EINVALID_URL or RT_ENOMEM. */
int rt__url_host_parse(const char *in, size_t n, int is_opaque, rt__buf *out, int *type);

#endif /* RT_URL_INTERNAL_H */
