/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal foundation shared by every subsystem: overflow-checked allocation with a cap, a
 * bounded cursor over untrusted bytes with explicit little-endian and LEB128 readers,
 * constant-time comparison, secret wiping, hex, and the error-detail helpers.
 * Nothing here is public API.
 */
#ifndef TCVM_BASE_H
#define TCVM_BASE_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <string.h>

#include "tcvm/common.h"
#include "base/limits.h"

#ifndef TCVM_VERSION_STRING
#define TCVM_VERSION_STRING "0.0.0-dev"
#endif

#if defined(__GNUC__)
#define TCVM__PRINTF(a, b) __attribute__((format(printf, a, b)))
#define TCVM__LIKELY(x) __builtin_expect(!!(x), 1)
#define TCVM__UNLIKELY(x) __builtin_expect(!!(x), 0)
#define TCVM__UNUSED __attribute__((unused))
#else
#define TCVM__PRINTF(a, b)
#define TCVM__LIKELY(x) (x)
#define TCVM__UNLIKELY(x) (x)
#define TCVM__UNUSED
#endif

#define TCVM__ARRAY_COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ---- errors ---------------------------------------------------------------------------- */

/* Records status and a formatted message on err (if not NULL); returns status. */
tcvm_status_t tcvm__errorf(tcvm_error_t *err, tcvm_status_t status, const char *fmt, ...)
    TCVM__PRINTF(3, 4);
void tcvm__error_clear(tcvm_error_t *err);
void tcvm__error_copy(tcvm_error_t *dst, const tcvm_error_t *src);

/* ---- allocation ------------------------------------------------------------------------ */

/*
 * All library allocations go through these. Each refuses a request over TCVM_MAX_ALLOC or whose
 * size computation overflows, returning NULL (never aborting). A request of 0 bytes returns a
 * unique pointer. When the library is built with TCVM_FAULT_INJECTION, a test can make the N-th
 * allocation of the calling thread fail (tcvm__fault_inject_after).
 */
void *tcvm__malloc(size_t size);
void *tcvm__calloc(size_t count, size_t size);
void *tcvm__realloc(void *ptr, size_t size);
void *tcvm__reallocarray(void *ptr, size_t count, size_t size);
void tcvm__free(void *ptr);
void *tcvm__memdup(const void *src, size_t size);
char *tcvm__strndup(const char *src, size_t size);
char *tcvm__strdup(const char *src);

/* Arms fault injection: the n-th allocation from now (1 = the next) fails; 0 disarms.
 * Returns false when the library was built without TCVM_FAULT_INJECTION. */
bool tcvm__fault_inject_after(unsigned long n);
/* Number of allocations failed by injection since the last arming. */
unsigned long tcvm__fault_injected(void);

/* Overflow-checked arithmetic on sizes; false on overflow. */
static inline bool tcvm__size_add(size_t a, size_t b, size_t *out)
{
    return !__builtin_add_overflow(a, b, out);
}
static inline bool tcvm__size_mul(size_t a, size_t b, size_t *out)
{
    return !__builtin_mul_overflow(a, b, out);
}

/*
 * A memory budget: a running total of bytes charged against a cap. Objects that hold memory on
 * behalf of an untrusted party (a sandbox's linear memories and tables) charge it here, so one
 * party's limit is enforced across all its allocations.
 */
typedef struct tcvm_budget {
    size_t used;
    size_t cap; /* 0 = no cap beyond TCVM_MAX_ALLOC per allocation */
} tcvm_budget_t;

bool tcvm__budget_charge(tcvm_budget_t *b, size_t size);
void tcvm__budget_release(tcvm_budget_t *b, size_t size);

/* A growable byte buffer (for output built piece by piece). */
typedef struct tcvm_buf {
    uint8_t *data;
    size_t size;
    size_t cap;
} tcvm_buf_t;

tcvm_status_t tcvm__buf_reserve(tcvm_buf_t *b, size_t extra);
tcvm_status_t tcvm__buf_append(tcvm_buf_t *b, const void *data, size_t size);
tcvm_status_t tcvm__buf_printf(tcvm_buf_t *b, const char *fmt, ...) TCVM__PRINTF(2, 3);
void tcvm__buf_free(tcvm_buf_t *b);
/* Wipes the contents before freeing (for buffers that held secrets). */
void tcvm__buf_free_secret(tcvm_buf_t *b);

/* ---- secrets and comparisons ----------------------------------------------------------- */

/* Compares in time that depends only on size; true when equal. */
bool tcvm__ct_equal(const void *a, const void *b, size_t size);
/* Overwrites size bytes with zeros in a way the compiler may not remove. */
void tcvm__wipe(void *ptr, size_t size);

/* ---- hex ------------------------------------------------------------------------------- */

/* Writes 2*size lowercase hex digits and a NUL to out (out_size >= 2*size+1). */
void tcvm__hex_encode(const uint8_t *data, size_t size, char *out, size_t out_size);
/* Decodes exactly 2*out_size hex digits (either case); false on bad length or digit. */
bool tcvm__hex_decode(const char *hex, size_t hex_len, uint8_t *out, size_t out_size);

/* ---- files ----------------------------------------------------------------------------- */

