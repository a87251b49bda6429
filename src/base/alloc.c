/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The allocator every subsystem uses: libc malloc behind overflow checks and a per-allocation cap,
 * budgets for memory held on behalf of untrusted parties, a growable buffer, and (in
 * TCVM_FAULT_INJECTION builds only) per-thread allocation-failure injection for tests.
 */
#include "base/base.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#ifdef TCVM_FAULT_INJECTION
/* Per thread, so that tests running in parallel threads do not disturb each other. */
static _Thread_local unsigned long fault_countdown;
static _Thread_local unsigned long fault_count;

static bool fault_now(void)
{
    if (fault_countdown == 0)
        return false;
    if (--fault_countdown == 0) {
        fault_count++;
        fault_countdown = 1; /* keep failing until disarmed: callers must cope with repeats */
        return true;
    }
    return false;
}

bool tcvm__fault_inject_after(unsigned long n)
{
    fault_countdown = n;
    fault_count = 0;
    return true;
}

unsigned long tcvm__fault_injected(void)
{
    return fault_count;
}
#else
static bool fault_now(void)
{
    return false;
}

bool tcvm__fault_inject_after(unsigned long n)
{
    (void)n;
    return false;
}

unsigned long tcvm__fault_injected(void)
{
    return 0;
}
#endif

void *tcvm__malloc(size_t size)
{
    if (size > TCVM_MAX_ALLOC || fault_now())
        return NULL;
    return malloc(size ? size : 1);
}

void *tcvm__calloc(size_t count, size_t size)
{
    size_t total;
    if (!tcvm__size_mul(count, size, &total) || total > TCVM_MAX_ALLOC || fault_now())
        return NULL;
    return calloc(total ? total : 1, 1);
}

void *tcvm__realloc(void *ptr, size_t size)
{
    if (size > TCVM_MAX_ALLOC || fault_now())
        return NULL;
    return realloc(ptr, size ? size : 1);
}

void *tcvm__reallocarray(void *ptr, size_t count, size_t size)
{
    size_t total;
    if (!tcvm__size_mul(count, size, &total))
        return NULL;
    return tcvm__realloc(ptr, total);
}

void tcvm__free(void *ptr)
{
    free(ptr);
}

void *tcvm__memdup(const void *src, size_t size)
{
    void *p = tcvm__malloc(size);
    if (p != NULL && size > 0)
        memcpy(p, src, size);
    return p;
}

char *tcvm__strndup(const char *src, size_t size)
{
    size_t total;
    if (!tcvm__size_add(size, 1, &total))
        return NULL;
    char *p = tcvm__malloc(total);
    if (p == NULL)
        return NULL;
    if (size > 0)
        memcpy(p, src, size);
    p[size] = '\0';
    return p;
}

char *tcvm__strdup(const char *src)
{
    return tcvm__strndup(src, strlen(src));
}

bool tcvm__budget_charge(tcvm_budget_t *b, size_t size)
{
    size_t total;
    if (!tcvm__size_add(b->used, size, &total))
        return false;
    if (b->cap != 0 && total > b->cap)
        return false;
    b->used = total;
    return true;
}

void tcvm__budget_release(tcvm_budget_t *b, size_t size)
{
    b->used = size > b->used ? 0 : b->used - size;
}

tcvm_status_t tcvm__buf_reserve(tcvm_buf_t *b, size_t extra)
{
    size_t need;
    if (!tcvm__size_add(b->size, extra, &need))
        return TCVM_EOVERFLOW;
    if (need <= b->cap)
        return TCVM_OK;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need) {
        if (!tcvm__size_mul(cap, 2, &cap))
            return TCVM_EOVERFLOW;
    }
    uint8_t *p = tcvm__realloc(b->data, cap);
    if (p == NULL)
        return TCVM_ENOMEM;
    b->data = p;
    b->cap = cap;
    return TCVM_OK;
}

tcvm_status_t tcvm__buf_append(tcvm_buf_t *b, const void *data, size_t size)
{
    tcvm_status_t st = tcvm__buf_reserve(b, size);
    if (st != TCVM_OK)
        return st;
    if (size > 0)
        memcpy(b->data + b->size, data, size);
    b->size += size;
    return TCVM_OK;
}

tcvm_status_t tcvm__buf_printf(tcvm_buf_t *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return TCVM_EINVAL;
    tcvm_status_t st = tcvm__buf_reserve(b, (size_t)n + 1);
    if (st != TCVM_OK)
        return st;
    va_start(ap, fmt);
    vsnprintf((char *)b->data + b->size, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->size += (size_t)n;
    return TCVM_OK;
}

void tcvm__buf_free(tcvm_buf_t *b)
{
    if (b == NULL)
        return;
    tcvm__free(b->data);
    b->data = NULL;
    b->size = b->cap = 0;
}

void tcvm__buf_free_secret(tcvm_buf_t *b)
{
    if (b == NULL)
        return;
    if (b->data != NULL)
        tcvm__wipe(b->data, b->cap);
    tcvm__buf_free(b);
}
