/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Typed values as text (see include/tcvm/wasm_text.h for the grammar). Integers are read by
 * hand with overflow checks; floats are checked against the grammar here and then converted by
 * the C library's correctly rounded strtof/strtod under the "C" locale, so the result does not
 * depend on the caller's locale. Printing searches the shortest precision that reads back to
 * the same bits, so every printed float is exact. Nothing here touches the engine: it works on
 * tcvm_val_t alone.
 */
#include "tcvm/wasm_text.h"

#include "base/base.h"

#include <errno.h>
#include <inttypes.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* Longest float literal accepted (after removing underscores). Long enough for any decimal a
 * person writes and for every exact decimal expansion of an f32; longer text is refused. */
#define VALUE_TEXT_MAX_FLOAT 800

static const struct {
    const char *name;
    tcvm_valtype_t type;
} type_names[] = {
    {"i32", TCVM_I32}, {"i64", TCVM_I64},         {"f32", TCVM_F32},
    {"f64", TCVM_F64}, {"funcref", TCVM_FUNCREF}, {"externref", TCVM_EXTERNREF},
};

static const char *type_name(tcvm_valtype_t type)
{
    for (size_t i = 0; i < TCVM__ARRAY_COUNT(type_names); i++) {
        if (type_names[i].type == type) return type_names[i].name;
    }
    return NULL;
}

bool tcvm_valtype_from_name(const char *name, size_t name_size, tcvm_valtype_t *out_type)
{
    for (size_t i = 0; i < TCVM__ARRAY_COUNT(type_names); i++) {
        const char *n = type_names[i].name;
        if (strlen(n) == name_size && memcmp(n, name, name_size) == 0) {
            *out_type = type_names[i].type;
            return true;
        }
    }
    return false;
}

/* Quotes at most this many bytes of bad text in an error message. */
#define VALUE_TEXT_QUOTE_MAX 60
/* Arguments for "%.*s%s": the text, cut with "..." when long. */
#define QUOTED(n, s)                                                                               \
    (int)((n) > VALUE_TEXT_QUOTE_MAX ? VALUE_TEXT_QUOTE_MAX : (n)), (s),                           \
        ((n) > VALUE_TEXT_QUOTE_MAX ? "..." : "")

/* ---- integers -------------------------------------------------------------------------- */

