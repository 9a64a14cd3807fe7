/*
 * duk_ext_errors.c - the error helpers that need Duktape's internals, compiled in the engine's
 * translation unit (lib/engine/duk_ext.c includes this file after duktape.c). Public API
 * gaps they fill: a thrown error records its traceback in the internal _Tracedata array
 * (function, pc) pairs, with C source positions (duk_js_compiler.c:5194) mixed in, and only
 * Duktape's own `stack` getter reads it; a compile error knows its line but not its column.
 * Declarations: lib/engine/duk_ext.h. Caller: lib/engine/errors.c. Loop thread only.
 *
 * Columns at run time: tools/duk-columns.awk makes the compiler call rt__dx_instr_column for
 * each instruction it emits and the pc-to-line packer call rt__dx_pack_columns, which
 * appends one 16-bit column per instruction after the line data, then a trailer (the
 * offset of the columns and the tag "RTCC"): Duktape's line decoder never reads past its own
 * data, and dumps copy the buffer as it is. rt__dx_error_frames reads the column of each
 * frame's pc back.
 */

int rt__dx_record_columns = 1;             /* tools/js2c turns it off: the core's own bytecode
                                              carries no columns */
static __thread duk_size_t dx_skip;        /* bytes before line 1's text (a module's wrapper) */

void rt__dx_set_compile_skip(duk_size_t skip)
{
    dx_skip = skip;
}

/* 1 if byte i ends a line: LF, CR, or the last byte of U+2028 / U+2029 (E2 80 A8/A9) */
static inline int dx_is_eol(const duk_uint8_t *in, duk_size_t i)
{
    duk_uint8_t c = in[i];
    if (c < 0x80)
        return c == '\n' || c == '\r';
    return (c == 0xa8 || c == 0xa9) && i >= 2 && in[i - 1] == 0x80 && in[i - 2] == 0xe2;
}

/* The column (1-based, code points) of byte offset off of in. A per-thread cache makes the
   compiler's walk linear: from the last answer forward to off, or back to it (the compiler
   alternates between two neighbouring tokens); a full scan back to the line's start only
   when neither applies - never per token on a long (minified) line. */
static __thread struct {
    const duk_uint8_t *in;
    duk_size_t off, start;                 /* the last offset asked, its line's start */
    duk_uint32_t col;
} dx_cc;

static duk_uint32_t dx_column_at(const duk_uint8_t *in, duk_size_t len, duk_size_t off)
{
    if (off > len)
        off = len;
    duk_size_t start = 0;
    duk_uint32_t col = 0;
    int found = 0;
    if (dx_cc.in == in && off < dx_cc.off) {
        /* a step back (the compiler alternates between the previous and the current
           token): count the code points in between, unless a line ends there */
        duk_uint32_t back = 0;
        duk_size_t i;
        for (i = off; i < dx_cc.off && !dx_is_eol(in, i); i++)
            if ((in[i] & 0xc0) != 0x80)
                back++;
        if (i == dx_cc.off && back < dx_cc.col) {
            start = dx_cc.start;
            col = dx_cc.col - back;
            found = 1;
        }
    }
    if (found) {
        /* done */
    } else if (dx_cc.in == in && dx_cc.off <= off) {
        start = dx_cc.start;
        col = dx_cc.col;
        for (duk_size_t i = dx_cc.off; i < off; i++) {
            if (dx_is_eol(in, i)) {
                start = i + 1;
                col = 1;
            } else if ((in[i] & 0xc0) != 0x80) {
                col++;
            }
        }
    } else {
        start = off;
        while (start > 0 && !dx_is_eol(in, start - 1))
            start--;
        col = 1;
        for (duk_size_t i = start; i < off; i++)
            if ((in[i] & 0xc0) != 0x80)
                col++;
    }
    dx_cc.in = in;
    dx_cc.off = off;
    dx_cc.start = start;
    dx_cc.col = col;
    if (start < dx_skip && off >= dx_skip) {     /* line 1 behind a wrapper */
        duk_uint32_t c = 1;
        for (duk_size_t i = dx_skip; i < off; i++)
            if ((in[i] & 0xc0) != 0x80)
                c++;
        return c;
    }
    return col;
}

/* The compiler sets an instruction's line from the previous token (or the current one); the
   column comes from the same token. */
