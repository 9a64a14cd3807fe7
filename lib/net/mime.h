/*
 * mime.h - MIME types as the MIME Sniffing standard parses and serializes them, and the Fetch
 * standard's "extract a MIME type" over a Content-Type header value (lib/net/mime.c). No
 * Duktape, no global state: any thread. The body mixin uses it for blob()'s type and for
 * formData()'s essence and boundary (lib/engine/body.c, formdata.c).
 *
 * Bytes in, bytes out: a header value is a ByteString (each byte one code point, isomorphic),
 * so "code points" below are bytes; HTTP token and quoted-string token code points are the
 * standard's (token: RFC 9110 tchar; quoted-string token: HTAB, 0x20-0x7E, 0x80-0xFF).
 */
#ifndef RT_NET_MIME_H
#define RT_NET_MIME_H

#include <stddef.h>
#include <stdint.h>

/* One parameter: name (lower-cased) and value (unquoted), as spans of rt__mime.mem. */
typedef struct rt__mime_param {
    size_t name_off, name_len;
    size_t value_off, value_len;
} rt__mime_param;

/* A parsed MIME type. mem (owned, rt__malloc'd) holds "type/subtype" (lower-cased: the
   essence) at offset 0 and every parameter name and value after it; params (owned) lists the
   parameters in the order they came, the first of each name only, as the standard keeps
   them. rt__mime_free releases both; a zeroed struct is empty. */
typedef struct rt__mime {
    char *mem;
    size_t mem_len, mem_cap;
    size_t type_len;                       /* "type" in mem[0..type_len) */
    size_t essence_len;                    /* "type/subtype" in mem[0..essence_len) */
    rt__mime_param *params;
    size_t nparams, pcap;
} rt__mime;

/* Parse a MIME type (MIME Sniffing 4.4) from s[0..n). 0 with *out filled, RT_EINVAL when
   it is not one (then *out is empty), RT_ENOMEM. */
int rt__mime_parse(const char *s, size_t n, rt__mime *out);
/* The Fetch standard's "extract a MIME type" from a Content-Type value as Headers.get gives
   it (several values joined with ", "): the value is split at commas outside quoted strings,
   each piece parsed; the last that parses and is not * / * wins, and it inherits the charset
   of an earlier one with the same essence when it has none. 0, RT_EINVAL (failure: no
   piece parsed), RT_ENOMEM. */
int rt__mime_extract(const char *s, size_t n, rt__mime *out);
void rt__mime_free(rt__mime *m);

/* The essence ("type/subtype", lower-cased) equals e (a lower-case C string). */
int rt__mime_is(const rt__mime *m, const char *e);
/* The value of parameter name (lower-case C string): 1 with *v, *vlen (into m->mem), or 0. */
int rt__mime_param_get(const rt__mime *m, const char *name, const char **v, size_t *vlen);
/* Serialize (MIME Sniffing 4.5): "type/subtype;name=value", a value quoted (with \ before
   " and \) when it is empty or not all token code points. *out is rt__malloc'd and
   NUL-terminated, *out_len its length. 0 or RT_ENOMEM. */
int rt__mime_serialize(const rt__mime *m, char **out, size_t *out_len);

#endif /* RT_NET_MIME_H */