/* Reads a whole file (up to max_size bytes) into a new buffer; err names the path. */
tcvm_status_t tcvm__read_file(const char *path, size_t max_size, uint8_t **out_data,
                              size_t *out_size, tcvm_error_t *err);

/* ---- bounded cursor -------------------------------------------------------------------- */

/*
 * A read cursor over untrusted bytes. Readers never go past size; on failure they return a
 * status and leave pos unchanged, so the caller can report the offset of the bad item.
 */
typedef struct tcvm_cursor {
    const uint8_t *data;
    size_t size;
    size_t pos;
} tcvm_cursor_t;

static inline tcvm_cursor_t tcvm__cursor(const uint8_t *data, size_t size)
{
    tcvm_cursor_t c = {data, size, 0};
    return c;
}
static inline size_t tcvm__cur_left(const tcvm_cursor_t *c)
{
    return c->size - c->pos;
}
static inline bool tcvm__cur_eof(const tcvm_cursor_t *c)
{
    return c->pos >= c->size;
}

static inline tcvm_status_t tcvm__cur_u8(tcvm_cursor_t *c, uint8_t *out)
{
    if (c->pos >= c->size)
        return TCVM_ETRUNC;
    *out = c->data[c->pos++];
    return TCVM_OK;
}

static inline uint16_t tcvm__le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (uint16_t)p[1] << 8);
}
static inline uint32_t tcvm__le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t tcvm__le64(const uint8_t *p)
{
    return (uint64_t)tcvm__le32(p) | (uint64_t)tcvm__le32(p + 4) << 32;
}
static inline void tcvm__put_le16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}
static inline void tcvm__put_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}
static inline void tcvm__put_le64(uint8_t *p, uint64_t v)
{
    tcvm__put_le32(p, (uint32_t)v);
    tcvm__put_le32(p + 4, (uint32_t)(v >> 32));
}

static inline tcvm_status_t tcvm__cur_u32le(tcvm_cursor_t *c, uint32_t *out)
{
    if (tcvm__cur_left(c) < 4)
        return TCVM_ETRUNC;
    *out = tcvm__le32(c->data + c->pos);
    c->pos += 4;
    return TCVM_OK;
}
static inline tcvm_status_t tcvm__cur_u64le(tcvm_cursor_t *c, uint64_t *out)
{
    if (tcvm__cur_left(c) < 8)
        return TCVM_ETRUNC;
    *out = tcvm__le64(c->data + c->pos);
    c->pos += 8;
    return TCVM_OK;
}
/* Borrows size bytes at the cursor. */
static inline tcvm_status_t tcvm__cur_bytes(tcvm_cursor_t *c, size_t size, const uint8_t **out)
{
    if (tcvm__cur_left(c) < size)
        return TCVM_ETRUNC;
    *out = c->data + c->pos;
    c->pos += size;
    return TCVM_OK;
}

/*
 * LEB128 readers for an N-bit integer. Errors: TCVM_ETRUNC (input ends inside the number),
 * TCVM_EFORMAT (more than ceil(N/7) bytes: "integer representation too long"),
 * TCVM_EOVERFLOW (unused bits of the last byte are not zero, or not the sign extension:
 * "integer too large").
 */
tcvm_status_t tcvm__cur_uleb(tcvm_cursor_t *c, unsigned bits, uint64_t *out);
tcvm_status_t tcvm__cur_sleb(tcvm_cursor_t *c, unsigned bits, int64_t *out);

static inline tcvm_status_t tcvm__cur_u32(tcvm_cursor_t *c, uint32_t *out)
{
    /* fast path: one byte */
    if (c->pos < c->size && c->data[c->pos] < 0x80) {
        *out = c->data[c->pos++];
        return TCVM_OK;
    }
    uint64_t v;
    tcvm_status_t st = tcvm__cur_uleb(c, 32, &v);
    if (st == TCVM_OK)
        *out = (uint32_t)v;
    return st;
}

/* Checks that bytes are valid UTF-8 (no overlongs, surrogates or values past U+10FFFF). */
bool tcvm__utf8_valid(const uint8_t *s, size_t size);

/* 64-bit FNV-1a of data, from seed (0xcbf29ce484222325 is the standard offset basis). */
static inline uint64_t tcvm__fnv1a(uint64_t seed, const void *data, size_t size)
{
    const uint8_t *p = data;
    for (size_t i = 0; i < size; i++)
        seed = (seed ^ p[i]) * 0x100000001b3ull;
    return seed;
}

/*
 * A set of keys with the index of the item each was made from, for uniqueness checks in linear
 * time (keyset.c). tcvm__keyset_add looks for an entry with the same key for which
 * same(ctx, index) holds; it returns that index in *found, or, when there is none, adds
 * (key, index) and sets *found to UINT32_MAX. Zero-initialized is empty.
 */
typedef struct tcvm_keyset {
    uint64_t *keys;
    uint32_t *idx; /* index + 1; 0: empty slot */
    uint32_t cap, n;
    uint64_t seed; /* random, chosen when the table is first made */
} tcvm__keyset_t;
tcvm_status_t tcvm__keyset_add(tcvm__keyset_t *set, uint64_t key, uint32_t index,
                               bool (*same)(const void *ctx, uint32_t index), const void *ctx,
                               uint32_t *found);
void tcvm__keyset_free(tcvm__keyset_t *set);

#endif
