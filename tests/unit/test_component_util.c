/* SPDX-License-Identifier: Apache-2.0 */
/* The component binary builder of the component tests (see test_component_util.h). */
#include "test.h"
#include "test_component_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void cb_bytes(cb_t *b, const void *p, size_t n)
{
    if (b->n + n > b->cap) {
        size_t nc = b->cap ? b->cap * 2 : 256;
        while (nc < b->n + n)
            nc *= 2;
        b->d = realloc(b->d, nc);
        if (!b->d) tcvm_test_fail(__FILE__, __LINE__, "out of memory");
        b->cap = nc;
    }
    if (n) memcpy(b->d + b->n, p, n);
    b->n += n;
}

void cb_u8(cb_t *b, uint8_t v)
{
    cb_bytes(b, &v, 1);
}

void cb_u32(cb_t *b, uint32_t v)
{
    do {
        uint8_t x = v & 0x7f;
        v >>= 7;
        cb_u8(b, (uint8_t)(x | (v ? 0x80 : 0)));
    } while (v);
}

void cb_s33(cb_t *b, int64_t v)
{
    for (;;) {
        uint8_t x = v & 0x7f;
        v >>= 7;
        bool done = (v == 0 && !(x & 0x40)) || (v == -1 && (x & 0x40));
        cb_u8(b, (uint8_t)(x | (done ? 0 : 0x80)));
        if (done) break;
    }
}

void cb_name(cb_t *b, const char *s)
{
    cb_u32(b, (uint32_t)strlen(s));
    cb_bytes(b, s, strlen(s));
}

void cb_free(cb_t *b)
{
    free(b->d);
    memset(b, 0, sizeof *b);
}

void cb_section(cb_t *out, uint8_t id, const cb_t *content)
{
    cb_u8(out, id);
    cb_u32(out, (uint32_t)content->n);
    cb_bytes(out, content->d, content->n);
}

void cb_preamble(cb_t *out)
{
    static const uint8_t pre[8] = {0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00};
    cb_bytes(out, pre, 8);
}

static const uint8_t prim_code[] = {
    [TCVM_CT_BOOL] = 0x7f,   [TCVM_CT_S8] = 0x7e,  [TCVM_CT_U8] = 0x7d,  [TCVM_CT_S16] = 0x7c,
    [TCVM_CT_U16] = 0x7b,    [TCVM_CT_S32] = 0x7a, [TCVM_CT_U32] = 0x79, [TCVM_CT_S64] = 0x78,
    [TCVM_CT_U64] = 0x77,    [TCVM_CT_F32] = 0x76, [TCVM_CT_F64] = 0x75, [TCVM_CT_CHAR] = 0x74,
    [TCVM_CT_STRING] = 0x73,
};

/* Moves the type definitions written so far into a finished type section. */
static void flush_types(cb_types_t *ts)
{
    if (ts->entries == 0) return;
    cb_t sec = {0};
    cb_u32(&sec, ts->entries);
    cb_bytes(&sec, ts->body.d, ts->body.n);
    cb_section(&ts->done, 7, &sec);
    cb_free(&sec);
    cb_free(&ts->body);
    ts->entries = 0;
}

static void opt_val(cb_types_t *ts, cb_t *out, const tcvm_ctype_t *t)
{
    if (!t) {
        cb_u8(out, 0x00);
        return;
    }
    cb_u8(out, 0x01);
    cb_type_val(ts, out, t);
}

