/* SPDX-License-Identifier: Apache-2.0
 * Shared by the job-test components: memcpy/memset, a bump cabi_realloc, the tcvm:host imports
 * and the result<_, string> the entry returns. Built with clang --target=wasm32, no C library. */
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

EXPORT("cabi_realloc") void *cabi_realloc(void *old, size_t old_size, size_t align, size_t size)
{
    if (!heap_top)
        heap_top = (uintptr_t)&__heap_base;
    uintptr_t p = (heap_top + (align - 1)) & ~(uintptr_t)(align - 1);
    uintptr_t have = __builtin_wasm_memory_size(0) * 65536u;
    if (p + size > have && __builtin_wasm_memory_grow(0, (p + size - have + 65535u) / 65536u) ==
                               (size_t)-1)
        __builtin_trap();
    heap_top = p + size;
    if (old && old_size)
        memcpy((void *)p, old, old_size < size ? old_size : size);
    return (void *)p;
}

typedef struct {
    void *ptr;
    uint32_t len;
} list_t;

/* result<_, string>: tag at 0, string at 4 */
static struct {
    uint32_t tag;
    const char *ptr;
    uint32_t len;
} result;

__attribute__((unused)) static void *ok(void)
{
    result.tag = 0;
    return &result;
}
