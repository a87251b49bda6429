/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The canonical ABI: flattening, loading and storing values of every WIT type in a linear
 * memory, lifting and lowering flat core values (with the variant join coercions and the
 * MAX_FLAT spill through memory), and the three string encodings with the exact realloc
 * sequences of the specification's store_string_* algorithms (the source of a string here is
 * always UTF-8: values lifted from any encoding are held as UTF-8). Every check the
 * specification makes is a trap (TCVM_COMP_TRAP with a message naming it): misaligned or
 * out-of-bounds pointers, lengths past 2^28-1, invalid UTF-8/UTF-16/char, discriminants out of
 * range. Handles go through the context's hooks, so the instance layer owns handle tables.
 */
#include "component/comp_internal.h"

#include <inttypes.h>

#include <stdarg.h>
#include <stdio.h>

#define UTF16_TAG 0x80000000u

tcvm_status_t tcvm__ctrap(tcvm_error_t *err, const char *fmt, ...)
{
    char msg[TCVM_ERROR_MSG_SIZE - 32];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return tcvm__errorf(err, TCVM_COMP_TRAP, "canonical ABI trap: %s", msg);
}

/* ---- flattening ------------------------------------------------------------------------ */

static tcvm_valtype_t join(tcvm_valtype_t a, tcvm_valtype_t b)
{
    if (a == b) return a;
    if ((a == TCVM_I32 && b == TCVM_F32) || (a == TCVM_F32 && b == TCVM_I32)) return TCVM_I32;
    return TCVM_I64;
}

void tcvm__cabi_flatten(const tcvm_ctype_t *t, tcvm_valtype_t *out, size_t cap, size_t *n)
{
#define PUSH(vt)                                                                                   \
    do {                                                                                           \
        if (*n < cap) out[*n] = (vt);                                                              \
        (*n)++;                                                                                    \
    } while (0)
    switch (t->kind) {
    case TCVM_CT_S64:
    case TCVM_CT_U64:
        PUSH(TCVM_I64);
        return;
    case TCVM_CT_F32:
        PUSH(TCVM_F32);
        return;
    case TCVM_CT_F64:
        PUSH(TCVM_F64);
        return;
    case TCVM_CT_STRING:
    case TCVM_CT_LIST:
        PUSH(TCVM_I32);
        PUSH(TCVM_I32);
        return;
    case TCVM_CT_RECORD:
    case TCVM_CT_TUPLE:
        for (uint32_t i = 0; i < t->count; i++)
            tcvm__cabi_flatten(t->members[i].type, out, cap, n);
        return;
    case TCVM_CT_VARIANT:
    case TCVM_CT_ENUM:
    case TCVM_CT_OPTION:
    case TCVM_CT_RESULT: {
        size_t base = *n;
        PUSH(TCVM_I32);
        size_t joined = 0; /* number of joined payload slots so far */
        for (uint32_t c = 0; c < t->count; c++) {
            const tcvm_ctype_t *p = t->members[c].type;
            if (!p) continue;
            /* flatten the case into a scratch area past the joined slots */
            size_t m = 0;
            tcvm_valtype_t tmp[TCVM__C_MAX_FLAT_PARAMS + 1];
            bool small = p->flat_count <= TCVM__C_MAX_FLAT_PARAMS + 1;
            if (small)
                tcvm__cabi_flatten(p, tmp, TCVM__ARRAY_COUNT(tmp), &m);
            else
                m = p->flat_count;
            for (size_t i = 0; i < m; i++) {
                size_t slot = base + 1 + i;
                tcvm_valtype_t ft = small ? tmp[i] : TCVM_I64;
                if (i < joined) {
                    if (slot < cap) out[slot] = join(out[slot], ft);
                } else {
                    if (slot < cap) out[slot] = ft;
                }
            }
            if (m > joined) joined = m;
        }
        *n = base + 1 + joined;
        return;
    }
    default:
        PUSH(TCVM_I32);
        return;
    }
#undef PUSH
}

size_t tcvm_cabi_flatten(const tcvm_ctype_t *type, tcvm_valtype_t *out, size_t cap)
{
    size_t n = 0;
    tcvm__cabi_flatten(type, out, out ? cap : 0, &n);
    return n;
}

uint32_t tcvm_cabi_size(const tcvm_ctype_t *type)
{
    return type->size;
}
uint32_t tcvm_cabi_align(const tcvm_ctype_t *type)
{
    return type->align;
}

size_t tcvm__cabi_flat_count(const tcvm_ctype_t *const *types, size_t count)
{
    size_t n = 0;
    for (size_t i = 0; i < count; i++) {
        n += types[i]->flat_count;
        if (n > UINT32_MAX) return UINT32_MAX;
    }
    return n;
}

/* Layout of a tuple of types: alignment and size. */
static void tuple_layout(const tcvm_ctype_t *const *types, size_t count, uint32_t *out_align,
                         uint64_t *out_size)
{
    uint32_t al = 1;
    uint64_t s = 0;
    for (size_t i = 0; i < count; i++)
        if (types[i]->align > al) al = types[i]->align;
    for (size_t i = 0; i < count; i++) {
        s = (s + types[i]->align - 1) / types[i]->align * types[i]->align;
        s += types[i]->size;
    }
    *out_align = al;
    *out_size = (s + al - 1) / al * al;
}

/* ---- memory access --------------------------------------------------------------------- */

static tcvm_status_t need_mem(tcvm__cx_t *cx)
{
    if (!cx->mem || !cx->mem->data)
        return tcvm__ctrap(cx->err, "a string or list needs the memory option");
    return TCVM_OK;
}

static tcvm_status_t check_range(tcvm__cx_t *cx, uint64_t ptr, uint64_t size, uint32_t align,
                                 const char *what)
{
    if (align > 1 && ptr % align != 0)
        return tcvm__ctrap(cx->err, "%s pointer 0x%" PRIx64 " is not %" PRIu32 "-byte aligned",
                           what, ptr, align);
    if (ptr + size > cx->mem->size)
        return tcvm__ctrap(cx->err,
                           "%s at 0x%" PRIx64 "+%" PRIu64 " is outside memory of %zu bytes", what,
                           ptr, size, cx->mem->size);
    return TCVM_OK;
}

static tcvm_status_t do_realloc(tcvm__cx_t *cx, uint32_t old, uint32_t old_size, uint32_t align,
                                uint32_t new_size, uint32_t *out)
{
    if (!cx->mem || !cx->mem->realloc)
        return tcvm__ctrap(cx->err, "lowering needs the realloc option");
    tcvm_status_t st = cx->mem->realloc(cx->mem, old, old_size, align, new_size, out);
    if (st != TCVM_OK) {
        if (cx->err && cx->err->status == TCVM_OK)
            tcvm__errorf(cx->err, st, "realloc failed: %s", tcvm_status_message(st));
        return st;
    }
    return TCVM_OK;
}

