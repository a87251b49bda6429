/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Typed WebAssembly values as text, in the value syntax of the spec tests: "i32:7", "i64:-1",
 * "f32:1.5", "f64:0x1p-3", "f32:nan:0x200000", "externref:null". The `2cvm wasm run` command
 * reads its arguments and prints its results with these functions; the component layer and the
 * runtime reuse them wherever a core value is shown to a person.
 *
 * Grammar of one value (no spaces anywhere):
 *
 *   value     = type ":" literal
 *   type      = "i32" | "i64" | "f32" | "f64" | "funcref" | "externref"
 *   i32, i64  : [+|-] (digits | "0x" hexdigits), a single "_" allowed between two digits.
 *               Range -2^(N-1) .. 2^N-1: a value above the signed maximum is read as its bit
 *               pattern, as in the WebAssembly text format ("i32:0xffffffff" is i32:-1).
 *   f32, f64  : [+|-] decimal         "1.5", "1e-3", "6.02e23" (rounded to nearest, ties even)
 *             | [+|-] "0x" hexfloat   "0x1.8p+1", "0x1p-149"
 *             | [+|-] "inf"
 *             | [+|-] "nan"           the canonical quiet NaN (payload 0x400000 / 0x8000000000000)
 *             | [+|-] "nan:0x" hex    a NaN with that payload (mantissa bits, nonzero)
 *             | "bits:0x" hex         the raw IEEE 754 bit pattern, 1..8 (f32) or 1..16 (f64)
 *                                     hex digits
 *             A finite literal that rounds to infinity is refused.
 *   funcref   : "null"                (a non-null function reference has no text form)
 *   externref : "null" | N            N a nonzero decimal or 0x-hex number: the host's reference
 *                                     value (the void * of tcvm_val_externref)
 *
 * Printing is exact: integers print as signed decimal; finite floats print as the shortest
 * decimal that reads back to the same bits ("f64:0.1", "f32:-0", "f32:1e-45"); infinities as
 * "inf"/"-inf"; every NaN with its sign and payload ("f32:nan:0x400000", "f64:-nan:0x1"), so
 * parsing what was printed gives back the same bits. Neither direction depends on the locale.
 */
#ifndef TCVM_WASM_TEXT_H
#define TCVM_WASM_TEXT_H

#include "tcvm/common.h"
#include "tcvm/wasm.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Room for the longest text tcvm_val_format writes, NUL included. */
#define TCVM_VAL_TEXT_MAX 64

/*
 * Parses "TYPE:LITERAL" (text_size bytes, no NUL needed) into *out_val. Errors: TCVM_EFORMAT
 * with a message naming the text and what was expected (bad syntax, out of range, unknown
 * type). err may be NULL. *out_val is written only on success.
 */
TCVM_API tcvm_status_t tcvm_val_parse(const char *text, size_t text_size, tcvm_val_t *out_val,
                                      tcvm_error_t *err);

/*
 * Parses a value that must have the given type: either "TYPE:LITERAL" whose TYPE equals type
 * (TCVM_WASM_TYPE otherwise), or the bare LITERAL. Other errors as tcvm_val_parse.
 */
TCVM_API tcvm_status_t tcvm_val_parse_as(tcvm_valtype_t type, const char *text, size_t text_size,
                                         tcvm_val_t *out_val, tcvm_error_t *err);

/*
 * Writes val as "TYPE:LITERAL" and a NUL into out (out_size bytes; TCVM_VAL_TEXT_MAX always
 * suffices). Returns the length the full text has, not counting the NUL (as snprintf does: a
 * result >= out_size means the text was cut). An unknown type prints "?:" and its raw bits.
 */
TCVM_API size_t tcvm_val_format(const tcvm_val_t *val, char *out, size_t out_size);

/*
 * Reads a value type name ("i32", ..., "funcref", "externref"; name_size bytes). False when
 * the name is not one of them.
 */
TCVM_API bool tcvm_valtype_from_name(const char *name, size_t name_size, tcvm_valtype_t *out_type);

#ifdef __cplusplus
}
#endif

#endif
