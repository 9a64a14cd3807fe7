/*
 * blob.h - Blob and File (the W3C File API) in C (lib/engine/blob.c), and what the body mixin
 * and FormData need from them. Loop thread.
 *
 * A Blob's bytes are a range [off, off + len) of a plain fixed Duktape buffer in its data
 * slot (GC-managed, its data pointer stable for its life, no finalizer). slice(), the
 * FormData Blob-to-File conversions, new Blob([blob]) and the Files formData() makes share
 * that buffer: bytes are held once, never copied per slice. No script ever sees the buffer,
 * so it never changes. File is a Blob whose state says so, with a name and lastModified.
 */
#ifndef RT_ENGINE_BLOB_H
#define RT_ENGINE_BLOB_H

#include <stddef.h>
#include <stdint.h>
#include "duktape.h"

typedef struct rt__blob_state {
    uint64_t off, len;                     /* the bytes, in the data slot's buffer */
    double last_modified;                  /* File: milliseconds since the epoch */
    uint8_t is_file;
} rt__blob_state;

/* The state of the Blob (or File) at idx, or NULL if it is neither. */
rt__blob_state *rt__blob_of(duk_context *ctx, duk_idx_t idx);
/* The bytes of the Blob at idx (which must be one): valid while the Blob (or its buffer) is
   alive. */
const uint8_t *rt__blob_bytes(duk_context *ctx, duk_idx_t idx, size_t *len);
/* [ ... ] -> [ ... view ]: a Uint8Array over the Blob's bytes, sharing its buffer: for C
   only (a body's bytes, a request's pieces), never handed to a script. */
void rt__blob_push_view(duk_context *ctx, duk_idx_t idx);
/* [ ... ] -> [ ... type ]: the Blob's type. */
void rt__blob_push_type(duk_context *ctx, duk_idx_t idx);

/* [ ... ] -> [ ... blob ]: a new Blob over bytes [off, off + len) of the plain buffer at
   data_idx (shared, not copied), with the type given (normalized here: "" unless every byte
   is 0x20-0x7E, then lower-cased). */
void rt__blob_push_new(duk_context *ctx, duk_idx_t data_idx, size_t off, size_t len,
                       const char *type, size_t tlen);
/* [ ... ] -> [ ... file ]: the same as a File named by the string at name_idx. */
void rt__file_push_new(duk_context *ctx, duk_idx_t data_idx, size_t off, size_t len,
                       const char *type, size_t tlen, duk_idx_t name_idx, double last_modified);
/* [ ... ] -> [ ... file ]: a File with the bytes and type of the Blob at blob_idx, named by
   the string at name_idx; lastModified is the Blob's if it is a File, else now. */
void rt__file_push_from(duk_context *ctx, duk_idx_t blob_idx, duk_idx_t name_idx);

int rt__blob_init(duk_context *ctx);       /* the Blob and File classes */

#endif /* RT_ENGINE_BLOB_H */