static uint64_t load_int(tcvm__cx_t *cx, uint32_t ptr, unsigned nbytes)
{
    const uint8_t *p = cx->mem->data + ptr;
    uint64_t v = 0;
    for (unsigned i = 0; i < nbytes; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

static void store_int(tcvm__cx_t *cx, uint32_t ptr, uint64_t v, unsigned nbytes)
{
    uint8_t *p = cx->mem->data + ptr;
    for (unsigned i = 0; i < nbytes; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* ---- strings --------------------------------------------------------------------------- */

static size_t utf8_put(uint8_t *o, uint32_t c)
{
    if (c < 0x80) {
        o[0] = (uint8_t)c;
        return 1;
    }
    if (c < 0x800) {
        o[0] = (uint8_t)(0xC0 | c >> 6);
        o[1] = (uint8_t)(0x80 | (c & 0x3F));
        return 2;
    }
    if (c < 0x10000) {
        o[0] = (uint8_t)(0xE0 | c >> 12);
        o[1] = (uint8_t)(0x80 | ((c >> 6) & 0x3F));
        o[2] = (uint8_t)(0x80 | (c & 0x3F));
        return 3;
    }
    o[0] = (uint8_t)(0xF0 | c >> 18);
    o[1] = (uint8_t)(0x80 | ((c >> 12) & 0x3F));
    o[2] = (uint8_t)(0x80 | ((c >> 6) & 0x3F));
    o[3] = (uint8_t)(0x80 | (c & 0x3F));
    return 4;
}

/* Decodes one scalar of valid UTF-8 at s[*i]. */
static uint32_t utf8_next(const uint8_t *s, size_t *i)
{
    uint8_t b = s[*i];
    if (b < 0x80) {
        (*i)++;
        return b;
    }
    if (b < 0xE0) {
        uint32_t c = (uint32_t)(b & 0x1F) << 6 | (s[*i + 1] & 0x3F);
        *i += 2;
        return c;
    }
    if (b < 0xF0) {
        uint32_t c =
            (uint32_t)(b & 0x0F) << 12 | (uint32_t)(s[*i + 1] & 0x3F) << 6 | (s[*i + 2] & 0x3F);
        *i += 3;
        return c;
    }
    uint32_t c = (uint32_t)(b & 0x07) << 18 | (uint32_t)(s[*i + 1] & 0x3F) << 12 |
                 (uint32_t)(s[*i + 2] & 0x3F) << 6 | (s[*i + 3] & 0x3F);
    *i += 4;
    return c;
}

static tcvm_status_t load_string_range(tcvm__cx_t *cx, uint32_t ptr, uint32_t tagged,
                                       tcvm_cval_t *out)
{
    tcvm_status_t st;
    if ((st = need_mem(cx)) != TCVM_OK) return st;
    tcvm_cstring_encoding_t enc = cx->mem->encoding;
    uint64_t blen;
    uint32_t align = 1;
    bool utf16 = false;
    if (enc == TCVM_CSTR_UTF8) {
        blen = tagged;
    } else if (enc == TCVM_CSTR_UTF16) {
        blen = 2ull * tagged, align = 2, utf16 = true;
    } else {
        align = 2;
        if (tagged & UTF16_TAG)
            blen = 2ull * (tagged ^ UTF16_TAG), utf16 = true;
        else
            blen = tagged;
    }
    if (blen > TCVM__C_MAX_STRING_BYTES)
        return tcvm__ctrap(cx->err, "string of %" PRIu64 " bytes exceeds 2^28-1", blen);
    if ((st = check_range(cx, ptr, blen, align, "string")) != TCVM_OK) return st;
    const uint8_t *src = cx->mem->data + ptr;
    cx->bytes += blen;
    char *d;
    size_t dn = 0;
    if (enc == TCVM_CSTR_UTF8) {
        if (!tcvm__utf8_valid(src, (size_t)blen))
            return tcvm__ctrap(cx->err, "string at 0x%" PRIx32 " is not valid UTF-8", ptr);
        d = tcvm__memdup(src, (size_t)blen);
        if (!d) return TCVM_ENOMEM;
        dn = (size_t)blen;
    } else if (utf16) {
        size_t units = (size_t)blen / 2;
        d = tcvm__malloc(units * 3 + 1);
        if (!d) return TCVM_ENOMEM;
        for (size_t i = 0; i < units; i++) {
            uint32_t u = tcvm__le16(src + 2 * i);
            if (u >= 0xD800 && u < 0xDC00) {
                uint32_t lo = i + 1 < units ? tcvm__le16(src + 2 * (i + 1)) : 0;
                if (lo < 0xDC00 || lo >= 0xE000) goto bad16;
                u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
                i++;
            } else if (u >= 0xDC00 && u < 0xE000) {
                goto bad16;
            }
            dn += utf8_put((uint8_t *)d + dn, u);
        }
        goto done;
    bad16:
        tcvm__free(d);
        return tcvm__ctrap(cx->err, "string at 0x%" PRIx32 " is not valid UTF-16", ptr);
    } else { /* latin-1 */
        d = tcvm__malloc((size_t)blen * 2 + 1);
        if (!d) return TCVM_ENOMEM;
        for (size_t i = 0; i < blen; i++)
            dn += utf8_put((uint8_t *)d + dn, src[i]);
    }
done:
    memset(out, 0, sizeof *out);
    out->kind = TCVM_CT_STRING;
    out->of.str.data = d;
    out->of.str.size = dn;
    out->of.str.origin = enc == TCVM_CSTR_UTF8    ? TCVM_CSTR_FROM_UTF8
                         : enc == TCVM_CSTR_UTF16 ? TCVM_CSTR_FROM_UTF16
                         : utf16                  ? TCVM_CSTR_FROM_LATIN1_UTF16
                                                  : TCVM_CSTR_FROM_LATIN1;
    return TCVM_OK;
}

/* realloc(0, 0, align, size) into memory, the result checked as a range of size bytes. */
static tcvm_status_t alloc_range(tcvm__cx_t *cx, uint32_t align, uint64_t size, const char *what,
                                 uint32_t *out_ptr)
{
    tcvm_status_t st;
    if ((st = do_realloc(cx, 0, 0, align, (uint32_t)size, out_ptr)) != TCVM_OK) return st;
    if ((st = need_mem(cx)) != TCVM_OK) return st;
    return check_range(cx, *out_ptr, size, align, what);
}

/* Writes the UTF-8 string s[0..n) as UTF-16LE at o; returns the bytes written. */
static uint32_t put_utf16(const uint8_t *s, size_t n, uint8_t *o)
{
    uint32_t len = 0;
    for (size_t i = 0; i < n;) {
        uint32_t c = utf8_next(s, &i);
        if (c >= 0x10000) {
            c -= 0x10000;
            tcvm__put_le16(o + len, (uint16_t)(0xD800 | c >> 10));
            tcvm__put_le16(o + len + 2, (uint16_t)(0xDC00 | (c & 0x3FF)));
            len += 4;
        } else {
            tcvm__put_le16(o + len, (uint16_t)c);
            len += 2;
        }
    }
    return len;
}

/* store_string_copy: the exact size known up front (UTF-8 to UTF-8, UTF-16 or Latin-1 to UTF-16,
 * Latin-1 to Latin-1). unit is the destination code unit size. */
static tcvm_status_t store_copy(tcvm__cx_t *cx, const uint8_t *s, size_t n, uint32_t units,
                                uint32_t unit, uint32_t align, uint32_t *out_ptr,
                                uint32_t *out_units)
{
    tcvm_status_t st;
    uint64_t blen = (uint64_t)unit * units;
    uint32_t ptr;
    if (blen > TCVM__C_MAX_STRING_BYTES)
        return tcvm__ctrap(cx->err, "string of %" PRIu64 " bytes exceeds 2^28-1", blen);
    if ((st = alloc_range(cx, align, blen, "string", &ptr)) != TCVM_OK) return st;
    uint8_t *o = cx->mem->data + ptr;
    if (unit == 2) {
        put_utf16(s, n, o);
    } else if (units == n) { /* UTF-8 to UTF-8, or Latin-1 that is all ASCII */
        if (n) memcpy(o, s, n);
    } else { /* Latin-1 */
        for (size_t i = 0, k = 0; i < n;)
            o[k++] = (uint8_t)utf8_next(s, &i);
    }
    *out_ptr = ptr, *out_units = units;
    return TCVM_OK;
}

/* store_string_to_utf8 (from UTF-16 or Latin-1): one byte per source code unit first, the worst
 * case once a code point is not ASCII, then shrink. */
static tcvm_status_t store_to_utf8(tcvm__cx_t *cx, const uint8_t *s, size_t n, uint32_t units,
                                   uint64_t worst, uint32_t *out_ptr, uint32_t *out_units)
{
    tcvm_status_t st;
    uint32_t ptr;
    if ((st = alloc_range(cx, 1, units, "string", &ptr)) != TCVM_OK) return st;
    size_t i = 0;
    while (i < n && s[i] < 0x80) /* ASCII: code point i is byte i */
        i++;
    if (i == n) {
        if (n) memcpy(cx->mem->data + ptr, s, n);
        *out_ptr = ptr, *out_units = units;
        return TCVM_OK;
    }
    if (i) memcpy(cx->mem->data + ptr, s, i);
    if (worst > TCVM__C_MAX_STRING_BYTES)
        return tcvm__ctrap(cx->err, "string of %" PRIu64 " bytes exceeds 2^28-1", worst);
    if ((st = do_realloc(cx, ptr, units, 1, (uint32_t)worst, &ptr)) != TCVM_OK) return st;
    if ((st = check_range(cx, ptr, worst, 1, "string")) != TCVM_OK) return st;
    memcpy(cx->mem->data + ptr + i, s + i, n - i);
    if (worst > n) {
        if ((st = do_realloc(cx, ptr, (uint32_t)worst, 1, (uint32_t)n, &ptr)) != TCVM_OK)
            return st;
        if ((st = check_range(cx, ptr, n, 1, "string")) != TCVM_OK) return st;
    }
    *out_ptr = ptr, *out_units = (uint32_t)n;
    return TCVM_OK;
}

/* store_utf8_to_utf16: the worst case (two bytes per UTF-8 byte), then shrink. */
static tcvm_status_t store_utf8_to_utf16(tcvm__cx_t *cx, const uint8_t *s, size_t n,
                                         uint32_t *out_ptr, uint32_t *out_units)
{
    tcvm_status_t st;
    uint32_t worst = 2 * (uint32_t)n, ptr;
    if ((st = alloc_range(cx, 2, worst, "string", &ptr)) != TCVM_OK) return st;
    uint32_t len = put_utf16(s, n, cx->mem->data + ptr);
    if (len < worst) {
        if ((st = do_realloc(cx, ptr, worst, 2, len, &ptr)) != TCVM_OK) return st;
        if ((st = check_range(cx, ptr, len, 2, "string")) != TCVM_OK) return st;
    }
    *out_ptr = ptr, *out_units = len / 2;
    return TCVM_OK;
}

/* store_string_to_latin1_or_utf16 (from UTF-8 or UTF-16): Latin-1 while it fits, else inflate in
 * place to the worst case and finish in UTF-16. */
static tcvm_status_t store_to_latin1_or_utf16(tcvm__cx_t *cx, const uint8_t *s, size_t n,
                                              uint32_t units, uint32_t *out_ptr,
                                              uint32_t *out_units)
{
    tcvm_status_t st;
    uint32_t ptr;
    if ((st = alloc_range(cx, 2, units, "string", &ptr)) != TCVM_OK) return st;
    uint32_t dlen = 0;
    size_t i = 0;
    while (i < n) {
        size_t at = i;
        uint32_t c = utf8_next(s, &i);
        if (c < 256) {
            cx->mem->data[ptr + dlen++] = (uint8_t)c;
            continue;
        }
        uint64_t worst = 2ull * units;
        if (worst > TCVM__C_MAX_STRING_BYTES)
            return tcvm__ctrap(cx->err, "string of %" PRIu64 " bytes exceeds 2^28-1", worst);
        if ((st = do_realloc(cx, ptr, units, 2, (uint32_t)worst, &ptr)) != TCVM_OK) return st;
        if ((st = check_range(cx, ptr, worst, 2, "string")) != TCVM_OK) return st;
        uint8_t *m = cx->mem->data + ptr;
        for (uint32_t j = dlen; j-- > 0;) {
            m[2 * j] = m[j];
            m[2 * j + 1] = 0;
        }
        uint32_t len = 2 * dlen + put_utf16(s + at, n - at, m + 2 * dlen);
        if (worst > len) {
            if ((st = do_realloc(cx, ptr, (uint32_t)worst, 2, len, &ptr)) != TCVM_OK) return st;
            if ((st = check_range(cx, ptr, len, 2, "string")) != TCVM_OK) return st;
        }
        *out_ptr = ptr, *out_units = (len / 2) | UTF16_TAG;
        return TCVM_OK;
    }
    if (dlen < units) {
        if ((st = do_realloc(cx, ptr, units, 2, dlen, &ptr)) != TCVM_OK) return st;
        if ((st = check_range(cx, ptr, dlen, 2, "string")) != TCVM_OK) return st;
    }
    *out_ptr = ptr, *out_units = dlen;
    return TCVM_OK;
}

/* store_probably_utf16_to_latin1_or_utf16 (from latin1+utf16 that chose UTF-16): UTF-16 first,
 * deflated to Latin-1 when every code point fits. */
static tcvm_status_t store_probably_utf16(tcvm__cx_t *cx, const uint8_t *s, size_t n,
                                          uint32_t units, uint32_t *out_ptr, uint32_t *out_units)
{
    tcvm_status_t st;
    uint64_t blen = 2ull * units;
    uint32_t ptr;
    if (blen > TCVM__C_MAX_STRING_BYTES)
        return tcvm__ctrap(cx->err, "string of %" PRIu64 " bytes exceeds 2^28-1", blen);
    if ((st = alloc_range(cx, 2, blen, "string", &ptr)) != TCVM_OK) return st;
    uint8_t *m = cx->mem->data + ptr;
    uint32_t len = put_utf16(s, n, m);
    bool latin1 = true;
    for (size_t i = 0; i < n && latin1;)
        latin1 = utf8_next(s, &i) < 256;
    if (!latin1) {
        *out_ptr = ptr, *out_units = (len / 2) | UTF16_TAG;
        return TCVM_OK;
    }
    uint32_t l1 = len / 2;
    for (uint32_t i = 0; i < l1; i++)
        m[i] = m[2 * i];
    if ((st = do_realloc(cx, ptr, (uint32_t)blen, 1, l1, &ptr)) != TCVM_OK) return st;
    if ((st = check_range(cx, ptr, l1, 1, "string")) != TCVM_OK) return st;
    *out_ptr = ptr, *out_units = l1;
    return TCVM_OK;
}

/*
 * Stores a string (held as UTF-8) following store_string_into_range, with the source encoding it
 * was lifted from (v->of.str.origin), which chooses the allocation sequence. The source's code
 * units are counted from the UTF-8 here, never taken from the value; an origin the text cannot
 * have (Latin-1 with a code point past U+00FF) is treated as UTF-8.
 */
static tcvm_status_t store_string_range(tcvm__cx_t *cx, const tcvm_cval_t *v, uint32_t *out_ptr,
                                        uint32_t *out_units)
{
    const uint8_t *s = (const uint8_t *)v->of.str.data;
    size_t n = v->of.str.size;
    if (n > TCVM__C_MAX_STRING_BYTES)
        return tcvm__ctrap(cx->err, "string of %zu bytes exceeds 2^28-1", n);
    cx->bytes += n;
    tcvm_cstring_origin_t origin = v->of.str.origin;
    uint32_t cps = 0, units16 = 0; /* code points, UTF-16 code units */
    if (origin != TCVM_CSTR_FROM_UTF8) {
        bool l1 = true;
        for (size_t i = 0; i < n; cps++) {
            uint32_t c = utf8_next(s, &i);
            units16 += c >= 0x10000 ? 2 : 1;
            l1 = l1 && c < 256;
        }
        if (origin == TCVM_CSTR_FROM_LATIN1 && !l1) origin = TCVM_CSTR_FROM_UTF8;
        if (origin > TCVM_CSTR_FROM_LATIN1_UTF16) origin = TCVM_CSTR_FROM_UTF8;
    }
    bool from16 = origin == TCVM_CSTR_FROM_UTF16 || origin == TCVM_CSTR_FROM_LATIN1_UTF16;
    switch (cx->mem ? cx->mem->encoding : TCVM_CSTR_UTF8) {
    case TCVM_CSTR_UTF8:
        if (from16)
            return store_to_utf8(cx, s, n, units16, 3ull * units16, out_ptr, out_units);
        if (origin == TCVM_CSTR_FROM_LATIN1)
            return store_to_utf8(cx, s, n, cps, 2ull * cps, out_ptr, out_units);
        return store_copy(cx, s, n, (uint32_t)n, 1, 1, out_ptr, out_units);
    case TCVM_CSTR_UTF16:
        if (from16) return store_copy(cx, s, n, units16, 2, 2, out_ptr, out_units);
        if (origin == TCVM_CSTR_FROM_LATIN1)
            return store_copy(cx, s, n, cps, 2, 2, out_ptr, out_units);
        return store_utf8_to_utf16(cx, s, n, out_ptr, out_units);
    default: /* latin1+utf16 */
        if (origin == TCVM_CSTR_FROM_LATIN1)
            return store_copy(cx, s, n, cps, 1, 2, out_ptr, out_units);
        if (origin == TCVM_CSTR_FROM_LATIN1_UTF16)
            return store_probably_utf16(cx, s, n, units16, out_ptr, out_units);
        return store_to_latin1_or_utf16(cx, s, n, from16 ? units16 : (uint32_t)n, out_ptr,
                                        out_units);
    }
}

/* ---- load ------------------------------------------------------------------------------ */

static tcvm_status_t load_list_range(tcvm__cx_t *cx, const tcvm_ctype_t *et, uint32_t ptr,
                                     uint32_t length, tcvm_cval_t *out)
{
    tcvm_status_t st;
    if ((st = need_mem(cx)) != TCVM_OK) return st;
    uint64_t blen = (uint64_t)length * et->size;
    if (blen > TCVM__C_MAX_STRING_BYTES)
        return tcvm__ctrap(cx->err, "list of %" PRIu64 " bytes exceeds 2^28-1", blen);
    if ((st = check_range(cx, ptr, blen, et->align, "list")) != TCVM_OK) return st;
    /* each element becomes a tree node many times its size in memory: cap what one lift
     * builds so a guest cannot make the host allocate without bound */
    cx->items += length;
    if (cx->items > TCVM__C_MAX_TREE_ITEMS)
        return tcvm__ctrap(cx->err,
                           "lists of more than %u elements in one value cannot be "
                           "lifted into a value tree",
                           TCVM__C_MAX_TREE_ITEMS);
    tcvm_cval_t r;
    if ((st = tcvm_cval_seq(TCVM_CT_LIST, length, &r)) != TCVM_OK) return st;
    for (uint32_t i = 0; i < length; i++) {
        if ((st = tcvm__cabi_load(cx, et, ptr + i * et->size, &r.of.seq.items[i])) != TCVM_OK) {
            tcvm_cval_clear(&r);
            return st;
        }
    }
    *out = r;
    return TCVM_OK;
}

static tcvm_status_t load_fields(tcvm__cx_t *cx, tcvm_ctype_kind_t kind,
                                 const tcvm_ctype_t *const *types, size_t count, uint32_t ptr,
                                 tcvm_cval_t *out)
{
    tcvm_status_t st;
    tcvm_cval_t r;
    if ((st = tcvm_cval_seq(kind, count, &r)) != TCVM_OK) return st;
    uint64_t p = ptr;
    for (size_t i = 0; i < count; i++) {
        p = (p + types[i]->align - 1) / types[i]->align * types[i]->align;
        if ((st = tcvm__cabi_load(cx, types[i], (uint32_t)p, &r.of.seq.items[i])) != TCVM_OK) {
            tcvm_cval_clear(&r);
            return st;
        }
        p += types[i]->size;
    }
    *out = r;
    return TCVM_OK;
}

static uint32_t max_case_align(const tcvm_ctype_t *t)
{
    uint32_t a = 1;
    for (uint32_t i = 0; i < t->count; i++)
        if (t->members[i].type && t->members[i].type->align > a) a = t->members[i].type->align;
    return a;
}

static unsigned disc_bytes(const tcvm_ctype_t *t)
{
    return t->count <= 256 ? 1 : t->count <= 65536 ? 2 : 4;
}

static tcvm_status_t lift_handle(tcvm__cx_t *cx, const tcvm_ctype_t *t, uint32_t i,
                                 tcvm_cval_t *out)
{
    uint32_t v = i;
    if (cx->lift_handle) {
        tcvm_status_t st = cx->lift_handle(cx, t, i, &v);
        if (st != TCVM_OK) return st;
    }
    memset(out, 0, sizeof *out);
    out->kind = t->kind;
    out->of.handle = v;
    return TCVM_OK;
}

tcvm_status_t tcvm__cabi_load(tcvm__cx_t *cx, const tcvm_ctype_t *t, uint32_t ptr, tcvm_cval_t *out)
{
    tcvm_status_t st;
    if ((st = need_mem(cx)) != TCVM_OK) return st;
    if ((st = check_range(cx, ptr, t->size, t->align, tcvm_ctype_kind_name(t->kind))) != TCVM_OK)
        return st;
    memset(out, 0, sizeof *out);
    out->kind = t->kind;
    switch (t->kind) {
    case TCVM_CT_BOOL:
        out->of.b = load_int(cx, ptr, 1) != 0;
        return TCVM_OK;
    case TCVM_CT_U8:
        out->of.u = load_int(cx, ptr, 1);
        return TCVM_OK;
    case TCVM_CT_U16:
        out->of.u = load_int(cx, ptr, 2);
        return TCVM_OK;
    case TCVM_CT_U32:
        out->of.u = load_int(cx, ptr, 4);
        return TCVM_OK;
    case TCVM_CT_U64:
        out->of.u = load_int(cx, ptr, 8);
        return TCVM_OK;
    case TCVM_CT_S8:
        out->of.s = (int8_t)load_int(cx, ptr, 1);
        return TCVM_OK;
    case TCVM_CT_S16:
        out->of.s = (int16_t)load_int(cx, ptr, 2);
        return TCVM_OK;
    case TCVM_CT_S32:
        out->of.s = (int32_t)load_int(cx, ptr, 4);
        return TCVM_OK;
    case TCVM_CT_S64:
        out->of.s = (int64_t)load_int(cx, ptr, 8);
        return TCVM_OK;
    case TCVM_CT_F32: {
        uint32_t b = (uint32_t)load_int(cx, ptr, 4);
        float f;
        memcpy(&f, &b, 4);
        out->of.f32 = tcvm__canon_f32(f);
        return TCVM_OK;
    }
    case TCVM_CT_F64: {
        uint64_t b = load_int(cx, ptr, 8);
        double f;
        memcpy(&f, &b, 8);
        out->of.f64 = tcvm__canon_f64(f);
        return TCVM_OK;
    }
    case TCVM_CT_CHAR: {
        uint32_t c = (uint32_t)load_int(cx, ptr, 4);
        if (c >= 0x110000 || (c >= 0xD800 && c <= 0xDFFF))
            return tcvm__ctrap(cx->err, "0x%" PRIx32 " is not a valid char", c);
        out->of.ch = c;
        return TCVM_OK;
    }
    case TCVM_CT_STRING:
        return load_string_range(cx, (uint32_t)load_int(cx, ptr, 4),
                                 (uint32_t)load_int(cx, ptr + 4, 4), out);
    case TCVM_CT_LIST:
        return load_list_range(cx, t->members[0].type, (uint32_t)load_int(cx, ptr, 4),
                               (uint32_t)load_int(cx, ptr + 4, 4), out);
    case TCVM_CT_RECORD:
    case TCVM_CT_TUPLE: {
        const tcvm_ctype_t **types = tcvm__calloc(t->count, sizeof *types);
        if (!types) return TCVM_ENOMEM;
        for (uint32_t i = 0; i < t->count; i++)
            types[i] = t->members[i].type;
        st = load_fields(cx, t->kind, types, t->count, ptr, out);
        tcvm__free(types);
        return st;
    }
    case TCVM_CT_FLAGS: {
        uint64_t v = load_int(cx, ptr, t->size);
        out->of.flags = t->count >= 32 ? (uint32_t)v : (uint32_t)v & ((1u << t->count) - 1);
        return TCVM_OK;
    }
    case TCVM_CT_OWN:
    case TCVM_CT_BORROW:
        return lift_handle(cx, t, (uint32_t)load_int(cx, ptr, 4), out);
    default: {
        unsigned ds = disc_bytes(t);
        uint32_t idx = (uint32_t)load_int(cx, ptr, ds);
        if (idx >= t->count)
            return tcvm__ctrap(cx->err,
                               "%s discriminant %" PRIu32 " is out of range (%" PRIu32 " cases)",
                               tcvm_ctype_kind_name(t->kind), idx, t->count);
        uint32_t mca = max_case_align(t);
        uint64_t p = ((uint64_t)ptr + ds + mca - 1) / mca * mca;
        const tcvm_ctype_t *pt = t->members[idx].type;
        tcvm_cval_t payload;
        if (pt && (st = tcvm__cabi_load(cx, pt, (uint32_t)p, &payload)) != TCVM_OK) return st;
        st = tcvm_cval_case(t->kind, idx, pt ? &payload : NULL, out);
        if (st != TCVM_OK && pt) tcvm_cval_clear(&payload);
        return st;
    }
    }
}

/* ---- store ----------------------------------------------------------------------------- */

static tcvm_status_t lower_handle(tcvm__cx_t *cx, const tcvm_ctype_t *t, uint32_t h, uint32_t *out)
{
    if (cx->lower_handle) return cx->lower_handle(cx, t, h, out);
    *out = h;
    return TCVM_OK;
}

static tcvm_status_t vkind(tcvm__cx_t *cx, const tcvm_ctype_t *t, const tcvm_cval_t *v)
{
    if (v->kind != t->kind)
        return tcvm__errorf(cx->err, TCVM_WASM_TYPE, "value of kind %s where %s is expected",
                            tcvm_ctype_kind_name(v->kind), tcvm_ctype_kind_name(t->kind));
    return TCVM_OK;
}

static tcvm_status_t store_list_range(tcvm__cx_t *cx, const tcvm_ctype_t *et, const tcvm_cval_t *v,
                                      uint32_t *out_ptr)
{
    tcvm_status_t st;
    uint64_t blen = (uint64_t)v->of.seq.count * et->size;
    if (blen > TCVM__C_MAX_STRING_BYTES)
        return tcvm__ctrap(cx->err, "list of %" PRIu64 " bytes exceeds 2^28-1", blen);
    uint32_t ptr;
    if ((st = alloc_range(cx, et->align, blen, "list", &ptr)) != TCVM_OK) return st;
    for (size_t i = 0; i < v->of.seq.count; i++)
        if ((st = tcvm__cabi_store(cx, et, &v->of.seq.items[i], ptr + (uint32_t)i * et->size)) !=
            TCVM_OK)
            return st;
    *out_ptr = ptr;
    return TCVM_OK;
}

static tcvm_status_t store_fields(tcvm__cx_t *cx, const tcvm_ctype_t *const *types, size_t count,
                                  const tcvm_cval_t *items, uint32_t ptr)
{
    uint64_t p = ptr;
    for (size_t i = 0; i < count; i++) {
        p = (p + types[i]->align - 1) / types[i]->align * types[i]->align;
        tcvm_status_t st = tcvm__cabi_store(cx, types[i], &items[i], (uint32_t)p);
        if (st != TCVM_OK) return st;
        p += types[i]->size;
    }
    return TCVM_OK;
}

tcvm_status_t tcvm__cabi_store(tcvm__cx_t *cx, const tcvm_ctype_t *t, const tcvm_cval_t *v,
                               uint32_t ptr)
{
    tcvm_status_t st;
    if ((st = vkind(cx, t, v)) != TCVM_OK) return st;
    if ((st = need_mem(cx)) != TCVM_OK) return st;
    if ((st = check_range(cx, ptr, t->size, t->align, tcvm_ctype_kind_name(t->kind))) != TCVM_OK)
        return st;
    switch (t->kind) {
    case TCVM_CT_BOOL:
        store_int(cx, ptr, v->of.b ? 1 : 0, 1);
        return TCVM_OK;
    case TCVM_CT_U8:
    case TCVM_CT_S8:
        store_int(cx, ptr, (uint64_t)v->of.u, 1);
        return TCVM_OK;
    case TCVM_CT_U16:
    case TCVM_CT_S16:
        store_int(cx, ptr, (uint64_t)v->of.u, 2);
        return TCVM_OK;
    case TCVM_CT_U32:
    case TCVM_CT_S32:
        store_int(cx, ptr, (uint64_t)v->of.u, 4);
        return TCVM_OK;
    case TCVM_CT_U64:
    case TCVM_CT_S64:
        store_int(cx, ptr, (uint64_t)v->of.u, 8);
        return TCVM_OK;
    case TCVM_CT_F32: {
        float f = tcvm__canon_f32(v->of.f32);
        uint32_t b;
        memcpy(&b, &f, 4);
        store_int(cx, ptr, b, 4);
        return TCVM_OK;
    }
    case TCVM_CT_F64: {
        double f = tcvm__canon_f64(v->of.f64);
        uint64_t b;
        memcpy(&b, &f, 8);
        store_int(cx, ptr, b, 8);
        return TCVM_OK;
    }
    case TCVM_CT_CHAR:
        if (v->of.ch >= 0x110000 || (v->of.ch >= 0xD800 && v->of.ch <= 0xDFFF))
            return tcvm__errorf(cx->err, TCVM_WASM_TYPE, "char 0x%" PRIx32 " is not a scalar",
                                v->of.ch);
        store_int(cx, ptr, v->of.ch, 4);
        return TCVM_OK;
    case TCVM_CT_STRING: {
        uint32_t p, units;
        if (!tcvm__utf8_valid((const uint8_t *)v->of.str.data, v->of.str.size))
            return tcvm__errorf(cx->err, TCVM_WASM_TYPE, "string value is not valid UTF-8");
        if ((st = store_string_range(cx, v, &p, &units)) != TCVM_OK)
            return st;
        store_int(cx, ptr, p, 4);
        store_int(cx, ptr + 4, units, 4);
        return TCVM_OK;
    }
    case TCVM_CT_LIST: {
        uint32_t p;
        if ((st = store_list_range(cx, t->members[0].type, v, &p)) != TCVM_OK) return st;
        store_int(cx, ptr, p, 4);
        store_int(cx, ptr + 4, v->of.seq.count, 4);
        return TCVM_OK;
    }
    case TCVM_CT_RECORD:
    case TCVM_CT_TUPLE: {
        if (v->of.seq.count != t->count)
            return tcvm__errorf(cx->err, TCVM_WASM_TYPE, "%s value has %zu fields, not %" PRIu32,
                                tcvm_ctype_kind_name(t->kind), v->of.seq.count, t->count);
        const tcvm_ctype_t **types = tcvm__calloc(t->count, sizeof *types);
        if (!types) return TCVM_ENOMEM;
        for (uint32_t i = 0; i < t->count; i++)
            types[i] = t->members[i].type;
        st = store_fields(cx, types, t->count, v->of.seq.items, ptr);
        tcvm__free(types);
        return st;
    }
    case TCVM_CT_FLAGS:
        store_int(cx, ptr, v->of.flags, t->size);
        return TCVM_OK;
    case TCVM_CT_OWN:
    case TCVM_CT_BORROW: {
        uint32_t h;
        if ((st = lower_handle(cx, t, v->of.handle, &h)) != TCVM_OK) return st;
        store_int(cx, ptr, h, 4);
        return TCVM_OK;
    }
    default: {
        uint32_t idx = v->of.var.index;
        if (idx >= t->count || (t->members[idx].type == NULL) != (v->of.var.payload == NULL))
            return tcvm__errorf(cx->err, TCVM_WASM_TYPE, "bad case %" PRIu32 " for a %s", idx,
                                tcvm_ctype_kind_name(t->kind));
        unsigned ds = disc_bytes(t);
        store_int(cx, ptr, idx, ds);
        uint32_t mca = max_case_align(t);
        uint64_t p = ((uint64_t)ptr + ds + mca - 1) / mca * mca;
        if (t->members[idx].type)
            return tcvm__cabi_store(cx, t->members[idx].type, v->of.var.payload, (uint32_t)p);
        return TCVM_OK;
    }
    }
}

/* ---- flat lifting ---------------------------------------------------------------------- */

typedef struct flat_iter flat_iter_t;
struct flat_iter {
    const tcvm_val_t *vals; /* base iterator: the core values */
    size_t count, pos;
    flat_iter_t *base; /* coercing iterator: reads from base with these types */
    const tcvm_valtype_t *types;
    size_t ntypes, tpos;
};

static tcvm_status_t fi_next(tcvm__cx_t *cx, flat_iter_t *it, tcvm_valtype_t want, tcvm_val_t *out)
{
    if (!it->base) {
        if (it->pos >= it->count || it->vals[it->pos].type != want)
            return tcvm__errorf(cx->err, TCVM_WASM_TYPE, "flat value %zu is not %s", it->pos,
                                tcvm_valtype_name(want));
        *out = it->vals[it->pos++];
        return TCVM_OK;
    }
    if (it->tpos >= it->ntypes)
        return tcvm__errorf(cx->err, TCVM_EINTERNAL, "variant flattening mismatch");
    tcvm_valtype_t have = it->types[it->tpos++];
    tcvm_val_t x;
    tcvm_status_t st = fi_next(cx, it->base, have, &x);
    if (st != TCVM_OK) return st;
    if (have == want) {
        *out = x;
    } else if (have == TCVM_I32 && want == TCVM_F32) {
        *out = (tcvm_val_t){.type = TCVM_F32, .of.f32_bits = (uint32_t)x.of.i32};
    } else if (have == TCVM_I64 && want == TCVM_I32) {
        *out = tcvm_val_i32((int32_t)(uint32_t)(uint64_t)x.of.i64);
    } else if (have == TCVM_I64 && want == TCVM_F32) {
        *out = (tcvm_val_t){.type = TCVM_F32, .of.f32_bits = (uint32_t)(uint64_t)x.of.i64};
    } else if (have == TCVM_I64 && want == TCVM_F64) {
        *out = (tcvm_val_t){.type = TCVM_F64, .of.f64_bits = (uint64_t)x.of.i64};
    } else {
        return tcvm__errorf(cx->err, TCVM_EINTERNAL, "bad variant coercion");
    }
    return TCVM_OK;
}

static tcvm_status_t lift_flat(tcvm__cx_t *cx, flat_iter_t *it, const tcvm_ctype_t *t,
                               tcvm_cval_t *out);

static tcvm_status_t lift_flat_variant(tcvm__cx_t *cx, flat_iter_t *it, const tcvm_ctype_t *t,
                                       tcvm_cval_t *out)
{
    tcvm_valtype_t ft[TCVM__C_MAX_FLAT_PARAMS + 2];
    size_t n = 0;
    tcvm__cabi_flatten(t, ft, TCVM__ARRAY_COUNT(ft), &n);
    if (n > TCVM__ARRAY_COUNT(ft)) return tcvm__errorf(cx->err, TCVM_EINTERNAL, "variant too wide");
    tcvm_val_t d;
    tcvm_status_t st = fi_next(cx, it, TCVM_I32, &d);
    if (st != TCVM_OK) return st;
    uint32_t idx = (uint32_t)d.of.i32;
    if (idx >= t->count)
        return tcvm__ctrap(cx->err,
                           "%s discriminant %" PRIu32 " is out of range (%" PRIu32 " cases)",
                           tcvm_ctype_kind_name(t->kind), idx, t->count);
    flat_iter_t sub = {0};
    sub.base = it;
    sub.types = ft + 1;
    sub.ntypes = n - 1;
    tcvm_cval_t payload;
    const tcvm_ctype_t *pt = t->members[idx].type;
    if (pt && (st = lift_flat(cx, &sub, pt, &payload)) != TCVM_OK) return st;
    while (sub.tpos < sub.ntypes) {
        tcvm_val_t skip;
        if ((st = fi_next(cx, it, sub.types[sub.tpos++], &skip)) != TCVM_OK) {
            if (pt) tcvm_cval_clear(&payload);
            return st;
        }
    }
    st = tcvm_cval_case(t->kind, idx, pt ? &payload : NULL, out);
    if (st != TCVM_OK && pt) tcvm_cval_clear(&payload);
    return st;
}

static tcvm_status_t lift_flat(tcvm__cx_t *cx, flat_iter_t *it, const tcvm_ctype_t *t,
                               tcvm_cval_t *out)
{
    tcvm_val_t x, y;
    tcvm_status_t st;
    switch (t->kind) {
    case TCVM_CT_S64:
    case TCVM_CT_U64:
        if ((st = fi_next(cx, it, TCVM_I64, &x)) != TCVM_OK) return st;
        memset(out, 0, sizeof *out);
        out->kind = t->kind;
        out->of.s = x.of.i64;
        return TCVM_OK;
    case TCVM_CT_F32: {
        if ((st = fi_next(cx, it, TCVM_F32, &x)) != TCVM_OK) return st;
        float f;
        memcpy(&f, &x.of.f32_bits, 4);
        *out = tcvm_cval_f32(tcvm__canon_f32(f));
        return TCVM_OK;
    }
    case TCVM_CT_F64: {
        if ((st = fi_next(cx, it, TCVM_F64, &x)) != TCVM_OK) return st;
        double f;
        memcpy(&f, &x.of.f64_bits, 8);
        *out = tcvm_cval_f64(tcvm__canon_f64(f));
        return TCVM_OK;
    }
    case TCVM_CT_STRING:
    case TCVM_CT_LIST:
        if ((st = fi_next(cx, it, TCVM_I32, &x)) != TCVM_OK) return st;
        if ((st = fi_next(cx, it, TCVM_I32, &y)) != TCVM_OK) return st;
        if (t->kind == TCVM_CT_STRING)
            return load_string_range(cx, (uint32_t)x.of.i32, (uint32_t)y.of.i32, out);
        return load_list_range(cx, t->members[0].type, (uint32_t)x.of.i32, (uint32_t)y.of.i32, out);
    case TCVM_CT_RECORD:
    case TCVM_CT_TUPLE: {
        tcvm_cval_t r;
        if ((st = tcvm_cval_seq(t->kind, t->count, &r)) != TCVM_OK) return st;
        for (uint32_t i = 0; i < t->count; i++) {
            if ((st = lift_flat(cx, it, t->members[i].type, &r.of.seq.items[i])) != TCVM_OK) {
                tcvm_cval_clear(&r);
                return st;
            }
        }
        *out = r;
        return TCVM_OK;
    }
    case TCVM_CT_VARIANT:
    case TCVM_CT_ENUM:
    case TCVM_CT_OPTION:
    case TCVM_CT_RESULT:
        return lift_flat_variant(cx, it, t, out);
    default:
        break;
    }
    /* the i32 kinds */
    if ((st = fi_next(cx, it, TCVM_I32, &x)) != TCVM_OK) return st;
    uint32_t i = (uint32_t)x.of.i32;
    memset(out, 0, sizeof *out);
    out->kind = t->kind;
    switch (t->kind) {
    case TCVM_CT_BOOL:
        out->of.b = i != 0;
        return TCVM_OK;
    case TCVM_CT_U8:
        out->of.u = (uint8_t)i;
        return TCVM_OK;
    case TCVM_CT_U16:
        out->of.u = (uint16_t)i;
        return TCVM_OK;
    case TCVM_CT_U32:
        out->of.u = i;
        return TCVM_OK;
    case TCVM_CT_S8:
        out->of.s = (int8_t)i;
        return TCVM_OK;
    case TCVM_CT_S16:
        out->of.s = (int16_t)i;
        return TCVM_OK;
    case TCVM_CT_S32:
        out->of.s = (int32_t)i;
        return TCVM_OK;
    case TCVM_CT_CHAR:
        if (i >= 0x110000 || (i >= 0xD800 && i <= 0xDFFF))
            return tcvm__ctrap(cx->err, "0x%" PRIx32 " is not a valid char", i);
        out->of.ch = i;
        return TCVM_OK;
    case TCVM_CT_FLAGS:
        out->of.flags = t->count >= 32 ? i : i & ((1u << t->count) - 1);
        return TCVM_OK;
    case TCVM_CT_OWN:
    case TCVM_CT_BORROW:
        return lift_handle(cx, t, i, out);
    default:
        return tcvm__errorf(cx->err, TCVM_EINTERNAL, "unexpected type in lift");
    }
}

tcvm_status_t tcvm__cabi_lift_values(tcvm__cx_t *cx, const tcvm_ctype_t *const *types, size_t count,
                                     const tcvm_val_t *flat, size_t flat_count, size_t max_flat,
                                     tcvm_cval_t *out_vals)
{
    tcvm_status_t st;
    size_t n = tcvm__cabi_flat_count(types, count);
    for (size_t i = 0; i < count; i++)
        memset(&out_vals[i], 0, sizeof out_vals[i]);
    if (n > max_flat) {
        if (flat_count != 1 || flat[0].type != TCVM_I32)
            return tcvm__errorf(cx->err, TCVM_WASM_TYPE, "expected one i32 pointer to a tuple");
        uint32_t ptr = (uint32_t)flat[0].of.i32, al;
        uint64_t size;
        tuple_layout(types, count, &al, &size);
        if ((st = need_mem(cx)) != TCVM_OK) return st;
        if ((st = check_range(cx, ptr, size, al, "tuple")) != TCVM_OK) return st;
        uint64_t p = ptr;
        for (size_t i = 0; i < count; i++) {
            p = (p + types[i]->align - 1) / types[i]->align * types[i]->align;
            if ((st = tcvm__cabi_load(cx, types[i], (uint32_t)p, &out_vals[i])) != TCVM_OK) {
                tcvm_cval_clear_array(out_vals, i);
                return st;
            }
            p += types[i]->size;
        }
        return TCVM_OK;
    }
    if (flat_count != n)
        return tcvm__errorf(cx->err, TCVM_WASM_TYPE, "expected %zu flat values, got %zu", n,
                            flat_count);
    flat_iter_t it = {flat, flat_count, 0, NULL, NULL, 0, 0};
    for (size_t i = 0; i < count; i++) {
        if ((st = lift_flat(cx, &it, types[i], &out_vals[i])) != TCVM_OK) {
            tcvm_cval_clear_array(out_vals, i);
            return st;
        }
    }
    return TCVM_OK;
}

/* ---- flat lowering --------------------------------------------------------------------- */

typedef struct flat_out {
    tcvm_val_t *vals;
    size_t cap, n;
} flat_out_t;

static tcvm_status_t fo_push(tcvm__cx_t *cx, flat_out_t *o, tcvm_val_t v)
{
    if (o->n >= o->cap) return tcvm__errorf(cx->err, TCVM_EINVAL, "flat value buffer too small");
    o->vals[o->n++] = v;
    return TCVM_OK;
}

static tcvm_status_t lower_flat(tcvm__cx_t *cx, flat_out_t *o, const tcvm_ctype_t *t,
                                const tcvm_cval_t *v)
{
    tcvm_status_t st;
    if ((st = vkind(cx, t, v)) != TCVM_OK) return st;
    switch (t->kind) {
    case TCVM_CT_BOOL:
        return fo_push(cx, o, tcvm_val_i32(v->of.b ? 1 : 0));
    case TCVM_CT_U8:
    case TCVM_CT_U16:
    case TCVM_CT_U32:
    case TCVM_CT_S8:
    case TCVM_CT_S16:
    case TCVM_CT_S32:
        return fo_push(cx, o, tcvm_val_i32((int32_t)(uint32_t)v->of.u));
    case TCVM_CT_U64:
    case TCVM_CT_S64:
        return fo_push(cx, o, tcvm_val_i64(v->of.s));
    case TCVM_CT_F32: {
        float f = tcvm__canon_f32(v->of.f32);
        tcvm_val_t r = {.type = TCVM_F32};
        memcpy(&r.of.f32_bits, &f, 4);
        return fo_push(cx, o, r);
    }
    case TCVM_CT_F64: {
        double f = tcvm__canon_f64(v->of.f64);
        tcvm_val_t r = {.type = TCVM_F64};
        memcpy(&r.of.f64_bits, &f, 8);
        return fo_push(cx, o, r);
    }
    case TCVM_CT_CHAR:
        if (v->of.ch >= 0x110000 || (v->of.ch >= 0xD800 && v->of.ch <= 0xDFFF))
            return tcvm__errorf(cx->err, TCVM_WASM_TYPE, "char 0x%" PRIx32 " is not a scalar",
                                v->of.ch);
        return fo_push(cx, o, tcvm_val_i32((int32_t)v->of.ch));
    case TCVM_CT_FLAGS:
        return fo_push(cx, o, tcvm_val_i32((int32_t)v->of.flags));
    case TCVM_CT_OWN:
    case TCVM_CT_BORROW: {
        uint32_t h;
        if ((st = lower_handle(cx, t, v->of.handle, &h)) != TCVM_OK) return st;
        return fo_push(cx, o, tcvm_val_i32((int32_t)h));
    }
    case TCVM_CT_STRING: {
        uint32_t p, units;
        if (!tcvm__utf8_valid((const uint8_t *)v->of.str.data, v->of.str.size))
            return tcvm__errorf(cx->err, TCVM_WASM_TYPE, "string value is not valid UTF-8");
        if ((st = store_string_range(cx, v, &p, &units)) != TCVM_OK)
            return st;
        if ((st = fo_push(cx, o, tcvm_val_i32((int32_t)p))) != TCVM_OK) return st;
        return fo_push(cx, o, tcvm_val_i32((int32_t)units));
    }
    case TCVM_CT_LIST: {
        uint32_t p;
        if ((st = store_list_range(cx, t->members[0].type, v, &p)) != TCVM_OK) return st;
        if ((st = fo_push(cx, o, tcvm_val_i32((int32_t)p))) != TCVM_OK) return st;
        return fo_push(cx, o, tcvm_val_i32((int32_t)v->of.seq.count));
    }
    case TCVM_CT_RECORD:
    case TCVM_CT_TUPLE:
        if (v->of.seq.count != t->count)
            return tcvm__errorf(cx->err, TCVM_WASM_TYPE, "%s value has %zu fields, not %" PRIu32,
                                tcvm_ctype_kind_name(t->kind), v->of.seq.count, t->count);
        for (uint32_t i = 0; i < t->count; i++)
            if ((st = lower_flat(cx, o, t->members[i].type, &v->of.seq.items[i])) != TCVM_OK)
                return st;
        return TCVM_OK;
    default: {
        uint32_t idx = v->of.var.index;
        if (idx >= t->count || (t->members[idx].type == NULL) != (v->of.var.payload == NULL))
            return tcvm__errorf(cx->err, TCVM_WASM_TYPE, "bad case %" PRIu32 " for a %s", idx,
                                tcvm_ctype_kind_name(t->kind));
        tcvm_valtype_t ft[TCVM__C_MAX_FLAT_PARAMS + 2];
        size_t n = 0;
        tcvm__cabi_flatten(t, ft, TCVM__ARRAY_COUNT(ft), &n);
        if (n > TCVM__ARRAY_COUNT(ft))
            return tcvm__errorf(cx->err, TCVM_EINTERNAL, "variant too wide");
        if ((st = fo_push(cx, o, tcvm_val_i32((int32_t)idx))) != TCVM_OK) return st;
        size_t start = o->n;
        if (t->members[idx].type &&
            (st = lower_flat(cx, o, t->members[idx].type, v->of.var.payload)) != TCVM_OK)
            return st;
        /* coerce the payload's values to the joined types, then pad with zeros */
        for (size_t i = start; i < o->n; i++) {
            tcvm_valtype_t want = ft[1 + (i - start)];
            tcvm_val_t *x = &o->vals[i];
            if (x->type == want) continue;
            if (x->type == TCVM_F32 && want == TCVM_I32)
                *x = tcvm_val_i32((int32_t)x->of.f32_bits);
            else if (x->type == TCVM_I32 && want == TCVM_I64)
                *x = tcvm_val_i64((int64_t)(uint32_t)x->of.i32);
            else if (x->type == TCVM_F32 && want == TCVM_I64)
                *x = tcvm_val_i64((int64_t)x->of.f32_bits);
            else if (x->type == TCVM_F64 && want == TCVM_I64)
                *x = tcvm_val_i64((int64_t)x->of.f64_bits);
            else
                return tcvm__errorf(cx->err, TCVM_EINTERNAL, "bad variant coercion");
        }
        for (size_t i = o->n - start; i + 1 < n; i++) {
            tcvm_val_t z = {.type = ft[1 + i]};
            if ((st = fo_push(cx, o, z)) != TCVM_OK) return st;
        }
        return TCVM_OK;
    }
    }
}

tcvm_status_t tcvm__cabi_lower_values(tcvm__cx_t *cx, const tcvm_ctype_t *const *types,
                                      size_t count, const tcvm_cval_t *vals, size_t max_flat,
                                      const uint32_t *spill_ptr, tcvm_val_t *out_flat,
                                      size_t flat_cap, size_t *out_flat_count)
{
    tcvm_status_t st;
    size_t n = tcvm__cabi_flat_count(types, count);
    if (n > max_flat) {
        uint32_t al, ptr;
        uint64_t size;
        tuple_layout(types, count, &al, &size);
        size_t nflat = 0;
        if (spill_ptr) {
            ptr = *spill_ptr;
        } else {
            if (size > UINT32_MAX) return tcvm__ctrap(cx->err, "tuple too large");
            if ((st = do_realloc(cx, 0, 0, al, (uint32_t)size, &ptr)) != TCVM_OK) return st;
            if (flat_cap < 1) return tcvm__errorf(cx->err, TCVM_EINVAL, "flat buffer too small");
            out_flat[0] = tcvm_val_i32((int32_t)ptr);
            nflat = 1;
        }
        if ((st = need_mem(cx)) != TCVM_OK) return st;
        if ((st = check_range(cx, ptr, size, al, "tuple")) != TCVM_OK) return st;
        if ((st = store_fields(cx, types, count, vals, ptr)) != TCVM_OK) return st;
        *out_flat_count = nflat;
        return TCVM_OK;
    }
    flat_out_t o = {out_flat, flat_cap, 0};
    for (size_t i = 0; i < count; i++)
        if ((st = lower_flat(cx, &o, types[i], &vals[i])) != TCVM_OK) return st;
    *out_flat_count = o.n;
    return TCVM_OK;
}

/* ---- public entry points --------------------------------------------------------------- */

static void raw_cx(tcvm__cx_t *cx, tcvm_cabi_memory_t *mem, tcvm_error_t *err)
{
    memset(cx, 0, sizeof *cx);
    cx->mem = mem;
    cx->err = err;
    if (err) tcvm__error_clear(err);
}

tcvm_status_t tcvm_cabi_load(tcvm_cabi_memory_t *mem, const tcvm_ctype_t *type, uint32_t ptr,
                             tcvm_cval_t *out_val, tcvm_error_t *err)
{
    tcvm__cx_t cx;
    raw_cx(&cx, mem, err);
    return tcvm__cabi_load(&cx, type, ptr, out_val);
}

tcvm_status_t tcvm_cabi_store(tcvm_cabi_memory_t *mem, const tcvm_ctype_t *type,
                              const tcvm_cval_t *val, uint32_t ptr, tcvm_error_t *err)
{
    tcvm__cx_t cx;
    raw_cx(&cx, mem, err);
    return tcvm__cabi_store(&cx, type, val, ptr);
}

tcvm_status_t tcvm_cabi_lift_values(tcvm_cabi_memory_t *mem, const tcvm_ctype_t *const *types,
                                    size_t count, const tcvm_val_t *flat, size_t flat_count,
                                    size_t max_flat, tcvm_cval_t *out_vals, tcvm_error_t *err)
{
    tcvm__cx_t cx;
    raw_cx(&cx, mem, err);
    return tcvm__cabi_lift_values(&cx, types, count, flat, flat_count, max_flat, out_vals);
}

tcvm_status_t tcvm_cabi_lower_values(tcvm_cabi_memory_t *mem, const tcvm_ctype_t *const *types,
                                     size_t count, const tcvm_cval_t *vals, size_t max_flat,
                                     const uint32_t *spill_ptr, tcvm_val_t *out_flat,
                                     size_t flat_cap, size_t *out_flat_count, tcvm_error_t *err)
{
    tcvm__cx_t cx;
    raw_cx(&cx, mem, err);
    return tcvm__cabi_lower_values(&cx, types, count, vals, max_flat, spill_ptr, out_flat, flat_cap,
                                   out_flat_count);
}
