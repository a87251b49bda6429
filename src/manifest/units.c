/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Sizes ("256MiB", "1GB") and durations ("30s", "500ms") as people write them in a manifest,
 * with one strict grammar each: a whole decimal number without sign, space or leading zeros,
 * immediately followed by exactly one unit from a fixed, case-sensitive list. Anything else is
 * refused with a message that says what to write instead.
 */
#include "manifest/internal.h"

typedef struct unit {
    const char *name;
    uint64_t factor;
} unit_t;

static const unit_t size_units[] = {
    {"B", 1},
    {"kB", 1000ull},
    {"MB", 1000ull * 1000},
    {"GB", 1000ull * 1000 * 1000},
    {"TB", 1000ull * 1000 * 1000 * 1000},
    {"KiB", 1ull << 10},
    {"MiB", 1ull << 20},
    {"GiB", 1ull << 30},
    {"TiB", 1ull << 40},
};

static const unit_t duration_units[] = {
    {"ms", 1},
    {"s", 1000},
    {"m", 60 * 1000},
    {"h", 60 * 60 * 1000},
};

/* Splits text into digits and unit and checks the number; *out_number, *out_unit on success. */
static tcvm_status_t split_number(const char *what, const char *text, size_t len,
                                  const char *example, uint64_t *out_number, size_t *out_digits,
                                  tcvm_error_t *err)
{
    size_t digits = 0;
    while (digits < len && text[digits] >= '0' && text[digits] <= '9')
        digits++;
    if (len == 0)
        return tcvm__errorf(err, TCVM_MANIFEST_VALUE, "empty %s; write e.g. \"%s\"", what, example);
    if (digits == 0) {
        if (text[0] == '-' || text[0] == '+')
            return tcvm__errorf(err, TCVM_MANIFEST_VALUE,
                                "%s must not have a sign; write e.g. \"%s\"", what, example);
        return tcvm__errorf(err, TCVM_MANIFEST_VALUE, "%s must start with a number, e.g. \"%s\"",
                            what, example);
    }
    if (digits < len && (text[digits] == '.' || text[digits] == ','))
        return tcvm__errorf(err, TCVM_MANIFEST_VALUE,
                            "%s must be a whole number; use a smaller unit instead of a fraction",
                            what);
    if (digits > 1 && text[0] == '0')
        return tcvm__errorf(err, TCVM_MANIFEST_VALUE, "%s must not have leading zeros", what);
    if (digits == len)
        return tcvm__errorf(err, TCVM_MANIFEST_VALUE, "%s needs a unit, e.g. \"%s\"", what,
                            example);
    if (text[digits] == ' ' || text[digits] == '\t')
        return tcvm__errorf(err, TCVM_MANIFEST_VALUE,
                            "%s must not have a space between number and unit (\"%s\")", what,
                            example);
    uint64_t n = 0;
    for (size_t i = 0; i < digits; i++) {
        if (__builtin_mul_overflow(n, 10, &n) ||
            __builtin_add_overflow(n, (uint64_t)(text[i] - '0'), &n))
            return tcvm__errorf(err, TCVM_MANIFEST_VALUE, "%s is too large", what);
    }
    *out_number = n;
    *out_digits = digits;
    return TCVM_OK;
}

static tcvm_status_t parse_with_units(const char *what, const char *text, size_t len,
                                      const unit_t *units, size_t unit_count, const char *example,
                                      const char *unit_list, uint64_t *out, tcvm_error_t *err)
{
    uint64_t n = 0;
    size_t digits = 0;
    tcvm_status_t st = split_number(what, text, len, example, &n, &digits, err);
    if (st != TCVM_OK) return st;
    const char *unit = text + digits;
    size_t unit_len = len - digits;
    for (size_t i = 0; i < unit_count; i++) {
        if (strlen(units[i].name) != unit_len || memcmp(units[i].name, unit, unit_len) != 0)
            continue;
        uint64_t v;
        if (__builtin_mul_overflow(n, units[i].factor, &v))
            return tcvm__errorf(err, TCVM_MANIFEST_VALUE, "%s is too large", what);
        *out = v;
        return TCVM_OK;
    }
    if (unit_len == 2 && memcmp(unit, "KB", 2) == 0)
        return tcvm__errorf(err, TCVM_MANIFEST_VALUE,
                            "unit \"KB\" is ambiguous: write \"kB\" (1000 bytes) or \"KiB\" "
                            "(1024 bytes)");
    return tcvm__errorf(err, TCVM_MANIFEST_VALUE, "unknown unit \"%.*s\" in %s; use one of %s",
                        (int)(unit_len > 16 ? 16 : unit_len), unit, what, unit_list);
}

tcvm_status_t tcvm_manifest_parse_size(const char *text, size_t len, uint64_t *out_bytes,
                                       tcvm_error_t *err)
{
    return parse_with_units("size", text, len, size_units, TCVM__ARRAY_COUNT(size_units), "64MiB",
                            "B, kB, MB, GB, TB, KiB, MiB, GiB, TiB", out_bytes, err);
}

tcvm_status_t tcvm_manifest_parse_duration(const char *text, size_t len, uint64_t *out_ms,
                                           tcvm_error_t *err)
{
    return parse_with_units("duration", text, len, duration_units,
                            TCVM__ARRAY_COUNT(duration_units), "30s", "ms, s, m (minutes), h",
                            out_ms, err);
}

/* The unit (from the end of the table backwards) that divides v exactly. */
static void format_with_units(uint64_t v, const unit_t *units, size_t count, char out[32])
{
    const unit_t *best = &units[0];
    for (size_t i = 0; i < count; i++) {
        if (v != 0 && v % units[i].factor == 0 && units[i].factor > best->factor) best = &units[i];
    }
    snprintf(out, 32, "%llu%s", (unsigned long long)(v / best->factor), best->name);
}

void tcvm_manifest_format_size(uint64_t bytes, char out[32])
{
    /* prefer binary units: try them first, decimal only if no binary unit fits */
    const unit_t *binary = &size_units[5];
    for (size_t i = 4; i-- > 0;) {
        if (bytes != 0 && bytes % binary[i].factor == 0) {
            snprintf(out, 32, "%llu%s", (unsigned long long)(bytes / binary[i].factor),
                     binary[i].name);
            return;
        }
    }
    format_with_units(bytes, size_units, 5, out);
}

void tcvm_manifest_format_duration(uint64_t ms, char out[32])
{
    format_with_units(ms, duration_units, TCVM__ARRAY_COUNT(duration_units), out);
}
