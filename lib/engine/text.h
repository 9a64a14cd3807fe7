/*
 * text.h - strings between Duktape and bytes (lib/engine/text.c). Duktape keeps strings as
 * CESU-8 ("extended UTF-8": each UTF-16 code unit, surrogates included, as its own sequence);
 * the Web's APIs want UTF-8 (USVString: lone surrogates become U+FFFD) or ByteStrings (each
 * code unit one byte, none above 0xFF). Loop thread; the functions that push leave their
 * result (and nothing else) on the value stack, the ones that read leave a scratch value
 * that keeps the bytes alive.
 */
#ifndef RT_ENGINE_TEXT_H
#define RT_ENGINE_TEXT_H

#include <stddef.h>
#include <stdint.h>
#include "duktape.h"

/* [ ... ] -> [ ... scratch ]: the UTF-8 form (lone surrogates -> U+FFFD) of the string at
   idx (ToString'd in place); p and n point into the string itself or into the scratch buffer
   left on the stack. */
void rt__to_utf8(duk_context *ctx, duk_idx_t idx, const char **p, size_t *n);
/* [ ... v ] -> [ ... s ]: v as a USVString (lone surrogates -> U+FFFD). */
void rt__to_usv(duk_context *ctx, duk_idx_t idx);
/* [ ... ] -> [ ... s ]: decode bytes as UTF-8 into a JS string: invalid sequences become
   U+FFFD (the Encoding standard's decoder, error mode "replacement"), code points above
   U+FFFF surrogate pairs; strip_bom drops a leading U+FEFF (UTF-8 decode, as text() does).
   The bytes may come in several pieces (parts[i], lens[i]) that split sequences anywhere. */
void rt__push_utf8(duk_context *ctx, const void *s, size_t n, int strip_bom);
void rt__push_utf8_parts(duk_context *ctx, const uint8_t *const *parts, const size_t *lens,
                         size_t nparts, int strip_bom);
/* [ ... ] -> [ ... scratch ]: the ByteString form of the string at idx (ToString'd in place):
   one byte per code unit; returns NULL (and *n = 0) if a code unit is above 0xFF. */
const char *rt__to_bytestring(duk_context *ctx, duk_idx_t idx, size_t *n);
/* [ ... ] -> [ ... s ]: bytes as a ByteString (each byte one code unit: Latin-1). */
void rt__push_latin1(duk_context *ctx, const void *s, size_t n);
/* The JSON text at idx made well-formed in place: each lone surrogate becomes \udxxx. */
void rt__json_wellformed(duk_context *ctx, duk_idx_t idx);
/* Replace JSON.stringify with a well-formed one (ES2019: lone surrogates escaped). 0. */
int rt__json_init(duk_context *ctx);
/* The globals atob() and btoa() (HTML; DOMException must exist when they throw). 0. */
int rt__base64_init(duk_context *ctx);

#endif /* RT_ENGINE_TEXT_H */