void cb_type_val(cb_types_t *ts, cb_t *out, const tcvm_ctype_t *t)
{
    tcvm_ctype_kind_t k = tcvm_ctype_kind(t);
    if (k <= TCVM_CT_STRING) {
        cb_u8(out, prim_code[k]);
        return;
    }
    if (k == TCVM_CT_OWN || k == TCVM_CT_BORROW)
        tcvm_test_fail(__FILE__, __LINE__, "handles are not encodable by the builder");
    /* encode members first (they may define types), then this definition */
    cb_t def = {0};
    size_t n = tcvm_ctype_count(t);
    switch (k) {
    case TCVM_CT_LIST:
        cb_u8(&def, 0x70);
        cb_type_val(ts, &def, tcvm_ctype_member(t, 0));
        break;
    case TCVM_CT_OPTION:
        cb_u8(&def, 0x6b);
        cb_type_val(ts, &def, tcvm_ctype_member(t, 1));
        break;
    case TCVM_CT_RESULT:
        cb_u8(&def, 0x6a);
        opt_val(ts, &def, tcvm_ctype_member(t, 0));
        opt_val(ts, &def, tcvm_ctype_member(t, 1));
        break;
    case TCVM_CT_TUPLE:
        cb_u8(&def, 0x6f);
        cb_u32(&def, (uint32_t)n);
        for (size_t i = 0; i < n; i++)
            cb_type_val(ts, &def, tcvm_ctype_member(t, i));
        break;
    case TCVM_CT_RECORD:
        cb_u8(&def, 0x72);
        cb_u32(&def, (uint32_t)n);
        for (size_t i = 0; i < n; i++) {
            cb_name(&def, tcvm_ctype_label(t, i, NULL));
            cb_type_val(ts, &def, tcvm_ctype_member(t, i));
        }
        break;
    case TCVM_CT_VARIANT:
        cb_u8(&def, 0x71);
        cb_u32(&def, (uint32_t)n);
        for (size_t i = 0; i < n; i++) {
            cb_name(&def, tcvm_ctype_label(t, i, NULL));
            opt_val(ts, &def, tcvm_ctype_member(t, i));
            cb_u8(&def, 0x00);
        }
        break;
    case TCVM_CT_ENUM:
    case TCVM_CT_FLAGS:
        cb_u8(&def, k == TCVM_CT_ENUM ? 0x6d : 0x6e);
        cb_u32(&def, (uint32_t)n);
        for (size_t i = 0; i < n; i++)
            cb_name(&def, tcvm_ctype_label(t, i, NULL));
        break;
    default:
        tcvm_test_fail(__FILE__, __LINE__, "unexpected kind");
    }
    cb_bytes(&ts->body, def.d, def.n);
    cb_free(&def);
    ts->entries++;
    uint32_t idx = ts->count++;
    if (k == TCVM_CT_RECORD || k == TCVM_CT_VARIANT || k == TCVM_CT_ENUM || k == TCVM_CT_FLAGS) {
        /* name it: close this type section, import the type, refer to the import */
        flush_types(ts);
        char name[16];
        snprintf(name, sizeof name, "t%u", (unsigned)ts->names++);
        cb_t imp = {0};
        cb_u32(&imp, 1);
        cb_u8(&imp, 0x00);
        cb_name(&imp, name);
        cb_u8(&imp, 0x03), cb_u8(&imp, 0x00), cb_u32(&imp, idx);
        cb_section(&ts->done, 10, &imp);
        cb_free(&imp);
        idx = ts->count++;
    }
    cb_s33(out, idx);
}

uint32_t cb_type_func(cb_types_t *ts, size_t n, const char *const *names,
                      const tcvm_ctype_t *const *params, const tcvm_ctype_t *result)
{
    cb_t def = {0};
    cb_u8(&def, 0x40);
    cb_u32(&def, (uint32_t)n);
    for (size_t i = 0; i < n; i++) {
        cb_name(&def, names[i]);
        cb_type_val(ts, &def, params[i]);
    }
    if (result) {
        cb_u8(&def, 0x00);
        cb_type_val(ts, &def, result);
    } else {
        cb_u8(&def, 0x01);
        cb_u8(&def, 0x00);
    }
    cb_bytes(&ts->body, def.d, def.n);
    cb_free(&def);
    ts->entries++;
    return ts->count++;
}

void cb_types_emit(cb_types_t *ts, cb_t *out)
{
    flush_types(ts);
    cb_bytes(out, ts->done.d, ts->done.n);
    cb_free(&ts->done);
}

tcvm_component_t *ct_load(tcvm_engine_t *engine, const cb_t *bin)
{
    tcvm_component_t *c = NULL;
    tcvm_error_t err = {0};
    tcvm_status_t st = tcvm_component_new(engine, bin->d, bin->n, &c, &err, NULL);
    if (st != TCVM_OK)
        tcvm_test_fail(__FILE__, __LINE__, "component rejected: %s: %s", tcvm_status_name(st),
                       err.message);
    return c;
}
