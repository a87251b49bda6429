/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target for the typed-value text parser (tcvm/wasm_text.h): arbitrary bytes as
 * "TYPE:LITERAL" and as a bare literal of each type. Whatever parses must print and parse back
 * to the same value, bit for bit.
 */
#include "tcvm/wasm_text.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_round_trip(const tcvm_val_t *v)
{
    char text[TCVM_VAL_TEXT_MAX];
    size_t n = tcvm_val_format(v, text, sizeof text);
    if (n >= sizeof text)
        abort();
    if (v->type == TCVM_FUNCREF && v->of.funcref != NULL)
        return;
    tcvm_val_t back;
    if (tcvm_val_parse(text, n, &back, NULL) != TCVM_OK || back.type != v->type)
        abort();
    switch (v->type) {
    case TCVM_I32:
        if (back.of.i32 != v->of.i32)
            abort();
        break;
    case TCVM_F32:
        if (back.of.f32_bits != v->of.f32_bits)
            abort();
        break;
    case TCVM_I64:
        if (back.of.i64 != v->of.i64)
            abort();
        break;
    case TCVM_F64:
        if (back.of.f64_bits != v->of.f64_bits)
            abort();
        break;
    case TCVM_FUNCREF:
        break;
    case TCVM_EXTERNREF:
        if (back.of.externref != v->of.externref)
            abort();
        break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* a copy with no NUL after it, so reading past size is caught */
    char *text = malloc(size ? size : 1);
    if (text == NULL)
        return 0;
    memcpy(text, data, size);
    tcvm_error_t err;
    tcvm_val_t v;
    if (tcvm_val_parse(text, size, &v, &err) == TCVM_OK)
        check_round_trip(&v);
    static const tcvm_valtype_t types[] = {TCVM_I32, TCVM_I64, TCVM_F32, TCVM_F64, TCVM_FUNCREF,
                                           TCVM_EXTERNREF};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        if (tcvm_val_parse_as(types[i], text, size, &v, &err) == TCVM_OK) {
            if (v.type != types[i])
                abort();
            check_round_trip(&v);
        }
    }
    free(text);
    return 0;
}
