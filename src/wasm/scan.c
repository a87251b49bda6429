/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Opcode classification and a decode-only scan of function bodies.
 *
 * The compiler validates while it decodes, but the specification decodes a whole body before
 * validating it, so when the compiler finds a validation error the rest of the body is scanned
 * here: a malformed encoding later in the body (an opcode that does not exist, an immediate that
 * runs past the end, a br_table whose count disagrees with its targets) is the error reported.
 */
#include "wasm/wasm_internal.h"

#include <stdarg.h>
#include <stdio.h>

bool tcvm__opcode_known(uint8_t op)
{
    return op <= 0x05 || (op >= 0x0b && op <= 0x11) || (op >= 0x1a && op <= 0x1c) ||
           (op >= 0x20 && op <= 0x26) || (op >= 0x28 && op <= 0xc4) ||
           (op >= 0xd0 && op <= 0xd2) || op == 0xfc;
}

const char *tcvm__opcode_feature(uint8_t op)
{
    switch (op) {
    case 0x06: case 0x07: case 0x08: case 0x09: case 0x0a: case 0x18: case 0x19: case 0x1f:
        return "exception handling";
    case 0x12: case 0x13:
        return "tail calls";
    case 0x14: case 0x15: case 0xd3: case 0xd4: case 0xd5: case 0xd6:
        return "typed function references";
    case 0xfb:
        return "GC";
    case 0xfd:
        return "SIMD";
    case 0xfe:
        return "threads (atomics)";
    default:
        return NULL;
    }
}

typedef struct scan {
    tcvm_cursor_t c;
    size_t base_off;
    uint32_t func_index;
    size_t instr_off;
    tcvm_error_t *err;
} scan_t;

static tcvm_status_t sfail(scan_t *s, tcvm_status_t st, const char *fmt, ...) TCVM__PRINTF(3, 4);
static tcvm_status_t sfail(scan_t *s, tcvm_status_t st, const char *fmt, ...)
{
    char what[TCVM_ERROR_MSG_SIZE];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return tcvm__errorf(s->err, st, "%s (code section, function %u, offset %zu)", what,
                        s->func_index, s->base_off + s->instr_off);
}

static tcvm_status_t cursor_error(scan_t *s, tcvm_status_t st)
{
    switch (st) {
    case TCVM_EFORMAT:
        return sfail(s, TCVM_WASM_MALFORMED, "integer representation too long");
    case TCVM_EOVERFLOW:
        return sfail(s, TCVM_WASM_MALFORMED, "integer too large");
    default:
        return sfail(s, TCVM_WASM_MALFORMED, "unexpected end of section or function");
    }
}

static tcvm_status_t skip_u32(scan_t *s, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        uint32_t v;
        tcvm_status_t st = tcvm__cur_u32(&s->c, &v);
        if (st != TCVM_OK)
            return cursor_error(s, st);
    }
    return TCVM_OK;
}

static tcvm_status_t zero_bytes(scan_t *s, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        uint8_t b;
        if (tcvm__cur_u8(&s->c, &b) != TCVM_OK)
            return cursor_error(s, TCVM_ETRUNC);
        if (b != 0)
            return sfail(s, TCVM_WASM_MALFORMED, "zero byte expected");
    }
    return TCVM_OK;
}

static tcvm_status_t skip_sleb(scan_t *s, unsigned bits)
{
    int64_t v;
    tcvm_status_t st = tcvm__cur_sleb(&s->c, bits, &v);
    return st == TCVM_OK ? st : cursor_error(s, st);
}

static tcvm_status_t prefix_fc(scan_t *s)
{
    uint32_t sub;
    tcvm_status_t st = tcvm__cur_u32(&s->c, &sub);
    if (st != TCVM_OK)
        return cursor_error(s, st);
    switch (sub) {
    case 0: case 1: case 2: case 3: case 4: case 5: case 6: case 7:
        return TCVM_OK;
    case 8:
        if ((st = skip_u32(s, 1)) != TCVM_OK)
            return st;
        return zero_bytes(s, 1);
    case 10:
        return zero_bytes(s, 2);
    case 11:
        return zero_bytes(s, 1);
    case 12: case 14:
        return skip_u32(s, 2);
    case 9: case 13: case 15: case 16: case 17:
        return skip_u32(s, 1);
    default:
        return sfail(s, TCVM_WASM_MALFORMED, "illegal opcode 0xfc 0x%x", sub);
    }
}

