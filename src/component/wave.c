/* SPDX-License-Identifier: Apache-2.0 */
/*
 * WAVE (WebAssembly Value Encoding) text for component values: a recursive-descent reader
 * guided by the expected type, and a printer. Numbers are read with overflow checks by hand;
 * floats go through the C library's correctly rounded strtod/strtof after the text is checked
 * against the grammar, and print as the shortest decimal that reads back to the same value,
 * written without an exponent (as wasm-wave does). Labels that collide with WAVE keywords are
 * written with a leading '%'. Errors say what was expected and at which byte offset.
 */
#include "component/comp_internal.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct wp {
    const char *s;
    size_t n, pos;
    tcvm_error_t *err;
    unsigned depth;
} wp_t;

static tcvm_status_t wfail(wp_t *p, const char *what)
{
    return tcvm__errorf(p->err, TCVM_COMP_VALUE, "WAVE text at offset %zu: expected %s", p->pos,
                        what);
}

static void ws(wp_t *p)
{
    while (p->pos < p->n && (p->s[p->pos] == ' ' || p->s[p->pos] == '\t' || p->s[p->pos] == '\n' ||
                             p->s[p->pos] == '\r'))
        p->pos++;
}

static bool eat(wp_t *p, char c)
{
    ws(p);
    if (p->pos < p->n && p->s[p->pos] == c) {
        p->pos++;
        return true;
    }
    return false;
}

static bool is_label_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
}

/* Reads a label (optionally %-prefixed); returns false when none. */
static bool label(wp_t *p, const char **l, size_t *ln, bool *escaped)
{
    ws(p);
    size_t at = p->pos;
    *escaped = false;
    if (at < p->n && p->s[at] == '%') {
        *escaped = true;
        at++;
    }
    size_t e = at;
    while (e < p->n && is_label_char(p->s[e]))
        e++;
    if (e == at) return false;
    *l = p->s + at;
    *ln = e - at;
    p->pos = e;
    return true;
}

static bool lbl_eq(const char *a, size_t an, const char *b, size_t bn)
{
    return an == bn && memcmp(a, b, an) == 0;
}

static tcvm_status_t parse(wp_t *p, const tcvm_ctype_t *t, tcvm_cval_t *out);

/* ---- numbers --------------------------------------------------------------------------- */

static tcvm_status_t parse_int(wp_t *p, const tcvm_ctype_t *t, tcvm_cval_t *out)
{
    ws(p);
    size_t at = p->pos;
    bool neg = false;
    if (p->pos < p->n && (p->s[p->pos] == '-' || p->s[p->pos] == '+')) {
        neg = p->s[p->pos] == '-';
        p->pos++;
    }
    uint64_t v = 0;
    size_t d0 = p->pos;
    while (p->pos < p->n && p->s[p->pos] >= '0' && p->s[p->pos] <= '9') {
        unsigned dg = (unsigned)(p->s[p->pos] - '0');
        if (v > (UINT64_MAX - dg) / 10) {
            p->pos = at;
            return wfail(p, "an integer in range");
        }
        v = v * 10 + dg;
        p->pos++;
    }
    if (p->pos == d0) {
        p->pos = at;
        return wfail(p, "an integer");
    }
    memset(out, 0, sizeof *out);
    out->kind = t->kind;
    bool is_signed = t->kind == TCVM_CT_S8 || t->kind == TCVM_CT_S16 || t->kind == TCVM_CT_S32 ||
                     t->kind == TCVM_CT_S64;
    unsigned bits = t->kind == TCVM_CT_S8 || t->kind == TCVM_CT_U8     ? 8
                    : t->kind == TCVM_CT_S16 || t->kind == TCVM_CT_U16 ? 16
                    : t->kind == TCVM_CT_S32 || t->kind == TCVM_CT_U32 ? 32
                                                                       : 64;
    if (is_signed) {
        uint64_t lim = (uint64_t)1 << (bits - 1);
        if ((!neg && v >= lim) || (neg && v > lim)) goto range;
        out->of.s = neg ? (int64_t)(0 - v) : (int64_t)v;
    } else {
        if (neg && v != 0) goto range;
        if (bits < 64 && v >> bits) goto range;
        out->of.u = v;
    }
    return TCVM_OK;
range:
    p->pos = at;
    return tcvm__errorf(p->err, TCVM_COMP_VALUE,
                        "WAVE text at offset %zu: integer out of range "
                        "for %s",
                        at, tcvm_ctype_kind_name(t->kind));
}

