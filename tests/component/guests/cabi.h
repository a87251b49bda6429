/* SPDX-License-Identifier: Apache-2.0
 * Guest-side support shared by the C test components under tests/component/guests/: they are
 * built with clang --target=wasm32 and no C library, so this header supplies what the hand-written
 * canonical ABI glue needs: export/import attributes, memcpy/memset for the compiler, and
 * cabi_realloc over a bump allocator that grows linear memory on demand (each test run is one
 * short-lived instance, so nothing is returned to the allocator; post-return functions only check
 * that they are called with the pointer the export returned). */
#ifndef TCVM_GUEST_CABI_H
#define TCVM_GUEST_CABI_H

#include <stddef.h>
#include <stdint.h>

#define EXPORT(name) __attribute__((export_name(name)))
#define IMPORT(mod, name) __attribute__((import_module(mod), import_name(name)))

extern unsigned char __heap_base;

void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
void *memmove(void *dst, const void *src, size_t n);

void *memcpy(void *dst, const void *src, size_t n) {
  unsigned char *d = dst;
  const unsigned char *s = src;
  while (n--) *d++ = *s++;
  return dst;
}

void *memmove(void *dst, const void *src, size_t n) {
  unsigned char *d = dst;
  const unsigned char *s = src;
  if (d < s) {
    while (n--) *d++ = *s++;
  } else {
    while (n--) d[n] = s[n];
  }
  return dst;
}

void *memset(void *dst, int c, size_t n) {
  unsigned char *d = dst;
  while (n--) *d++ = (unsigned char)c;
  return dst;
}

static uintptr_t cabi_heap_top;

/* Bump allocation with the requested alignment; traps (unreachable) when memory cannot grow. */
static void *cabi_alloc(size_t align, size_t size) {
  if (!cabi_heap_top) cabi_heap_top = (uintptr_t)&__heap_base;
  uintptr_t p = (cabi_heap_top + (align - 1)) & ~(uintptr_t)(align - 1);
  uintptr_t end = p + size;
  if (end < p) __builtin_trap();
  uintptr_t have = __builtin_wasm_memory_size(0) * 65536u;
  if (end > have) {
    size_t pages = (end - have + 65535u) / 65536u;
    if (__builtin_wasm_memory_grow(0, pages) == (size_t)-1) __builtin_trap();
  }
  cabi_heap_top = end;
  return (void *)p;
}

EXPORT("cabi_realloc")
void *cabi_realloc(void *old, size_t old_size, size_t align, size_t new_size);
void *cabi_realloc(void *old, size_t old_size, size_t align, size_t new_size) {
  if (new_size == 0) return (void *)align;
  void *p = cabi_alloc(align, new_size);
  if (old) memcpy(p, old, old_size < new_size ? old_size : new_size);
  return p;
}

/* The canonical ABI's return area: large enough and 8-aligned for every result in the corpus. */
static uint64_t cabi_ret[8];

#endif
