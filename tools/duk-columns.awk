# duk-columns.awk - adds column numbers to Duktape's pc-to-line table, at build time (the
# Makefile runs it over Debian's duktape.c into build/<b>/gen/duk/duktape.c). Duktape records
# a line per bytecode instruction but no column; a runtime error then cannot say where on
# the line it happened. Four insertions, each at an anchor that must match exactly once (the
# Makefile checks the counts), call helpers defined in lib/engine/duk_ext_errors.c:
#  1. struct duk_compiler_instr gets an rt_col field;
#  2. each place that sets an instruction's line also sets its column (rt__dx_instr_column:
#     the column of the token the line came from);
#  3. duk_hobject_pc2line_pack appends the columns after the line data (rt__dx_pack_columns),
#     where the line decoder never reads; rt__dx_error_frames reads them back;
#  4. prototypes for the helpers, after the struct.
# Nothing else in the engine changes: dumps and loads copy the table as it is.
/^struct duk_compiler_instr \{$/ { in_struct = 1 }
in_struct && /^\tduk_uint32_t line;$/ {
    print
    print "\tduk_uint32_t rt_col; /* libruntime: tools/duk-columns.awk */"
    next
}
in_struct && /^};$/ {
    in_struct = 0
    print
    print "/* libruntime: tools/duk-columns.awk (definitions: lib/engine/duk_ext_errors.c) */"
    print "static duk_uint32_t rt__dx_instr_column(duk_compiler_ctx *comp_ctx, duk_int_t line);"
    print "static duk_uint_fast32_t rt__dx_pack_columns(duk_hthread *thr, void *h_buf, duk_compiler_instr *instrs, duk_uint_fast32_t length, duk_uint_fast32_t offset);"
    next
}
/^\tinstr->line = \(duk_uint32_t\) line;$/ {
    print
    print "\tinstr->rt_col = rt__dx_instr_column(comp_ctx, (duk_int_t) line); /* libruntime */"
    next
}
/^DUK_INTERNAL void duk_hobject_pc2line_pack\(/ { in_pack = 1 }
in_pack && /^\t\/\* compact \*\/$/ {
    print "\tcurr_offset = rt__dx_pack_columns(thr, h_buf, instrs, length, curr_offset); /* libruntime */"
    in_pack = 0
}
{ print }