static int digit_value(char c, bool hex)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (hex && c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (hex && c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/*
 * Reads an unsigned number (decimal, or hex after "0x") filling all of s[0..n), with single
 * underscores allowed between digits. False on bad syntax or a value over UINT64_MAX.
 */
static bool parse_u64(const char *s, size_t n, uint64_t *out)
{
    bool hex = false;
    size_t i = 0;
    if (n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        hex = true;
        i = 2;
    }
    if (i >= n) return false;
    uint64_t v = 0;
    unsigned base = hex ? 16 : 10;
    bool prev_digit = false;
    for (; i < n; i++) {
        if (s[i] == '_') {
            if (!prev_digit || i + 1 >= n) return false;
            prev_digit = false;
            continue;
        }
        int d = digit_value(s[i], hex);
        if (d < 0) return false;
        if (__builtin_mul_overflow(v, (uint64_t)base, &v) ||
            __builtin_add_overflow(v, (uint64_t)d, &v))
            return false;
        prev_digit = true;
    }
    *out = v;
    return true;
}

static tcvm_status_t parse_int(tcvm_valtype_t type, const char *s, size_t n, tcvm_val_t *out,
                               tcvm_error_t *err)
{
    unsigned bits = type == TCVM_I32 ? 32 : 64;
    bool neg = false;
    size_t i = 0;
    if (n > 0 && (s[0] == '+' || s[0] == '-')) {
        neg = s[0] == '-';
        i = 1;
    }
    uint64_t mag;
    if (!parse_u64(s + i, n - i, &mag))
        return tcvm__errorf(err, TCVM_EFORMAT,
                            "\"%.*s%s\" is not a %s literal (expected a decimal or 0x-hex integer)",
                            QUOTED(n, s), type_name(type));
    uint64_t umax = bits == 32 ? UINT32_MAX : UINT64_MAX;
    uint64_t neg_max = (uint64_t)1 << (bits - 1); /* magnitude of the most negative value */
    if ((neg && mag > neg_max) || (!neg && mag > umax))
        return tcvm__errorf(err, TCVM_EFORMAT, "\"%.*s%s\" is out of range for %s", QUOTED(n, s),
                            type_name(type));
    uint64_t v = neg ? (uint64_t)0 - mag : mag;
    out->type = type;
    if (bits == 32)
        out->of.i32 = (int32_t)(uint32_t)v;
    else
        out->of.i64 = (int64_t)v;
    return TCVM_OK;
}

/* ---- floats ---------------------------------------------------------------------------- */

static bool text_is(const char *s, size_t n, const char *lit)
{
    return strlen(lit) == n && memcmp(s, lit, n) == 0;
}

/*
 * Checks that s[0..n) is an unsigned decimal or hex float of the grammar and copies it without
 * underscores into buf (NUL-terminated). The grammar: digits [. [digits]] [e [+|-] digits],
 * or 0x hexdigits [. [hexdigits]] [p [+|-] digits], "_" only between two digits.
 */
static bool float_syntax(const char *s, size_t n, char *buf, size_t buf_size)
{
    size_t i = 0, o = 0;
    bool hex = false;
    if (n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        hex = true;
        buf[o++] = '0';
        buf[o++] = 'x';
        i = 2;
    }
    enum { MANTISSA, FRACTION, EXP_SIGN, EXPONENT } part = MANTISSA;
    bool any_mantissa_digit = false, any_exp_digit = false, prev_digit = false;
    for (; i < n; i++) {
        char c = s[i];
        if (o + 2 > buf_size) return false;
        if (c == '_') {
            bool in_exp = part == EXP_SIGN || part == EXPONENT;
            if (!prev_digit || i + 1 >= n || digit_value(s[i + 1], hex && !in_exp) < 0)
                return false;
            prev_digit = false;
            continue;
        }
        bool exp_part = part == EXP_SIGN || part == EXPONENT;
        if (digit_value(c, hex && !exp_part) >= 0) {
            if (part == EXP_SIGN) part = EXPONENT;
            if (exp_part)
                any_exp_digit = true;
            else
                any_mantissa_digit = true;
            prev_digit = true;
            buf[o++] = c;
            continue;
        }
        prev_digit = false;
        if (c == '.' && part == MANTISSA && any_mantissa_digit) {
            part = FRACTION;
        } else if ((hex ? (c == 'p' || c == 'P') : (c == 'e' || c == 'E')) && part <= FRACTION &&
                   any_mantissa_digit) {
            part = EXP_SIGN;
        } else if ((c == '+' || c == '-') && part == EXP_SIGN && !any_exp_digit &&
                   (s[i - 1] == 'e' || s[i - 1] == 'E' || s[i - 1] == 'p' || s[i - 1] == 'P')) {
            /* the sign right after the exponent marker */
        } else {
            return false;
        }
        buf[o++] = c;
    }
    if (!any_mantissa_digit || (part >= EXP_SIGN && !any_exp_digit)) return false;
    buf[o] = '\0';
    return true;
}

static tcvm_status_t parse_float(tcvm_valtype_t type, const char *s, size_t n, tcvm_val_t *out,
                                 tcvm_error_t *err)
{
    bool is32 = type == TCVM_F32;
    const char *tname = is32 ? "f32" : "f64";
    unsigned mant_bits = is32 ? 23 : 52;
    uint64_t sign_bit = (uint64_t)1 << (is32 ? 31 : 63);
    uint64_t exp_mask = is32 ? 0x7f800000u : 0x7ff0000000000000u;
    uint64_t mant_mask = ((uint64_t)1 << mant_bits) - 1;
    uint64_t bits;

    if (n > 5 && memcmp(s, "bits:", 5) == 0) {
        const char *h = s + 5;
        size_t hn = n - 5;
        uint64_t v;
        size_t max_digits = is32 ? 8 : 16;
        if (hn < 3 || h[0] != '0' || (h[1] != 'x' && h[1] != 'X') || hn - 2 > max_digits ||
            memchr(h, '_', hn) != NULL || !parse_u64(h, hn, &v))
            return tcvm__errorf(err, TCVM_EFORMAT,
                                "\"%.*s%s\": raw %s bits are written bits:0x followed by 1 to %zu "
                                "hex digits",
                                QUOTED(n, s), tname, max_digits);
        bits = v;
        goto done;
    }

    size_t i = 0;
    bool neg = false;
    if (n > 0 && (s[0] == '+' || s[0] == '-')) {
        neg = s[0] == '-';
        i = 1;
    }
    const char *body = s + i;
    size_t bn = n - i;
    if (text_is(body, bn, "inf")) {
        bits = exp_mask;
    } else if (text_is(body, bn, "nan")) {
        bits = exp_mask | ((uint64_t)1 << (mant_bits - 1));
    } else if (bn > 4 && memcmp(body, "nan:", 4) == 0) {
        uint64_t payload;
        if (bn < 7 || body[4] != '0' || (body[5] != 'x' && body[5] != 'X') ||
            !parse_u64(body + 4, bn - 4, &payload) || payload == 0 || payload > mant_mask)
            return tcvm__errorf(err, TCVM_EFORMAT,
                                "\"%.*s%s\": a %s NaN payload is nan:0x followed by a nonzero hex "
                                "number of at most %u bits",
                                QUOTED(n, s), tname, mant_bits);
        bits = exp_mask | payload;
    } else {
        char buf[VALUE_TEXT_MAX_FLOAT + 1];
        if (!float_syntax(body, bn, buf, sizeof buf))
            return tcvm__errorf(err, TCVM_EFORMAT,
                                "\"%.*s%s\" is not a %s literal (expected a decimal or 0x-hex "
                                "float, inf, nan, nan:0xPAYLOAD or bits:0xBITS)",
                                QUOTED(n, s), tname);
        locale_t c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
        if (c_locale == (locale_t)0)
            return tcvm__errorf(err, TCVM_ENOMEM, "cannot create the C locale to read a float");
        char *end = NULL;
        errno = 0;
        if (is32) {
            float f = strtof_l(buf, &end, c_locale);
            uint32_t b32;
            memcpy(&b32, &f, sizeof b32);
            bits = b32;
        } else {
            double d = strtod_l(buf, &end, c_locale);
            memcpy(&bits, &d, sizeof bits);
        }
        int saved_errno = errno;
        freelocale(c_locale);
        if (end == NULL || *end != '\0')
            return tcvm__errorf(err, TCVM_EFORMAT, "\"%.*s%s\" is not a %s literal", QUOTED(n, s),
                                tname);
        if (saved_errno == ERANGE && (bits & ~sign_bit) == exp_mask)
            return tcvm__errorf(err, TCVM_EFORMAT, "\"%.*s%s\" is out of range for %s",
                                QUOTED(n, s), tname);
        bits &= ~sign_bit; /* the text was unsigned; the sign is applied below */
    }
    if (neg) bits |= sign_bit;
done:
    out->type = type;
    if (is32)
        out->of.f32_bits = (uint32_t)bits;
    else
        out->of.f64_bits = bits;
    return TCVM_OK;
}

/* ---- references ------------------------------------------------------------------------ */

static tcvm_status_t parse_ref(tcvm_valtype_t type, const char *s, size_t n, tcvm_val_t *out,
                               tcvm_error_t *err)
{
    if (text_is(s, n, "null")) {
        out->type = type;
        if (type == TCVM_FUNCREF)
            out->of.funcref = NULL;
        else
            out->of.externref = NULL;
        return TCVM_OK;
    }
    if (type == TCVM_FUNCREF)
        return tcvm__errorf(err, TCVM_EFORMAT,
                            "\"%.*s%s\": a funcref can only be written as null in text",
                            QUOTED(n, s));
    uint64_t v;
    if (!parse_u64(s, n, &v) || v > UINTPTR_MAX)
        return tcvm__errorf(err, TCVM_EFORMAT,
                            "\"%.*s%s\" is not an externref (expected null or a nonzero number)",
                            QUOTED(n, s));
    if (v == 0)
        return tcvm__errorf(err, TCVM_EFORMAT,
                            "externref 0 is the null reference: write externref:null");
    out->type = type;
    out->of.externref = (void *)(uintptr_t)v;
    return TCVM_OK;
}

/* ---- entry points ---------------------------------------------------------------------- */

static tcvm_status_t parse_literal(tcvm_valtype_t type, const char *s, size_t n, tcvm_val_t *out,
                                   tcvm_error_t *err)
{
    switch (type) {
    case TCVM_I32:
    case TCVM_I64:
        return parse_int(type, s, n, out, err);
    case TCVM_F32:
    case TCVM_F64:
        return parse_float(type, s, n, out, err);
    case TCVM_FUNCREF:
    case TCVM_EXTERNREF:
        return parse_ref(type, s, n, out, err);
    }
    return tcvm__errorf(err, TCVM_EINVAL, "unknown value type 0x%x", (unsigned)type);
}

/* Splits "TYPE:LITERAL": true with the type when the text starts with a known type name. */
static bool split_type(const char *text, size_t size, tcvm_valtype_t *type, size_t *lit_start)
{
    const char *colon = memchr(text, ':', size);
    if (colon == NULL) return false;
    if (!tcvm_valtype_from_name(text, (size_t)(colon - text), type)) return false;
    *lit_start = (size_t)(colon - text) + 1;
    return true;
}

tcvm_status_t tcvm_val_parse(const char *text, size_t text_size, tcvm_val_t *out_val,
                             tcvm_error_t *err)
{
    if (text == NULL || out_val == NULL)
        return tcvm__errorf(err, TCVM_EINVAL, "tcvm_val_parse: NULL argument");
    tcvm_valtype_t type;
    size_t lit;
    if (!split_type(text, text_size, &type, &lit))
        return tcvm__errorf(err, TCVM_EFORMAT,
                            "\"%.*s%s\" is not a typed value (expected TYPE:VALUE with TYPE one of "
                            "i32, i64, f32, f64, funcref, externref)",
                            QUOTED(text_size, text));
    tcvm_val_t v;
    tcvm_status_t st = parse_literal(type, text + lit, text_size - lit, &v, err);
    if (st == TCVM_OK) *out_val = v;
    return st;
}

tcvm_status_t tcvm_val_parse_as(tcvm_valtype_t type, const char *text, size_t text_size,
                                tcvm_val_t *out_val, tcvm_error_t *err)
{
    if (text == NULL || out_val == NULL)
        return tcvm__errorf(err, TCVM_EINVAL, "tcvm_val_parse_as: NULL argument");
    if (type_name(type) == NULL)
        return tcvm__errorf(err, TCVM_EINVAL, "unknown value type 0x%x", (unsigned)type);
    tcvm_valtype_t given;
    size_t lit = 0;
    if (split_type(text, text_size, &given, &lit) && given != type)
        return tcvm__errorf(err, TCVM_WASM_TYPE, "\"%.*s%s\" is a %s but a %s is expected",
                            QUOTED(text_size, text), type_name(given), type_name(type));
    tcvm_val_t v;
    tcvm_status_t st = parse_literal(type, text + lit, text_size - lit, &v, err);
    if (st == TCVM_OK) *out_val = v;
    return st;
}

/* Shortest "%.*g" text of a finite float that reads back to the same bits. */
static void format_finite(bool is32, uint64_t bits, char *out, size_t out_size)
{
    locale_t c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
    locale_t old = (locale_t)0;
    if (c_locale != (locale_t)0) old = uselocale(c_locale);
    double d;
    if (is32) {
        uint32_t b32 = (uint32_t)bits;
        float f;
        memcpy(&f, &b32, sizeof f);
        d = f;
    } else {
        memcpy(&d, &bits, sizeof d);
    }
    int max_prec = is32 ? 9 : 17; /* always enough to round-trip */
    for (int prec = 1; prec <= max_prec; prec++) {
        snprintf(out, out_size, "%.*g", prec, d);
        if (c_locale == (locale_t)0)
            break; /* cannot check the round trip without the C locale: keep the longest */
        uint64_t back;
        if (is32) {
            float f = strtof_l(out, NULL, c_locale);
            uint32_t b32;
            memcpy(&b32, &f, sizeof b32);
            back = b32;
        } else {
            double r = strtod_l(out, NULL, c_locale);
            memcpy(&back, &r, sizeof back);
        }
        if (back == bits) break;
        if (prec == max_prec) break;
    }
    if (c_locale == (locale_t)0) {
        snprintf(out, out_size, "%.*g", max_prec, d);
    } else {
        uselocale(old);
        freelocale(c_locale);
    }
}

size_t tcvm_val_format(const tcvm_val_t *val, char *out, size_t out_size)
{
    char lit[TCVM_VAL_TEXT_MAX];
    const char *tname = type_name(val->type);
    switch (val->type) {
    case TCVM_I32:
        snprintf(lit, sizeof lit, "%" PRId32, val->of.i32);
        break;
    case TCVM_I64:
        snprintf(lit, sizeof lit, "%" PRId64, val->of.i64);
        break;
    case TCVM_F32:
    case TCVM_F64: {
        bool is32 = val->type == TCVM_F32;
        uint64_t bits = is32 ? val->of.f32_bits : val->of.f64_bits;
        uint64_t sign_bit = (uint64_t)1 << (is32 ? 31 : 63);
        uint64_t exp_mask = is32 ? 0x7f800000u : 0x7ff0000000000000u;
        uint64_t mant_mask = is32 ? 0x7fffffu : 0xfffffffffffffu;
        const char *sign = (bits & sign_bit) ? "-" : "";
        if ((bits & exp_mask) == exp_mask) {
            if ((bits & mant_mask) == 0)
                snprintf(lit, sizeof lit, "%sinf", sign);
            else
                snprintf(lit, sizeof lit, "%snan:0x%" PRIx64, sign, bits & mant_mask);
        } else {
            format_finite(is32, bits, lit, sizeof lit);
        }
        break;
    }
    case TCVM_FUNCREF:
        snprintf(lit, sizeof lit, "%s", val->of.funcref == NULL ? "null" : "<function>");
        break;
    case TCVM_EXTERNREF:
        if (val->of.externref == NULL)
            snprintf(lit, sizeof lit, "null");
        else
            snprintf(lit, sizeof lit, "%" PRIuPTR, (uintptr_t)val->of.externref);
        break;
    default:
        tname = "?";
        snprintf(lit, sizeof lit, "0x%" PRIx64, val->of.f64_bits);
        break;
    }
    int n = snprintf(out, out_size, "%s:%s", tname, lit);
    return n < 0 ? 0 : (size_t)n;
}
