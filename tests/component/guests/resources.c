/* SPDX-License-Identifier: Apache-2.0
 * Test component: a resource type exported from an interface, with the canonical built-ins the
 * runtime provides to the component that defines it: [resource-new] turns a representation (here
 * an index into a static array of counters) into an own handle in this instance's handle table,
 * [resource-rep] reads it back, [resource-drop] drops a handle and calls the [dtor] export.
 * demo(n) creates n counters, reads them back, drops every other one, creates two more (reusing
 * freed table slots) and returns the handle numbers and values it saw, so the handle-table
 * numbering of the runtime is part of the observable result. */
#include "cabi.h"

#define IFACE "tcvm:tests/counters"

IMPORT("[export]" IFACE, "[resource-new]counter") int32_t counter_new(int32_t rep);
IMPORT("[export]" IFACE, "[resource-rep]counter") int32_t counter_rep(int32_t handle);
IMPORT("[export]" IFACE, "[resource-drop]counter") void counter_drop(int32_t handle);

#define MAX_COUNTERS 1024
static uint32_t values[MAX_COUNTERS];
static uint32_t used;
static uint32_t dropped_count;

static uint32_t alloc_rep(uint32_t start) {
    if (used == MAX_COUNTERS) __builtin_trap();
    values[used] = start;
    return ++used; /* reps start at 1 */
}

EXPORT(IFACE "#[constructor]counter") int32_t ctor(uint32_t start) {
    return counter_new((int32_t)alloc_rep(start));
}

/* Methods receive a borrow of their own resource type: lowered as the rep itself. */
EXPORT(IFACE "#[method]counter.add") void add(uint32_t rep, uint32_t n) { values[rep - 1] += n; }
EXPORT(IFACE "#[method]counter.get") uint32_t get(uint32_t rep) { return values[rep - 1]; }

EXPORT(IFACE "#[dtor]counter") void dtor(uint32_t rep) {
    (void)rep;
    dropped_count++;
}

/* An own handle passed in: this instance now owns it; read the value and drop it. */
EXPORT(IFACE "#consume") uint32_t consume(int32_t handle) {
    uint32_t v = values[counter_rep(handle) - 1];
    counter_drop(handle);
    return v;
}

EXPORT(IFACE "#peek") uint32_t peek(uint32_t rep) { return values[rep - 1]; }

EXPORT(IFACE "#dropped") uint32_t dropped(void) { return dropped_count; }

EXPORT(IFACE "#demo") void *demo(uint32_t n) {
    if (n > 256) __builtin_trap();
    uint32_t *out = cabi_alloc(4, (size_t)(3 * n + 8) * 4);
    uint32_t count = 0;
    int32_t handles[256];
    for (uint32_t i = 0; i < n; i++) {
        handles[i] = counter_new((int32_t)alloc_rep(100 + i));
        out[count++] = (uint32_t)handles[i];
    }
    for (uint32_t i = 0; i < n; i++) out[count++] = values[counter_rep(handles[i]) - 1];
    for (uint32_t i = 0; i < n; i += 2) counter_drop(handles[i]);
    out[count++] = dropped_count;
    for (uint32_t k = 0; k < 2; k++) {
        int32_t h = counter_new((int32_t)alloc_rep(500 + k));
        out[count++] = (uint32_t)h;
        out[count++] = values[counter_rep(h) - 1];
        counter_drop(h);
    }
    for (uint32_t i = 1; i < n; i += 2) counter_drop(handles[i]);
    out[count++] = dropped_count;
    uint32_t *r = (uint32_t *)cabi_ret;
    r[0] = (uint32_t)(uintptr_t)out;
    r[1] = count;
    return r;
}
