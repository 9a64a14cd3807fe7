/*
 * multipart.h - multipart/form-data (lib/net/multipart.c): the HTML standard's encoding
 * algorithm, in pieces the engine interleaves with file bytes it does not copy, and the
 * parser the Fetch standard's formData() uses (the "multipart/form-data parser" proposed for
 * the HTML standard, whatwg/html#7431, which undici implements). No Duktape, no global state
 * but the random source: any thread. Callers: lib/engine/formdata.c (both directions); unit
 * tests (tests/unit/test-multipart.c) and a fuzz target (tests/fuzz/fuzz_multipart.c).
 *
 * Encoding. A body is, for each entry: a part head (rt__mp_part_head), the value (a string's
 * UTF-8 with its newlines normalized to CR LF: rt__mp_text; a file's bytes as they are),
 * CR LF; then the close delimiter (rt__mp_close). Names have their newlines normalized, and
 * names and filenames are escaped as the standard says: LF as %0A, CR as %0D, '"' as %22.
 *
 * Parsing. Strict, as the proposed algorithm: the body starts with "--" boundary (no
 * preamble), every part has a Content-Disposition of exactly `form-data; name="..."`
 * (optionally followed by `; filename="..."`), header names are tokens, lines end in CR LF,
 * and the last delimiter is "--" boundary "--" followed by CR LF and the end of the input
 * (or, as undici also accepts, by the end of the input at once). Anything else is RT_EINVAL.
 */
#ifndef RT_NET_MULTIPART_H
#define RT_NET_MULTIPART_H

#include <stddef.h>
#include <stdint.h>

#include "net.h"

/* Room a generated boundary needs, NUL included. */
#define RT__MP_BOUNDARY_SIZE 64

/* A new boundary: "----formdata-rtjs-" and 32 hex digits from the system's random source
   (getrandom(2), else /dev/urandom, else the clock mixed with a counter), written to out with
   a NUL. Returns its length. Thread-safe. */
size_t rt__mp_boundary(char *out);

/* Append "--boundary CRLF Content-Disposition: form-data; name="name"[; filename="filename"]
   CRLF [Content-Type: type CRLF] CRLF" to b. filename NULL: a string entry (no filename, no
   Content-Type); else a file entry, whose Content-Type is type or, when that is empty,
   application/octet-stream (bytes below 0x20 and 0x7F are left out of type). 0 or
   RT_ENOMEM. */
int rt__mp_part_head(rt__buf *b, const char *boundary, size_t blen, const char *name,
                     size_t nlen, const char *filename, size_t flen, const char *type,
                     size_t tlen);
/* Append a string value with every CR not followed by LF and every LF not preceded by CR made
   CR LF. 0 or RT_ENOMEM. */
int rt__mp_text(rt__buf *b, const char *v, size_t n);
/* Append the close delimiter "--boundary--" CRLF (after a value, append CRLF first). */
int rt__mp_close(rt__buf *b, const char *boundary, size_t blen);

/* One part, for the parser's callback. name and filename are decoded (%0A, %0D and %22 undone;
   otherwise the bytes as they came: the caller decodes them as UTF-8); they point into scratch
   memory valid for the call. type is the Content-Type value as it came (trailing
   whitespace removed), into the input. body is into the input. */
typedef struct rt__mp_part {
    const char *name;
    size_t name_len;
    const char *filename;                  /* NULL: no filename parameter */
    size_t filename_len;
    const char *type;                      /* NULL: no Content-Type header */
    size_t type_len;
    const uint8_t *body;
    size_t body_len;
} rt__mp_part;

/* Called for each part in order; a negative return stops the parse with that value. */
typedef int (*rt__mp_cb)(void *ud, const rt__mp_part *part);

/* Parse in[0..n) with the given boundary (the bytes of the Content-Type's boundary
   parameter). 0 when the whole input parsed (cb saw every part), RT_EINVAL when it is
   malformed (cb may have seen the parts before the fault), RT_ENOMEM, or cb's value. */
int rt__mp_parse(const uint8_t *in, size_t n, const char *boundary, size_t blen, rt__mp_cb cb,
                 void *ud);

#endif /* RT_NET_MULTIPART_H */
