/*
 * codings.h - streaming decoders for HTTP content codings (RFC 9110 section 8.4): gzip and
 * x-gzip, deflate, br, zstd, and stacks of them ("gzip, br"). Network side: no Duktape,
 * callable from any thread (one thread at a time per decoder; decoders share nothing), memory
 * only through rt__malloc/rt__free - the libraries' own allocations too, through their
 * allocator hooks, so tests can count and fail every one. The HTTP exchange (lib/net/) owns
 * one decoder per response body and feeds it the body bytes after transfer decoding.
 *
 * Libraries: zlib (gzip, deflate), Debian's libbrotli (br) and libzstd (zstd), linked
 * statically into libruntime.a. docs/fetch.md says why these rather than our own code.
 *
 * Behaviour, decided once here:
 * - The Content-Encoding value is a comma-separated list; names are case-insensitive,
 *   empty elements and "identity" are ignored. Codings are listed in the order they were
 *   applied, so they are decoded in reverse (as undici and Node do).
 * - A coding we do not know (compress, a typo, a parameter): rt__decoder_new answers
 *   RT__CODING_UNSUPPORTED and the body is delivered as it came, undecoded - undici's
 *   behaviour; the Content-Encoding header stays visible to the script, which can decide.
 * - More than RT__CODINGS_MAX codings: RT_EDECOMPRESS (undici, urllib3 and curl refuse
 *   long chains too: each stage costs a decoder's memory).
 * - "deflate" is meant to be zlib-wrapped (RFC 9110 8.4.1.2), but some servers send raw
 *   deflate. As browsers do, the first two bytes decide: a valid zlib header (CM 8, window
 *   at most 32 KiB, header check divisible by 31) is decoded as zlib, anything else as raw.
 * - gzip: concatenated members are decoded one after another (RFC 1952 2.2). After a
 *   member, a byte other than the gzip magic 0x1f starts trailing garbage, which is
 *   ignored, as Node's zlib and browsers do.
 * - br and deflate: bytes after the end of the stream are ignored (as Chromium does).
 * - zstd: frames are decoded one after another (a multi-frame stream works, skippable
 *   frames are skipped). A frame whose window exceeds 8 MiB is refused (RFC 9659 caps the
 *   window of the zstd content coding at 8 MiB; Chromium sets the same limit, curl leaves
 *   libzstd's default of 128 MiB). Legacy frames (formats before zstd 0.8, which Debian's
 *   libzstd still decodes) are refused: no HTTP server sends them, and their decoders are
 *   old code we need not expose.
 * - An empty body (no byte at all) is complete for every coding: servers send
 *   "Content-Encoding: gzip" on empty responses, and browsers accept them.
 *
 * Memory a decoder holds at most (the decoder itself ~1 KiB), allocated by the libraries
 * as the stream declares it, never growing with the amount of output (measured by
 * tests/unit/test-codings.c on 24 MiB bodies with the largest windows accepted):
 *   gzip, deflate   zlib's state (~7 KiB) and 32 KiB window                       40 KiB
 *   br              the ring buffer, up to the 16 MiB window the stream declares, plus
 *                   tables; libbrotli grows the ring with small bodies in mind, and for a
 *                   moment holds the old and the new one: 1.5 x 16 MiB              24.1 MiB
 *   zstd            the context (~150 KiB), the window (at most 8 MiB), two blocks  8.5 MiB
 *   each stage of a stack but the last: a RT__CODINGS_STAGE_BUF (16 KiB) hand-over buffer.
 * A decoder never buffers output beyond that: the caller bounds each call's output, may stop
 * after any call, and so bounds the decoded size (decompression bombs are stopped by the
 * caller's limit on decoded bytes). tests/unit/test-codings.c measures these figures.
 */
#ifndef RT_CODINGS_H
#define RT_CODINGS_H

#include <stddef.h>
#include <stdint.h>

#define RT__CODINGS_MAX 5                  /* codings in one Content-Encoding at most */
#define RT__CODINGS_STAGE_BUF 16384        /* hand-over buffer between stacked decoders */
#define RT__CODING_UNSUPPORTED 1           /* rt__decoder_new: pass the body through */

typedef struct rt__decoder rt__decoder;

/* The Accept-Encoding value for what is built in: "gzip, deflate, br, zstd". Static. */
const char *rt__accept_encoding(void);

/* Parse a Content-Encoding value (value[0..len), not NUL-terminated; several header fields
 * are joined with ", " first, as RFC 9110 5.3 allows) and create its decoder. Returns:
 *   0 with *out set             decode the body with *out (the caller frees it);
 *   0 with *out NULL            nothing to decode (empty value, only "identity");
 *   RT__CODING_UNSUPPORTED      (positive) a coding we cannot decode: *out NULL, deliver the
 *                               body undecoded;
 *   RT_EDECOMPRESS              more than RT__CODINGS_MAX codings;
 *   RT_ENOMEM.
 * The value is not kept. Any thread. */
int rt__decoder_new(const char *value, size_t len, rt__decoder **out);

/* Decode: take bytes of in[0..in_len) (borrowed for the call), write at most out_cap bytes
 * to out (the caller's, out_cap > 0). *consumed and *produced say how many; consumed bytes
 * are never offered again. Call it repeatedly:
 *   - while *produced == out_cap there may be more output: call again (with the rest of
 *     the input, or in_len 0) after taking this output;
 *   - *produced < out_cap means all of in was consumed and everything it yields so far was
 *     produced: wait for more input (or call rt__decoder_finish at the end of the body).
 * Returns 0 (go on), 1 (the data so far forms a complete stream: finish would succeed; more
 * gzip members or zstd frames may still follow, and then 0 again until their end),
 * RT_EDECOMPRESS (corrupt data: rt__decoder_message says what), RT_ENOMEM, or RT_EINVAL
 * (out_cap 0, NULL pointers). An error is final: every later call returns it again. */
int rt__decoder_push(rt__decoder *d, const uint8_t *in, size_t in_len, size_t *consumed,
                     uint8_t *out, size_t out_cap, size_t *produced);

/* The body ended: 0 if every stage is at the end of a complete stream (or got no byte at
 * all), RT_EDECOMPRESS if a stream was cut short (message says which), RT_EINVAL if the
 * output was not drained (the last push filled out_cap), or the earlier error. */
int rt__decoder_finish(rt__decoder *d);

/* "gzip: invalid distance too far back", "zstd: Frame requires too much memory for
 * decoding", "br: truncated stream" ...; "" when there was no error. Owned by d, valid
 * until the next call on d. */
const char *rt__decoder_message(const rt__decoder *d);

/* Bytes the decoder and its libraries hold now, and (if peak) the most they held at once:
 * tests and stats; the figures above. */
size_t rt__decoder_memory(const rt__decoder *d, size_t *peak);

/* Free d and everything it holds. NULL is fine. */
void rt__decoder_free(rt__decoder *d);

#endif /* RT_CODINGS_H */
