/*
 * formdata.h - the FormData class of the XMLHttpRequest standard in C (lib/engine/formdata.c),
 * and FormData as a body: extracted as multipart/form-data in pieces (file bytes shared, not
 * copied) and made by formData() from multipart/form-data or form-urlencoded bytes. Loop
 * thread.
 */
#ifndef RT_ENGINE_FORMDATA_H
#define RT_ENGINE_FORMDATA_H

#include "duktape.h"

/* 1 if the value at idx is a FormData. */
int rt__formdata_is(duk_context *ctx, duk_idx_t idx);
/* [ ... ] -> [ ... parts type ]: the multipart/form-data encoding of the FormData at idx (its
   entries as they are now) as an Array of pieces - plain buffers for the text, each File's
   bytes as a view of its buffer (blob.h) - and its Content-Type with a new random boundary.
   Throws a RangeError when out of memory. */
void rt__formdata_extract(duk_context *ctx, duk_idx_t idx);
/* [ ... ] -> [ ... formdata ]: formData()'s result from the body bytes in the plain buffer at
   buf_idx and the Content-Type value (a string, or undefined when there is none) at
   type_idx. Files share buf's bytes. Throws a TypeError for another type or a malformed
   body. */
void rt__formdata_parse(duk_context *ctx, duk_idx_t buf_idx, duk_idx_t type_idx);

int rt__formdata_init(duk_context *ctx);   /* the FormData class and its iterator */

#endif /* RT_ENGINE_FORMDATA_H */