static duk_uint32_t rt__dx_instr_column(duk_compiler_ctx *cc, duk_int_t line)
{
    if (!rt__dx_record_columns || !cc->lex.input)
        return 0;
    duk_token *t = (line != 0 && cc->prev_token.start_line == line) ? &cc->prev_token
                                                                    : &cc->curr_token;
    return dx_column_at(cc->lex.input, cc->lex.input_length, t->start_offset);
}

#define DX_COLS_TAG 0x43435452u            /* "RTCC" */

static void dx_put32(duk_uint8_t *p, duk_uint32_t v)
{
    p[0] = (duk_uint8_t)v;
    p[1] = (duk_uint8_t)(v >> 8);
    p[2] = (duk_uint8_t)(v >> 16);
    p[3] = (duk_uint8_t)(v >> 24);
}

static duk_uint32_t dx_get32(const duk_uint8_t *p)
{
    return (duk_uint32_t)p[0] | (duk_uint32_t)p[1] << 8 | (duk_uint32_t)p[2] << 16 |
           (duk_uint32_t)p[3] << 24;
}

/* After the line data at offset: the columns, then the trailer. Returns the new end. */
static duk_uint_fast32_t rt__dx_pack_columns(duk_hthread *thr, void *h_buf,
                                             duk_compiler_instr *instrs,
                                             duk_uint_fast32_t length, duk_uint_fast32_t offset)
{
    duk_uint_fast32_t pc;
    for (pc = 0; pc < length && instrs[pc].rt_col == 0; pc++)
        ;
    if (pc == length || length > 0x3fffffffu)
        return offset;                     /* no columns recorded (js2c) */
    duk_size_t end = (duk_size_t)offset + 2 * (duk_size_t)length + 8;
    duk_hbuffer_resize(thr, (duk_hbuffer_dynamic *)h_buf, end);
    duk_uint8_t *p = (duk_uint8_t *)DUK_HBUFFER_DYNAMIC_GET_DATA_PTR(thr->heap,
                                                                    (duk_hbuffer_dynamic *)h_buf);
    for (pc = 0; pc < length; pc++) {
        duk_uint32_t c = instrs[pc].rt_col > 0xffff ? 0xffff : instrs[pc].rt_col;
        p[offset + 2 * pc] = (duk_uint8_t)c;
        p[offset + 2 * pc + 1] = (duk_uint8_t)(c >> 8);
    }
    dx_put32(p + offset + 2 * length, (duk_uint32_t)offset);
    dx_put32(p + offset + 2 * length + 4, DX_COLS_TAG);
    return (duk_uint_fast32_t)end;
}

/* The column of pc in the function at idx (0: none recorded). */
static long dx_column_of(duk_hthread *thr, duk_idx_t idx, duk_uint_fast32_t pc)
{
    idx = duk_normalize_index(thr, idx);
    long col = 0;
    duk_xget_owndataprop_stridx_short(thr, idx, DUK_STRIDX_INT_PC2LINE);
    duk_hbuffer *b = duk_get_hbuffer(thr, -1);
    if (b && !DUK_HBUFFER_HAS_DYNAMIC(b)) {
        duk_size_t size = DUK_HBUFFER_FIXED_GET_SIZE((duk_hbuffer_fixed *)b);
        const duk_uint8_t *p =
            (const duk_uint8_t *)DUK_HBUFFER_FIXED_GET_DATA_PTR(thr->heap, (duk_hbuffer_fixed *)b);
        if (size >= 16 && dx_get32(p + size - 4) == DX_COLS_TAG) {
            duk_uint32_t length, off = dx_get32(p + size - 8);
            memcpy(&length, p, sizeof length);     /* the packer's header: pc count */
            if ((duk_size_t)off + 2 * (duk_size_t)length + 8 == size && pc < length)
                col = (long)p[off + 2 * pc] | (long)p[off + 2 * pc + 1] << 8;
        }
    }
    duk_pop(thr);
    return col;
}

/* The compile position's column (1-based, in code points) of the token the compiler is at,
   for an error created while compiling; 0 when this thread is not compiling. The line is
   Duktape's own (the same token's start_line), so the pair is consistent. */
long rt__dx_compile_column(duk_context *ctx)
{
    duk_size_t skip = dx_skip;
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
        if (f.kind == RT__DX_FRAME_JS) {
            f.line = (long)duk_hobject_pc2line_query(thr, -4, pc);
            f.column = dx_column_of(thr, -4, pc);
        }
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
