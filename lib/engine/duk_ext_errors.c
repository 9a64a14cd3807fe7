/*
 * duk_ext_errors.c - the error helpers that need Duktape's internals, compiled in the engine's
 * translation unit (lib/engine/duk_ext.c includes this file after duktape.c). Public API
 * gaps they fill: a thrown error records its traceback in the internal _Tracedata array
 * (function, pc) pairs, with C source positions (duk_js_compiler.c:5194) mixed in, and only
 * Duktape's own `stack` getter reads it; a compile error knows its line but not its column.
 * Declarations: lib/engine/duk_ext.h. Caller: lib/engine/errors.c. Loop thread only.
 */

/* The compile position's column (1-based, in code points) of the token the compiler is at,
   for an error created while compiling; 0 when this thread is not compiling. The line is
   Duktape's own (the same token's start_line), so the pair is consistent. */
long rt__dx_compile_column(duk_context *ctx, size_t skip)
{
    duk_hthread *thr = (duk_hthread *)ctx;
    duk_compiler_ctx *cc = thr->compile_ctx;
    if (!cc || !cc->h_filename || !cc->lex.input)
        return 0;
    const duk_uint8_t *in = cc->lex.input;
    duk_size_t off = cc->curr_token.start_offset;
    if (off > cc->lex.input_length)
        off = cc->lex.input_length;
    duk_size_t start = off;
    /* back to the line start: LF, CR, U+2028 or U+2029 (E2 80 A8/A9) end a line */
    while (start > 0 && in[start - 1] != '\n' && in[start - 1] != '\r') {
        if (start >= 3 && in[start - 3] == 0xe2 && in[start - 2] == 0x80 &&
            (in[start - 1] == 0xa8 || in[start - 1] == 0xa9))
            break;
        start--;
    }
    if (start < skip && off >= skip)
        start = skip;                      /* a wrapper before the first line's text */
    long col = 1;
    for (duk_size_t i = start; i < off; i++)
        if ((in[i] & 0xc0) != 0x80)        /* count lead bytes: code points */
            col++;
    return col;
}

int rt__dx_error_frames(duk_context *ctx, duk_idx_t idx, int compiled,
                        void (*cb)(void *ud, const rt__dx_frame *f), void *ud)
{
    duk_hthread *thr = (duk_hthread *)ctx;
    idx = duk_normalize_index(ctx, idx);
    int n = 0;
    if (!duk_is_object(ctx, idx))
        return 0;
    duk_xget_owndataprop_stridx_short(thr, idx, DUK_STRIDX_INT_TRACEDATA);
    duk_idx_t td = duk_get_top_index(ctx);
    if (!duk_is_object(ctx, td)) {
        duk_pop(ctx);
        return 0;
    }
    duk_uarridx_t len = (duk_uarridx_t)duk_get_length(ctx, td);
    int first_string = 1;
    for (duk_uarridx_t i = 0; i + 1 < len; i += 2) {
        duk_require_stack(ctx, 6);
        duk_get_prop_index(ctx, td, i);
        duk_get_prop_index(ctx, td, i + 1);
        duk_double_t d = duk_to_number(ctx, -1);
        rt__dx_frame f;
        memset(&f, 0, sizeof f);
        duk_int_t t = duk_get_type(ctx, -2);
        if (t == DUK_TYPE_STRING) {
            /* (file, flags << 32 | line): the compile position of an error made while
               compiling comes first; every other string entry is a C source position of the
               engine (or of our own C code), which scripts have no use for */
            int compile = compiled && first_string;
            first_string = 0;
            if (compile) {
                f.kind = RT__DX_FRAME_COMPILE;
                f.name = "";
                f.file = duk_get_string(ctx, -2);
                f.line = (long)DUK_FMOD(d, DUK_DOUBLE_2TO32);
                f.column = compiled;
                cb(ud, &f);
                n++;
            }
            duk_pop_2(ctx);
            continue;
        }
        if (t != DUK_TYPE_OBJECT && t != DUK_TYPE_LIGHTFUNC) {
            duk_pop_2(ctx);
            continue;
        }
        duk_uint_fast32_t pc = (duk_uint_fast32_t)DUK_FMOD(d, DUK_DOUBLE_2TO32);
        duk_get_prop_stridx_short(thr, -2, DUK_STRIDX_NAME);
        duk_get_prop_stridx_short(thr, -3, DUK_STRIDX_FILE_NAME);
        /* [ ... td func pcflags name filename ] */
        duk_hobject *h = duk_get_hobject(ctx, -4);
        f.kind = (!h || DUK_HOBJECT_HAS_NATFUNC(h)) ? RT__DX_FRAME_NATIVE : RT__DX_FRAME_JS;
        f.name = duk_is_string_notsymbol(thr, -2) ? duk_get_string(ctx, -2) : "";
        f.file = duk_is_string_notsymbol(thr, -1) ? duk_get_string(ctx, -1) : "";
        if (f.kind == RT__DX_FRAME_JS)
            f.line = (long)duk_hobject_pc2line_query(thr, -4, pc);
        cb(ud, &f);
        n++;
        duk_pop_n(ctx, 4);
    }
    duk_pop(ctx);
    return n;
}

int rt__dx_catching(duk_context *ctx)
{
    return ((duk_hthread *)ctx)->heap->lj.jmpbuf_ptr != NULL;
}
