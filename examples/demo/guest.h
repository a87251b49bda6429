/* SPDX-License-Identifier: Apache-2.0
 * What the demo's C guests share: built with clang --target=wasm32 and no C library, they write
 * the canonical ABI glue by hand. This header gives them memcpy/memset for the compiler, a bump
 * allocator behind cabi_realloc (each job instantiates a component once, so nothing needs to be
 * freed), and the tcvm:host imports (wit/tcvm-host.wit) with their core signatures.
 */
#ifndef TCVM_DEMO_GUEST_H
#define TCVM_DEMO_GUEST_H

#include <stddef.h>
#include <stdint.h>

#define EXPORT(name) __attribute__((export_name(name)))
#define IMPORT(mod, name) __attribute__((import_module(mod), import_name(name)))

void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);

void *memcpy(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    while (n--)
        *d++ = *s++;
    return dst;
}

void *memset(void *dst, int c, size_t n)
{
    unsigned char *d = dst;
    while (n--)
        *d++ = (unsigned char)c;
    return dst;
}

extern unsigned char __heap_base;
static uintptr_t heap_top;

/* Bump allocation; traps when linear memory cannot grow (the manifest's memory limit). */
static void *guest_alloc(size_t align, size_t size)
{
    if (!heap_top)
        heap_top = (uintptr_t)&__heap_base;
    uintptr_t p = (heap_top + (align - 1)) & ~(uintptr_t)(align - 1);
    uintptr_t end = p + size;
    if (end < p)
        __builtin_trap();
    uintptr_t have = __builtin_wasm_memory_size(0) * 65536u;
    if (end > have && __builtin_wasm_memory_grow(0, (end - have + 65535u) / 65536u) == (size_t)-1)
        __builtin_trap();
    heap_top = end;
    return (void *)p;
}

EXPORT("cabi_realloc") void *cabi_realloc(void *old, size_t old_size, size_t align,
                                          size_t new_size)
{
    void *p = guest_alloc(align, new_size);
    if (old && old_size)
        memcpy(p, old, old_size < new_size ? old_size : new_size);
    return p;
}

static size_t str_len(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

/* A list<T> or string as the canonical ABI lays it out: pointer, then length. */
typedef struct {
    void *ptr;
    uint32_t len;
} list_t;

/* tcvm:host/inputs */
IMPORT("tcvm:host/inputs@0.1.0", "size") uint64_t host_input_size(const char *id, uint32_t n);
IMPORT("tcvm:host/inputs@0.1.0", "read")
void host_input_read(const char *id, uint32_t n, uint64_t offset, uint32_t len, list_t *ret);
/* tcvm:host/outputs */
IMPORT("tcvm:host/outputs@0.1.0", "write")
void host_output_write(const char *id, uint32_t n, const void *data, uint32_t len);
/* tcvm:host/log */
IMPORT("tcvm:host/log@0.1.0", "log") void host_log(const char *msg, uint32_t n);

__attribute__((unused)) static void log_str(const char *s)
{
    host_log(s, (uint32_t)str_len(s));
}

/* Appends the decimal text of v at p; returns the end. */
__attribute__((unused)) static char *put_u64(char *p, uint64_t v)
{
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n)
        *p++ = tmp[--n];
    return p;
}

__attribute__((unused)) static char *put_str(char *p, const char *s)
{
    while (*s)
        *p++ = *s++;
    return p;
}

#endif