tcvm_status_t tcvm__wasm_syntax_scan(const uint8_t *body, size_t size, size_t pos,
                                     size_t base_off, uint32_t func_index, tcvm_error_t *err)
{
    scan_t s = {tcvm__cursor(body, size), base_off, func_index, pos, err};
    s.c.pos = pos;
    uint32_t depth = 1;
    tcvm_status_t st = TCVM_OK;
    const uint8_t *p;
    while (depth > 0 && st == TCVM_OK) {
        s.instr_off = s.c.pos;
        uint8_t op;
        if (tcvm__cur_u8(&s.c, &op) != TCVM_OK)
            return sfail(&s, TCVM_WASM_MALFORMED,
                         "unexpected end of section or function (END opcode expected)");
        switch (op) {
        case 0x02: case 0x03: case 0x04: /* block type: 0x40, a value type, or an s33 index */
            if (tcvm__cur_eof(&s.c))
                return cursor_error(&s, TCVM_ETRUNC);
            if (s.c.data[s.c.pos] == 0x40 || s.c.data[s.c.pos] >= 0x60)
                s.c.pos++;
            else
                st = skip_sleb(&s, 33);
            depth++;
            break;
        case 0x0b:
            depth--;
            break;
        case 0x0c: case 0x0d: case 0x10: case 0x20: case 0x21: case 0x22: case 0x23: case 0x24:
        case 0x25: case 0x26: case 0xd2:
            st = skip_u32(&s, 1);
            break;
        case 0x0e: {
            uint32_t n;
            if ((st = tcvm__cur_u32(&s.c, &n)) != TCVM_OK)
                return cursor_error(&s, st);
            for (uint64_t i = 0; i <= n && st == TCVM_OK; i++)
                st = skip_u32(&s, 1);
            break;
        }
        case 0x11:
            st = skip_u32(&s, 2);
            break;
        case 0x1c: {
            uint32_t n;
            if ((st = tcvm__cur_u32(&s.c, &n)) != TCVM_OK)
                return cursor_error(&s, st);
            if (tcvm__cur_bytes(&s.c, n, &p) != TCVM_OK)
                return cursor_error(&s, TCVM_ETRUNC);
            break;
        }
        case 0x3f: case 0x40:
            st = zero_bytes(&s, 1);
            break;
        case 0x41:
            st = skip_sleb(&s, 32);
            break;
        case 0x42:
            st = skip_sleb(&s, 64);
            break;
        case 0x43: case 0x44:
            if (tcvm__cur_bytes(&s.c, op == 0x43 ? 4 : 8, &p) != TCVM_OK)
                return cursor_error(&s, TCVM_ETRUNC);
            break;
        case 0xd0: {
            uint8_t b;
            if (tcvm__cur_u8(&s.c, &b) != TCVM_OK)
                return cursor_error(&s, TCVM_ETRUNC);
            if (b != TCVM_FUNCREF && b != TCVM_EXTERNREF)
                return sfail(&s, TCVM_WASM_MALFORMED, "malformed reference type");
            break;
        }
        case 0xfc:
            st = prefix_fc(&s);
            break;
        default:
            if (op >= 0x28 && op <= 0x3e) {
                st = skip_u32(&s, 2);
            } else if (!tcvm__opcode_known(op)) {
                const char *feature = tcvm__opcode_feature(op);
                if (feature != NULL)
                    return sfail(&s, TCVM_WASM_FEATURE, "unsupported feature: %s (opcode 0x%02x)",
                                 feature, op);
                return sfail(&s, TCVM_WASM_MALFORMED, "illegal opcode 0x%02x", op);
            }
            break;
        }
    }
    if (st != TCVM_OK)
        return st;
    if (!tcvm__cur_eof(&s.c)) {
        s.instr_off = s.c.pos;
        return sfail(&s, TCVM_WASM_MALFORMED,
                     "section size mismatch: bytes after the final END of the body");
    }
    return TCVM_OK;
}