static tcvm_status_t parse_float(wp_t *p, const tcvm_ctype_t *t, tcvm_cval_t *out)
{
    ws(p);
    size_t at = p->pos;
    double d;
    const char *s = p->s + p->pos;
    size_t left = p->n - p->pos;
#define KW(lit)                                                                                    \
    (left >= sizeof(lit) - 1 && memcmp(s, lit, sizeof(lit) - 1) == 0 &&                            \
     (left == sizeof(lit) - 1 || !is_label_char(s[sizeof(lit) - 1])))
    if (KW("nan")) {
        d = NAN;
        p->pos += 3;
    } else if (KW("inf")) {
        d = INFINITY;
        p->pos += 3;
    } else if (KW("-inf")) {
        d = -INFINITY;
        p->pos += 4;
    } else {
        /* JSON number: -? digits (. digits)? ([eE] [+-]? digits)? */
        char buf[128];
        size_t i = 0, k = p->pos;
        if (k < p->n && p->s[k] == '-') buf[i++] = p->s[k++];
        size_t d0 = k;
        while (k < p->n && p->s[k] >= '0' && p->s[k] <= '9' && i < 100)
            buf[i++] = p->s[k++];
        if (k == d0) return wfail(p, "a number");
        if (k < p->n && p->s[k] == '.') {
            buf[i++] = p->s[k++];
            size_t f0 = k;
            while (k < p->n && p->s[k] >= '0' && p->s[k] <= '9' && i < 110)
                buf[i++] = p->s[k++];
            if (k == f0) return wfail(p, "digits after '.'");
        }
        if (k < p->n && (p->s[k] == 'e' || p->s[k] == 'E')) {
            buf[i++] = p->s[k++];
            if (k < p->n && (p->s[k] == '+' || p->s[k] == '-')) buf[i++] = p->s[k++];
            size_t e0 = k;
            while (k < p->n && p->s[k] >= '0' && p->s[k] <= '9' && i < 120)
                buf[i++] = p->s[k++];
            if (k == e0) return wfail(p, "exponent digits");
        }
        if (k < p->n && p->s[k] >= '0' && p->s[k] <= '9') return wfail(p, "a shorter number");
        buf[i] = 0;
        p->pos = k;
        if (t->kind == TCVM_CT_F32) {
            float f = strtof(buf, NULL);
            if (isinf(f)) {
                p->pos = at;
                return wfail(p, "a finite f32");
            }
            *out = tcvm_cval_f32(f);
            return TCVM_OK;
        }
        d = strtod(buf, NULL);
        if (isinf(d)) {
            p->pos = at;
            return wfail(p, "a finite f64");
        }
    }
#undef KW
    if (t->kind == TCVM_CT_F32)
        *out = tcvm_cval_f32((float)d);
    else
        *out = tcvm_cval_f64(d);
    return TCVM_OK;
}

/* ---- chars and strings ----------------------------------------------------------------- */

static size_t put_utf8(char *o, uint32_t c)
{
    if (c < 0x80) {
        o[0] = (char)c;
        return 1;
    }
    if (c < 0x800) {
        o[0] = (char)(0xC0 | c >> 6);
        o[1] = (char)(0x80 | (c & 0x3F));
        return 2;
    }
    if (c < 0x10000) {
        o[0] = (char)(0xE0 | c >> 12);
        o[1] = (char)(0x80 | ((c >> 6) & 0x3F));
        o[2] = (char)(0x80 | (c & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | c >> 18);
    o[1] = (char)(0x80 | ((c >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((c >> 6) & 0x3F));
    o[3] = (char)(0x80 | (c & 0x3F));
    return 4;
}

/* Reads one character (escape or UTF-8 scalar) of a quoted literal. */
static tcvm_status_t char_unit(wp_t *p, uint32_t *out)
{
    if (p->pos >= p->n) return wfail(p, "a closing quote");
    unsigned char c = (unsigned char)p->s[p->pos];
    if (c == '\\') {
        if (p->pos + 1 >= p->n) return wfail(p, "an escape");
        char e = p->s[p->pos + 1];
        p->pos += 2;
        switch (e) {
        case '\\':
            *out = '\\';
            return TCVM_OK;
        case '\'':
            *out = '\'';
            return TCVM_OK;
        case '"':
            *out = '"';
            return TCVM_OK;
        case 't':
            *out = '\t';
            return TCVM_OK;
        case 'n':
            *out = '\n';
            return TCVM_OK;
        case 'r':
            *out = '\r';
            return TCVM_OK;
        case 'u': {
            if (p->pos >= p->n || p->s[p->pos] != '{') return wfail(p, "'{' after \\u");
            p->pos++;
            uint32_t v = 0;
            size_t nd = 0;
            while (p->pos < p->n && p->s[p->pos] != '}') {
                char h = p->s[p->pos];
                int dv = (h >= '0' && h <= '9')   ? h - '0'
                         : (h >= 'a' && h <= 'f') ? h - 'a' + 10
                         : (h >= 'A' && h <= 'F') ? h - 'A' + 10
                                                  : -1;
                if (dv < 0 || nd >= 6) return wfail(p, "1 to 6 hex digits in \\u{...}");
                v = v * 16 + (uint32_t)dv;
                nd++;
                p->pos++;
            }
            if (p->pos >= p->n || nd == 0) return wfail(p, "'}' closing \\u{...}");
            p->pos++;
            if (v >= 0x110000 || (v >= 0xD800 && v < 0xE000)) return wfail(p, "a Unicode scalar");
            *out = v;
            return TCVM_OK;
        }
        default:
            p->pos -= 2;
            return wfail(p, "a known escape (\\\\ \\' \\\" \\t \\n \\r \\u{...})");
        }
    }
    size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    if (p->pos + len > p->n || !tcvm__utf8_valid((const uint8_t *)p->s + p->pos, len))
        return wfail(p, "valid UTF-8");
    size_t i = 0;
    const uint8_t *u = (const uint8_t *)p->s + p->pos;
    uint32_t v = len == 1   ? u[0]
                 : len == 2 ? (uint32_t)(u[0] & 0x1F) << 6 | (u[1] & 0x3F)
                 : len == 3
                     ? (uint32_t)(u[0] & 0x0F) << 12 | (uint32_t)(u[1] & 0x3F) << 6 | (u[2] & 0x3F)
                     : (uint32_t)(u[0] & 0x07) << 18 | (uint32_t)(u[1] & 0x3F) << 12 |
                           (uint32_t)(u[2] & 0x3F) << 6 | (u[3] & 0x3F);
    (void)i;
    p->pos += len;
    *out = v;
    return TCVM_OK;
}

static tcvm_status_t parse_string(wp_t *p, tcvm_cval_t *out)
{
    if (!eat(p, '"')) return wfail(p, "a string");
    tcvm_buf_t b = {0};
    tcvm_status_t st = TCVM_OK;
    while (st == TCVM_OK) {
        if (p->pos < p->n && p->s[p->pos] == '"') {
            p->pos++;
            break;
        }
        if (p->pos < p->n && (p->s[p->pos] == '\n' || p->s[p->pos] == '\r')) {
            st = wfail(p, "an escaped newline in a string");
            break;
        }
        uint32_t c;
        char enc[4];
        if ((st = char_unit(p, &c)) != TCVM_OK) break;
        st = tcvm__buf_append(&b, enc, put_utf8(enc, c));
    }
    if (st != TCVM_OK) {
        tcvm__buf_free(&b);
        return st;
    }
    memset(out, 0, sizeof *out);
    out->kind = TCVM_CT_STRING;
    if (!b.data) {
        b.data = tcvm__malloc(1);
        if (!b.data) return TCVM_ENOMEM;
    }
    out->of.str.data = (char *)b.data;
    out->of.str.size = b.size;
    return TCVM_OK;
}

/* ---- compound values ------------------------------------------------------------------- */

static tcvm_status_t parse_seq(wp_t *p, const tcvm_ctype_t *t, tcvm_cval_t *out)
{
    bool list = t->kind == TCVM_CT_LIST;
    char open = list ? '[' : '(', close = list ? ']' : ')';
    if (!eat(p, open)) return wfail(p, list ? "'['" : "'('");
    tcvm_cval_t *items = NULL;
    size_t n = 0, cap = 0;
    tcvm_status_t st = TCVM_OK;
    for (;;) {
        if (eat(p, close)) break;
        if (!list && n == t->count) {
            st = wfail(p, "')' (tuple has fewer fields)");
            break;
        }
        if (n == cap) {
            size_t nc = cap ? cap * 2 : 8;
            tcvm_cval_t *ni = tcvm__reallocarray(items, nc, sizeof *ni);
            if (!ni) {
                st = TCVM_ENOMEM;
                break;
            }
            items = ni, cap = nc;
        }
        const tcvm_ctype_t *et = list ? t->members[0].type : t->members[n].type;
        if ((st = parse(p, et, &items[n])) != TCVM_OK) break;
        n++;
        if (eat(p, ',')) continue;
        if (eat(p, close)) break;
        st = wfail(p, list ? "',' or ']'" : "',' or ')'");
        break;
    }
    if (st == TCVM_OK && !list && n != t->count) st = wfail(p, "more tuple fields");
    if (st != TCVM_OK) {
        tcvm_cval_clear_array(items, n);
        tcvm__free(items);
        return st;
    }
    memset(out, 0, sizeof *out);
    out->kind = t->kind;
    out->of.seq.items = items ? items : tcvm__calloc(1, sizeof *items);
    if (!out->of.seq.items) return TCVM_ENOMEM;
    out->of.seq.count = n;
    return TCVM_OK;
}

static tcvm_status_t parse_record(wp_t *p, const tcvm_ctype_t *t, tcvm_cval_t *out)
{
    if (!eat(p, '{')) return wfail(p, "'{'");
    tcvm_cval_t r;
    tcvm_status_t st = tcvm_cval_seq(TCVM_CT_RECORD, t->count, &r);
    if (st != TCVM_OK) return st;
    bool *seen = tcvm__calloc(t->count, sizeof *seen);
    if (!seen) {
        tcvm_cval_clear(&r);
        return TCVM_ENOMEM;
    }
    for (;;) {
        if (eat(p, '}')) break;
        const char *l;
        size_t ln;
        bool esc;
        size_t at = p->pos;
        if (!label(p, &l, &ln, &esc)) {
            st = wfail(p, "a field name");
            break;
        }
        uint32_t i;
        for (i = 0; i < t->count; i++)
            if (lbl_eq(l, ln, t->members[i].label, t->members[i].label_size)) break;
        if (i == t->count || seen[i]) {
            p->pos = at;
            st = wfail(p, i == t->count ? "a field of the record" : "a field not given yet");
            break;
        }
        if (!eat(p, ':')) {
            st = wfail(p, "':'");
            break;
        }
        if ((st = parse(p, t->members[i].type, &r.of.seq.items[i])) != TCVM_OK) break;
        seen[i] = true;
        if (eat(p, ',')) continue;
        if (eat(p, '}')) break;
        st = wfail(p, "',' or '}'");
        break;
    }
    /* fields of option type may be left out: they are none */
    for (uint32_t i = 0; st == TCVM_OK && i < t->count; i++) {
        if (seen[i]) continue;
        if (t->members[i].type->kind == TCVM_CT_OPTION) {
            st = tcvm_cval_case(TCVM_CT_OPTION, 0, NULL, &r.of.seq.items[i]);
        } else {
            st = tcvm__errorf(p->err, TCVM_COMP_VALUE,
                              "WAVE text at offset %zu: record field "
                              "\"%s\" is missing",
                              p->pos, t->members[i].label);
        }
    }
    tcvm__free(seen);
    if (st != TCVM_OK) {
        tcvm_cval_clear(&r);
        return st;
    }
    *out = r;
    return TCVM_OK;
}

static tcvm_status_t parse_flags(wp_t *p, const tcvm_ctype_t *t, tcvm_cval_t *out)
{
    if (!eat(p, '{')) return wfail(p, "'{'");
    uint32_t bits = 0;
    for (;;) {
        if (eat(p, '}')) break;
        const char *l;
        size_t ln;
        bool esc;
        size_t at = p->pos;
        if (!label(p, &l, &ln, &esc)) return wfail(p, "a flag name");
        uint32_t i;
        for (i = 0; i < t->count; i++)
            if (lbl_eq(l, ln, t->members[i].label, t->members[i].label_size)) break;
        if (i == t->count || (bits >> i & 1)) {
            p->pos = at;
            return wfail(p, i == t->count ? "a flag of the type" : "a flag not given yet");
        }
        bits |= 1u << i;
        if (eat(p, ',')) continue;
        if (eat(p, '}')) break;
        return wfail(p, "',' or '}'");
    }
    *out = tcvm_cval_flags(bits);
    return TCVM_OK;
}

static tcvm_status_t parse_case(wp_t *p, const tcvm_ctype_t *t, tcvm_cval_t *out)
{
    const char *l;
    size_t ln;
    bool esc;
    size_t at = p->pos;
    if (!label(p, &l, &ln, &esc)) return wfail(p, "a case name");
    uint32_t idx = UINT32_MAX;
    if (t->kind == TCVM_CT_OPTION && !esc) {
        if (lbl_eq(l, ln, "none", 4)) idx = 0;
        if (lbl_eq(l, ln, "some", 4)) idx = 1;
    } else if (t->kind == TCVM_CT_RESULT && !esc) {
        if (lbl_eq(l, ln, "ok", 2)) idx = 0;
        if (lbl_eq(l, ln, "err", 3)) idx = 1;
    } else if (t->kind == TCVM_CT_VARIANT || t->kind == TCVM_CT_ENUM) {
        for (uint32_t i = 0; i < t->count; i++)
            if (lbl_eq(l, ln, t->members[i].label, t->members[i].label_size)) idx = i;
    }
    if (idx == UINT32_MAX) {
        p->pos = at;
        return wfail(p, t->kind == TCVM_CT_OPTION   ? "some(...) or none"
                        : t->kind == TCVM_CT_RESULT ? "ok or err"
                                                    : "a case of the type");
    }
    const tcvm_ctype_t *pt = t->members[idx].type;
    tcvm_cval_t payload;
    bool has = false;
    tcvm_status_t st;
    if (eat(p, '(')) {
        if (!pt) return wfail(p, "no payload for this case");
        if ((st = parse(p, pt, &payload)) != TCVM_OK) return st;
        has = true;
        if (!eat(p, ')')) {
            tcvm_cval_clear(&payload);
            return wfail(p, "')'");
        }
    } else if (pt) {
        return wfail(p, "'(' and the case's payload");
    }
    st = tcvm_cval_case(t->kind, idx, has ? &payload : NULL, out);
    if (st != TCVM_OK && has) tcvm_cval_clear(&payload);
    return st;
}

static tcvm_status_t parse(wp_t *p, const tcvm_ctype_t *t, tcvm_cval_t *out)
{
    tcvm_status_t st;
    if (++p->depth > TCVM__C_MAX_TYPE_DEPTH + 2) return wfail(p, "less nesting");
    ws(p);
    switch (t->kind) {
    case TCVM_CT_BOOL: {
        const char *l;
        size_t ln;
        bool esc;
        size_t at = p->pos;
        if (label(p, &l, &ln, &esc) && !esc &&
            (lbl_eq(l, ln, "true", 4) || lbl_eq(l, ln, "false", 5))) {
            *out = tcvm_cval_bool(ln == 4);
            st = TCVM_OK;
        } else {
            p->pos = at;
            st = wfail(p, "true or false");
        }
        break;
    }
    case TCVM_CT_S8:
    case TCVM_CT_U8:
    case TCVM_CT_S16:
    case TCVM_CT_U16:
    case TCVM_CT_S32:
    case TCVM_CT_U32:
    case TCVM_CT_S64:
    case TCVM_CT_U64:
        st = parse_int(p, t, out);
        break;
    case TCVM_CT_F32:
    case TCVM_CT_F64:
        st = parse_float(p, t, out);
        break;
    case TCVM_CT_CHAR: {
        uint32_t c;
        if (!eat(p, '\'')) {
            st = wfail(p, "a char literal");
            break;
        }
        if (p->pos < p->n && p->s[p->pos] == '\'') {
            st = wfail(p, "a character");
            break;
        }
        if ((st = char_unit(p, &c)) != TCVM_OK) break;
        if (p->pos >= p->n || p->s[p->pos] != '\'') {
            st = wfail(p, "a closing ' after one character");
            break;
        }
        p->pos++;
        *out = tcvm_cval_char(c);
        break;
    }
    case TCVM_CT_STRING:
        st = parse_string(p, out);
        break;
    case TCVM_CT_LIST:
    case TCVM_CT_TUPLE:
        st = parse_seq(p, t, out);
        break;
    case TCVM_CT_RECORD:
        st = parse_record(p, t, out);
        break;
    case TCVM_CT_FLAGS:
        st = parse_flags(p, t, out);
        break;
    case TCVM_CT_OWN:
    case TCVM_CT_BORROW:
        st = wfail(p, "no value: resource handles have no WAVE text");
        break;
    default:
        st = parse_case(p, t, out);
        break;
    }
    p->depth--;
    return st;
}

tcvm_status_t tcvm_wave_parse(const tcvm_ctype_t *type, const char *text, size_t text_size,
                              tcvm_cval_t *out_val, tcvm_error_t *err)
{
    wp_t p = {text, text_size, 0, err, 0};
    tcvm_cval_t v;
    tcvm_status_t st = parse(&p, type, &v);
    if (st != TCVM_OK) return st;
    ws(&p);
    if (p.pos != p.n) {
        tcvm_cval_clear(&v);
        return wfail(&p, "the end of the value");
    }
    *out_val = v;
    return TCVM_OK;
}

tcvm_status_t tcvm_wave_parse_args(const tcvm_ctype_t *const *types, size_t count, const char *text,
                                   size_t text_size, tcvm_cval_t *out_vals, tcvm_error_t *err)
{
    wp_t p = {text, text_size, 0, err, 0};
    tcvm_status_t st = TCVM_OK;
    size_t i;
    for (i = 0; i < count; i++) {
        if (i && !eat(&p, ',')) {
            st = wfail(&p, "',' and the next argument");
            break;
        }
        if ((st = parse(&p, types[i], &out_vals[i])) != TCVM_OK) break;
    }
    if (st == TCVM_OK) {
        eat(&p, ','); /* a trailing comma is allowed */
        ws(&p);
        if (p.pos != p.n) st = wfail(&p, count ? "the end of the arguments" : "no arguments");
    }
    if (st != TCVM_OK) tcvm_cval_clear_array(out_vals, i);
    return st;
}

/* ---- printing -------------------------------------------------------------------------- */

static const char *const wave_keywords[] = {"true", "false", "some", "none",
                                            "ok",   "err",   "inf",  "nan"};

static tcvm_status_t print_label(tcvm_buf_t *b, const char *l, size_t ln)
{
    for (size_t i = 0; i < TCVM__ARRAY_COUNT(wave_keywords); i++)
        if (strlen(wave_keywords[i]) == ln && memcmp(wave_keywords[i], l, ln) == 0) {
            tcvm_status_t st = tcvm__buf_append(b, "%", 1);
            if (st != TCVM_OK) return st;
            break;
        }
    return tcvm__buf_append(b, l, ln);
}

/* Shortest round-trip decimal, written without an exponent. */
static tcvm_status_t print_float(tcvm_buf_t *b, double v, bool is32)
{
    if (isnan(v)) return tcvm__buf_append(b, "nan", 3);
    if (isinf(v)) return v > 0 ? tcvm__buf_append(b, "inf", 3) : tcvm__buf_append(b, "-inf", 4);
    char e[64];
    int prec;
    for (prec = 1; prec <= 17; prec++) {
        snprintf(e, sizeof e, "%.*e", prec - 1, v);
        if (is32 ? (strtof(e, NULL) == (float)v) : (strtod(e, NULL) == v)) break;
    }
    /* e = [-]d.ddde[+-]xx : rebuild as a plain decimal */
    char digits[32];
    size_t nd = 0;
    const char *q = e;
    bool neg = false;
    if (*q == '-') neg = true, q++;
    for (; *q && *q != 'e'; q++)
        if (*q != '.') digits[nd++] = *q;
    int exp10 = *q == 'e' ? (int)strtol(q + 1, NULL, 10) : 0;
    while (nd > 1 && digits[nd - 1] == '0')
        nd--;
    tcvm_status_t st;
    if (neg && (st = tcvm__buf_append(b, "-", 1)) != TCVM_OK) return st;
    int point = exp10 + 1; /* digits before the decimal point */
    if (point <= 0) {
        if ((st = tcvm__buf_append(b, "0.", 2)) != TCVM_OK) return st;
        for (int i = 0; i < -point; i++)
            if ((st = tcvm__buf_append(b, "0", 1)) != TCVM_OK) return st;
        return tcvm__buf_append(b, digits, nd);
    }
    if ((size_t)point >= nd) {
        if ((st = tcvm__buf_append(b, digits, nd)) != TCVM_OK) return st;
        for (size_t i = nd; i < (size_t)point; i++)
            if ((st = tcvm__buf_append(b, "0", 1)) != TCVM_OK) return st;
        return TCVM_OK;
    }
    if ((st = tcvm__buf_append(b, digits, (size_t)point)) != TCVM_OK) return st;
    if ((st = tcvm__buf_append(b, ".", 1)) != TCVM_OK) return st;
    return tcvm__buf_append(b, digits + point, nd - (size_t)point);
}

static tcvm_status_t print_char(tcvm_buf_t *b, uint32_t c, char quote)
{
    char enc[16];
    switch (c) {
    case '\\':
        return tcvm__buf_append(b, "\\\\", 2);
    case '\t':
        return tcvm__buf_append(b, "\\t", 2);
    case '\n':
        return tcvm__buf_append(b, "\\n", 2);
    case '\r':
        return tcvm__buf_append(b, "\\r", 2);
    default:
        break;
    }
    if (c == (uint32_t)quote) {
        enc[0] = '\\', enc[1] = quote;
        return tcvm__buf_append(b, enc, 2);
    }
    if (c < 0x20 || c == 0x7f) return tcvm__buf_printf(b, "\\u{%" PRIx32 "}", c);
    return tcvm__buf_append(b, enc, put_utf8(enc, c));
}

#define TRY(x)                                                                                     \
    do {                                                                                           \
        tcvm_status_t st_ = (x);                                                                   \
        if (st_ != TCVM_OK) return st_;                                                            \
    } while (0)

static tcvm_status_t print(tcvm_buf_t *b, const tcvm_ctype_t *t, const tcvm_cval_t *v)
{
    if (v->kind != t->kind) return TCVM_WASM_TYPE;
    switch (t->kind) {
    case TCVM_CT_BOOL:
        return v->of.b ? tcvm__buf_append(b, "true", 4) : tcvm__buf_append(b, "false", 5);
    case TCVM_CT_S8:
    case TCVM_CT_S16:
    case TCVM_CT_S32:
    case TCVM_CT_S64:
        return tcvm__buf_printf(b, "%" PRId64, v->of.s);
    case TCVM_CT_U8:
    case TCVM_CT_U16:
    case TCVM_CT_U32:
    case TCVM_CT_U64:
        return tcvm__buf_printf(b, "%" PRIu64, v->of.u);
    case TCVM_CT_F32:
        return print_float(b, (double)v->of.f32, true);
    case TCVM_CT_F64:
        return print_float(b, v->of.f64, false);
    case TCVM_CT_CHAR:
        TRY(tcvm__buf_append(b, "'", 1));
        TRY(print_char(b, v->of.ch, '\''));
        return tcvm__buf_append(b, "'", 1);
    case TCVM_CT_STRING: {
        const uint8_t *s = (const uint8_t *)v->of.str.data;
        size_t n = v->of.str.size;
        if (n && !tcvm__utf8_valid(s, n)) return TCVM_WASM_TYPE;
        TRY(tcvm__buf_append(b, "\"", 1));
        for (size_t i = 0; i < n;) {
            uint8_t c = s[i];
            size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
            if (len == 1)
                TRY(print_char(b, c, '"'));
            else
                TRY(tcvm__buf_append(b, s + i, len));
            i += len;
        }
        return tcvm__buf_append(b, "\"", 1);
    }
    case TCVM_CT_LIST:
    case TCVM_CT_TUPLE: {
        bool list = t->kind == TCVM_CT_LIST;
        if (!list && v->of.seq.count != t->count) return TCVM_WASM_TYPE;
        TRY(tcvm__buf_append(b, list ? "[" : "(", 1));
        for (size_t i = 0; i < v->of.seq.count; i++) {
            if (i) TRY(tcvm__buf_append(b, ", ", 2));
            TRY(print(b, list ? t->members[0].type : t->members[i].type, &v->of.seq.items[i]));
        }
        return tcvm__buf_append(b, list ? "]" : ")", 1);
    }
    case TCVM_CT_RECORD:
        if (v->of.seq.count != t->count) return TCVM_WASM_TYPE;
        TRY(tcvm__buf_append(b, "{", 1));
        for (uint32_t i = 0; i < t->count; i++) {
            if (i) TRY(tcvm__buf_append(b, ", ", 2));
            TRY(print_label(b, t->members[i].label, t->members[i].label_size));
            TRY(tcvm__buf_append(b, ": ", 2));
            TRY(print(b, t->members[i].type, &v->of.seq.items[i]));
        }
        return tcvm__buf_append(b, "}", 1);
    case TCVM_CT_FLAGS: {
        bool first = true;
        TRY(tcvm__buf_append(b, "{", 1));
        for (uint32_t i = 0; i < t->count; i++) {
            if (!(v->of.flags >> i & 1)) continue;
            if (!first) TRY(tcvm__buf_append(b, ", ", 2));
            first = false;
            TRY(print_label(b, t->members[i].label, t->members[i].label_size));
        }
        return tcvm__buf_append(b, "}", 1);
    }
    case TCVM_CT_OWN:
    case TCVM_CT_BORROW:
        return tcvm__buf_printf(b, "%s<%" PRIu32 ">", tcvm_ctype_kind_name(t->kind), v->of.handle);
    default: {
        uint32_t idx = v->of.var.index;
        if (idx >= t->count) return TCVM_WASM_TYPE;
        const tcvm_ctype_t *pt = t->members[idx].type;
        if ((pt == NULL) != (v->of.var.payload == NULL)) return TCVM_WASM_TYPE;
        if (t->kind == TCVM_CT_OPTION)
            TRY(tcvm__buf_printf(b, "%s", idx ? "some" : "none"));
        else if (t->kind == TCVM_CT_RESULT)
            TRY(tcvm__buf_printf(b, "%s", idx ? "err" : "ok"));
        else
            TRY(print_label(b, t->members[idx].label, t->members[idx].label_size));
        if (!pt) return TCVM_OK;
        TRY(tcvm__buf_append(b, "(", 1));
        TRY(print(b, pt, v->of.var.payload));
        return tcvm__buf_append(b, ")", 1);
    }
    }
}

char *tcvm_wave_print(const tcvm_ctype_t *type, const tcvm_cval_t *val)
{
    tcvm_buf_t b = {0};
    if (print(&b, type, val) != TCVM_OK) {
        tcvm__buf_free(&b);
        return NULL;
    }
    return tcvm__buf_cstr(&b);
}
