/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The interpreter: one function whose handlers are reached by computed goto (direct threading).
 *
 * Registers of the loop: ip (current instruction), fp (frame base: slot 0 is the first local),
 * the current instance, its code array, globals and linear memory (base and size, reloaded
 * after anything that may change them: calls into other instances, memory.grow, host calls),
 * the call depth and the fuel counter. Nothing is allocated and nothing is decoded while running.
 *
 * Safety invariants enforced here:
 *  - every linear-memory access checks addr + offset + size <= memory size in 64-bit
 *    arithmetic, so no 32-bit wrap-around can reach outside the memory;
 *  - every table access checks the index against the table's current size;
 *  - every call checks the call depth and that the callee's whole frame fits in the value stack,
 *    so guest recursion ends in TCVM_TRAP_STACK_EXHAUSTED, never in a host stack overflow;
 *  - a trap unwinds by returning from this function: no longjmp, no host frame is skipped.
 */
#include "wasm/wasm_internal.h"
#include "wasm/ops.h"

#include <math.h>
#include <stdio.h>

static inline float f32_of(uint64_t s)
{
    uint32_t u = (uint32_t)s;
    float f;
    memcpy(&f, &u, 4);
    return f;
}
static inline uint64_t bits_f32(float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    return u;
}
static inline double f64_of(uint64_t s)
{
    double d;
    memcpy(&d, &s, 8);
    return d;
}
static inline uint64_t bits_f64(double d)
{
    uint64_t u;
    memcpy(&u, &d, 8);
    return u;
}

/* Rounding to an integral value: a NaN operand gives a quiet NaN (libm may pass a signalling
 * NaN through unchanged, which the specification does not allow). */
static inline uint64_t round32(uint64_t bits, float (*fn)(float))
{
    uint32_t b = (uint32_t)bits;
    if ((b & 0x7f800000u) == 0x7f800000u && (b & 0x007fffffu) != 0)
        return b | 0x00400000u;
    return bits_f32(fn(f32_of(b)));
}
static inline uint64_t round64(uint64_t b, double (*fn)(double))
{
    if ((b & 0x7ff0000000000000ull) == 0x7ff0000000000000ull && (b & 0x000fffffffffffffull) != 0)
        return b | 0x0008000000000000ull;
    return bits_f64(fn(f64_of(b)));
}

/* min/max: a NaN operand gives a NaN, and -0 is less than +0 */
static inline float fmin32(float a, float b)
{
    if (isnan(a) || isnan(b))
        return a + b;
    if (a == 0 && b == 0)
        return signbit(a) ? a : b;
    return a < b ? a : b;
}
static inline float fmax32(float a, float b)
{
    if (isnan(a) || isnan(b))
        return a + b;
    if (a == 0 && b == 0)
        return signbit(a) ? b : a;
    return a > b ? a : b;
}
static inline double fmin64(double a, double b)
{
    if (isnan(a) || isnan(b))
        return a + b;
    if (a == 0 && b == 0)
        return signbit(a) ? a : b;
    return a < b ? a : b;
}
static inline double fmax64(double a, double b)
{
    if (isnan(a) || isnan(b))
        return a + b;
    if (a == 0 && b == 0)
        return signbit(a) ? b : a;
    return a > b ? a : b;
}

/* saturating truncations */
static inline int32_t sat_i32_s(double x)
{
    if (isnan(x))
        return 0;
    if (x <= -2147483649.0)
        return INT32_MIN;
    if (x >= 2147483648.0)
        return INT32_MAX;
    return (int32_t)x;
}
static inline uint32_t sat_i32_u(double x)
{
    if (!(x > -1.0))
        return 0;
    if (x >= 4294967296.0)
        return UINT32_MAX;
    return (uint32_t)x;
}
static inline int64_t sat_i64_s(double x)
{
    if (isnan(x))
        return 0;
    if (x < -9223372036854775808.0)
        return INT64_MIN;
    if (x >= 9223372036854775808.0)
        return INT64_MAX;
    return (int64_t)x;
}
static inline uint64_t sat_i64_u(double x)
{
    if (!(x > -1.0))
        return 0;
    if (x >= 18446744073709551616.0)
        return UINT64_MAX;
    return (uint64_t)x;
}

/* Finds which function of the instance's module holds ip, for trap messages. */
static long func_of_ip(const tcvm_instance_t *inst, const tcvm_cell_t *ip)
{
    if (inst == NULL || ip == NULL)
        return -1;
    const tcvm_module_t *m = inst->module;
    for (uint32_t i = 0; i < m->func_count - m->func_import_count; i++) {
        const wcode_t *c = &m->codes[i];
        if (ip >= c->cells && ip < c->cells + c->cell_count)
            return (long)(i + m->func_import_count);
    }
    return -1;
}

static tcvm_status_t run(tcvm_store_t *S, tcvm_func_t *entry, uint64_t *fp,
                         const void *const **labels_out)
{
    static const void *const labels[OP__COUNT] = {
#define TCVM__OP_LABEL(name) &&L_##name,
        TCVM_OPS(TCVM__OP_LABEL)
#undef TCVM__OP_LABEL
    };
    if (labels_out != NULL) {
        *labels_out = labels;
        return TCVM_OK;
    }

    tcvm_instance_t *inst = entry->instance;
    const wcode_t *codes = inst->module->codes;
    uint64_t **globals = inst->globals;
    uint8_t *mem = NULL;
    uint64_t memsz = 0;
    tcvm_frame_t *frames = S->frames;
    const uint32_t base_depth = S->frame_depth;
    const uint32_t max_depth = S->limits.max_call_depth;
    uint32_t depth = base_depth;
    uint64_t *const stack_end = S->stack_end;
    int64_t fuel = S->fuel;
    tcvm_status_t st = TCVM_OK;
    const tcvm_cell_t *ip = NULL;
    tcvm_func_t *callee;
    uint64_t *base;
    const tcvm_cell_t *ret_ip;

#define LOAD_INSTANCE()                                                                            \
    do {                                                                                           \
        codes = inst->module->codes;                                                               \
        globals = inst->globals;                                                                   \
        tcvm_memory_t *m0_ = inst->memory0;                                                        \
        mem = m0_ != NULL ? m0_->rt.data : NULL;                                                      \
        memsz = m0_ != NULL ? m0_->size : 0;                                                       \
    } while (0)
#define DISPATCH() goto *ip->op
#define NEXT(n)                                                                                    \
    do {                                                                                           \
        ip += (n);                                                                                 \
        goto *ip->op;                                                                              \
    } while (0)
#define TRAP(code)                                                                                 \
    do {                                                                                           \
        st = (code);                                                                               \
        goto trap;                                                                                 \
    } while (0)
#define O ip[1]
#define D fp[O.s.a]
#define A fp[O.s.b]
#define B fp[O.s.c]
#define IMM O.sx.x

    LOAD_INSTANCE();
    {
        const wcode_t *code = entry->code;
        if (fp + code->frame_slots > stack_end || depth >= max_depth)
            TRAP(TCVM_TRAP_STACK_EXHAUSTED);
        memset(fp + code->param_slots, 0, (code->local_slots - code->param_slots) * 8);
        ip = code->cells;
    }
    DISPATCH();

    /* ---- control ---- */
L_unreachable:
    TRAP(TCVM_TRAP_UNREACHABLE);
L_fuel:
    fuel -= (int64_t)IMM;
    if (TCVM__UNLIKELY(fuel < 0)) {
        fuel = 0;
        TRAP(TCVM_TRAP_OUT_OF_FUEL);
    }
    if (TCVM__UNLIKELY(atomic_load_explicit(&S->interrupt, memory_order_relaxed) != 0)) {
        fuel += (int64_t)IMM;
        TRAP(TCVM_TRAP_INTERRUPTED);
    }
    NEXT(2);
L_br:
    ip += (int32_t)IMM;
    DISPATCH();
L_br_if:
    if ((uint32_t)fp[O.sx.a] != 0) {
        ip += (int32_t)IMM;
        DISPATCH();
    }
    NEXT(2);
L_br_unless:
    if ((uint32_t)fp[O.sx.a] == 0) {
        ip += (int32_t)IMM;
        DISPATCH();
    }
    NEXT(2);
L_br_table: {
    uint32_t i = (uint32_t)fp[O.sx.a];
    uint32_t n = O.sx.x;
    if (i > n)
        i = n;
    const tcvm_cell_t *e = &ip[2 + i / 2];
    ip += (int32_t)((i & 1) ? e->w.hi : e->w.lo);
    DISPATCH();
}

#define CMP_BR(name, T, op)                                                                        \
    L_br_if_##name:                                                                                \
    if ((T)fp[O.s.a] op(T) fp[O.s.b]) {                                                            \
        ip += (int32_t)IMM;                                                                        \
        DISPATCH();                                                                                \
    }                                                                                              \
    NEXT(2);                                                                                       \
    L_br_unless_##name:                                                                            \
    if (!((T)fp[O.s.a] op(T) fp[O.s.b])) {                                                         \
        ip += (int32_t)IMM;                                                                        \
        DISPATCH();                                                                                \
    }                                                                                              \
    NEXT(2);                                                                                       \
    L_br_if_##name##_imm:                                                                          \
    if ((T)fp[O.sx.a] op(T) IMM) {                                                                 \
        ip += (int32_t)ip[2].w.lo;                                                                 \
        DISPATCH();                                                                                \
    }                                                                                              \
    NEXT(3);                                                                                       \
    L_br_unless_##name##_imm:                                                                      \
    if (!((T)fp[O.sx.a] op(T) IMM)) {                                                              \
        ip += (int32_t)ip[2].w.lo;                                                                 \
        DISPATCH();                                                                                \
    }                                                                                              \
    NEXT(3);

    CMP_BR(eq, uint32_t, ==)
    CMP_BR(ne, uint32_t, !=)
    CMP_BR(lt_s, int32_t, <)
    CMP_BR(lt_u, uint32_t, <)
    CMP_BR(gt_s, int32_t, >)
    CMP_BR(gt_u, uint32_t, >)
    CMP_BR(le_s, int32_t, <=)
    CMP_BR(le_u, uint32_t, <=)
    CMP_BR(ge_s, int32_t, >=)
    CMP_BR(ge_u, uint32_t, >=)
#undef CMP_BR

L_return:
    for (uint32_t i = 0, n = O.s.a, from = O.s.b; i < n; i++)
        fp[i] = fp[from + i];
    goto do_return;
L_return1:
    fp[0] = fp[O.s.a];
    goto do_return;
L_return0:
do_return:
    if (depth == base_depth)
        goto done;
    depth--;
    ip = frames[depth].ip;
    fp = frames[depth].fp;
    if (frames[depth].instance != inst) {
        inst = frames[depth].instance;
        LOAD_INSTANCE();
    }
    DISPATCH();

    /* ---- calls ---- */
L_call: {
    const wcode_t *cd = &codes[O.sx.x];
    uint64_t *nfp = fp + O.sx.a;
    if (TCVM__UNLIKELY(nfp + cd->frame_slots > stack_end || depth >= max_depth))
        TRAP(TCVM_TRAP_STACK_EXHAUSTED);
    frames[depth].ip = ip + 2;
    frames[depth].fp = fp;
    frames[depth].instance = inst;
    depth++;
    for (uint32_t i = cd->param_slots; i < cd->local_slots; i++)
        nfp[i] = 0;
    fp = nfp;
    ip = cd->cells;
    DISPATCH();
}
L_call_func:
    callee = inst->funcs[O.sx.x];
    base = fp + O.sx.a;
    ret_ip = ip + 2;
    goto call_any;
L_call_indirect: {
    tcvm_table_t *t = inst->tables[ip[2].w.lo];
    uint32_t i = (uint32_t)fp[O.sx.b];
    if (TCVM__UNLIKELY(i >= t->rt.size))
        TRAP(TCVM_TRAP_TABLE_OOB);
    callee = (tcvm_func_t *)(uintptr_t)TCVM__TABLE_ELEMS(t)[i];
    if (TCVM__UNLIKELY(callee == NULL))
        TRAP(TCVM_TRAP_INDIRECT_NULL);
    if (TCVM__UNLIKELY(callee->type_id != inst->type_ids[O.sx.x]))
        TRAP(TCVM_TRAP_INDIRECT_TYPE);
    base = fp + O.sx.a;
    ret_ip = ip + 3;
    goto call_any;
}
call_any:
    if (callee->kind == FUNC_HOST) {
        uint32_t np = callee->type->param_count, nr = callee->type->result_count;
        if (TCVM__UNLIKELY(base + (np > nr ? np : nr) + 1 > stack_end || depth >= max_depth))
            TRAP(TCVM_TRAP_STACK_EXHAUSTED);
        /* nested entries from the host start above the arguments: everything the caller still
         * needs lies below them */
        S->sp = base + (np > nr ? np : nr);
        S->frame_depth = depth;
        S->fuel = fuel;
        st = tcvm__host_call(S, callee, inst, base);
        fuel = S->fuel;
        LOAD_INSTANCE();
        if (st != TCVM_OK)
            goto trap_detail_set;
        ip = ret_ip;
        DISPATCH();
    } else {
        const wcode_t *cd = callee->code;
        if (TCVM__UNLIKELY(base + cd->frame_slots > stack_end || depth >= max_depth))
            TRAP(TCVM_TRAP_STACK_EXHAUSTED);
        frames[depth].ip = ret_ip;
        frames[depth].fp = fp;
        frames[depth].instance = inst;
        depth++;
        for (uint32_t i = cd->param_slots; i < cd->local_slots; i++)
            base[i] = 0;
        fp = base;
        if (callee->instance != inst) {
            inst = callee->instance;
            LOAD_INSTANCE();
        }
        ip = cd->cells;
        DISPATCH();
    }

    /* ---- data movement ---- */
L_copy:
    D = A;
    NEXT(2);
L_const32:
    fp[O.sx.a] = IMM;
    NEXT(2);
L_const64:
    fp[O.s.a] = ip[2].u64;
    NEXT(3);
L_select:
    D = (uint32_t)fp[O.s.d] ? A : B;
    NEXT(2);
L_global_get:
    fp[O.sx.a] = *globals[IMM];
    NEXT(2);
L_global_set:
    *globals[IMM] = fp[O.sx.a];
    NEXT(2);

    /* ---- memory ---- */
#define EA(size)                                                                                   \
    uint64_t ea = (uint64_t)(uint32_t)fp[O.sx.b] + IMM;                                            \
    if (TCVM__UNLIKELY(ea + (size) > memsz))                                                       \
        TRAP(TCVM_TRAP_MEMORY_OOB);
#define LOAD(name, size, T, conv)                                                                  \
    L_##name: {                                                                                    \
        EA(size);                                                                                  \
        T v_;                                                                                      \
        memcpy(&v_, mem + ea, size);                                                               \
        fp[O.sx.a] = conv;                                                                         \
        NEXT(2);                                                                                   \
    }
    LOAD(load32, 4, uint32_t, v_)
    LOAD(load64, 8, uint64_t, v_)
    LOAD(load8_u, 1, uint8_t, v_)
    LOAD(load16_u, 2, uint16_t, v_)
    LOAD(i32_load8_s, 1, int8_t, (uint32_t)(int32_t)v_)
    LOAD(i32_load16_s, 2, int16_t, (uint32_t)(int32_t)v_)
    LOAD(i64_load8_s, 1, int8_t, (uint64_t)(int64_t)v_)
    LOAD(i64_load16_s, 2, int16_t, (uint64_t)(int64_t)v_)
    LOAD(i64_load32_s, 4, int32_t, (uint64_t)(int64_t)v_)
#undef LOAD
#define STORE(name, size, T)                                                                       \
    L_##name: {                                                                                    \
        uint64_t ea = (uint64_t)(uint32_t)fp[O.sx.a] + IMM;                                        \
        if (TCVM__UNLIKELY(ea + (size) > memsz))                                                   \
            TRAP(TCVM_TRAP_MEMORY_OOB);                                                            \
        T v_ = (T)fp[O.sx.b];                                                                      \
        memcpy(mem + ea, &v_, size);                                                               \
        NEXT(2);                                                                                   \
    }
    STORE(store8, 1, uint8_t)
    STORE(store16, 2, uint16_t)
    STORE(store32, 4, uint32_t)
    STORE(store64, 8, uint64_t)
#undef STORE
#undef EA

L_memory_size:
    D = inst->memory0->rt.pages;
    NEXT(2);
L_memory_grow: {
    uint32_t old;
    if (tcvm__memory_grow(inst->memory0, (uint32_t)A, &old) == TCVM_OK)
        D = old;
    else
        D = UINT32_MAX;
    LOAD_INSTANCE();
    NEXT(2);
}
L_memory_fill: {
    uint64_t d = (uint32_t)fp[O.s.a], n = (uint32_t)fp[O.s.c];
    if (TCVM__UNLIKELY(d + n > memsz))
        TRAP(TCVM_TRAP_MEMORY_OOB);
    memset(mem + d, (uint8_t)fp[O.s.b], n);
    NEXT(2);
}
L_memory_copy: {
    uint64_t d = (uint32_t)fp[O.s.a], s = (uint32_t)fp[O.s.b], n = (uint32_t)fp[O.s.c];
    if (TCVM__UNLIKELY(d + n > memsz || s + n > memsz))
        TRAP(TCVM_TRAP_MEMORY_OOB);
    memmove(mem + d, mem + s, n);
    NEXT(2);
}
L_memory_init: {
    const wdata_rt_t *seg = &inst->datas[ip[2].w.lo];
    uint64_t d = (uint32_t)fp[O.s.a], s = (uint32_t)fp[O.s.b], n = (uint32_t)fp[O.s.c];
    if (TCVM__UNLIKELY(s + n > seg->size || d + n > memsz))
        TRAP(TCVM_TRAP_MEMORY_OOB);
    if (n > 0)
        memcpy(mem + d, seg->bytes + s, n);
    NEXT(3);
}
L_data_drop:
    inst->datas[IMM].size = 0;
    NEXT(2);

    /* ---- tables ---- */
L_table_get: {
    const tcvm_table_t *t = inst->tables[IMM];
    uint32_t i = (uint32_t)fp[O.sx.b];
    if (TCVM__UNLIKELY(i >= t->rt.size))
        TRAP(TCVM_TRAP_TABLE_OOB);
    fp[O.sx.a] = TCVM__TABLE_ELEMS(t)[i];
    NEXT(2);
}
L_table_set: {
    tcvm_table_t *t = inst->tables[IMM];
    uint32_t i = (uint32_t)fp[O.sx.a];
    if (TCVM__UNLIKELY(i >= t->rt.size))
        TRAP(TCVM_TRAP_TABLE_OOB);
    TCVM__TABLE_ELEMS(t)[i] = fp[O.sx.b];
    NEXT(2);
}
L_table_size:
    fp[O.sx.a] = inst->tables[IMM]->rt.size;
    NEXT(2);
L_table_grow: {
    uint32_t old;
    if (tcvm__table_grow(inst->tables[ip[2].w.lo], (uint32_t)B, A, &old) == TCVM_OK)
        D = old;
    else
        D = UINT32_MAX;
    NEXT(3);
}
L_table_fill: {
    tcvm_table_t *t = inst->tables[ip[2].w.lo];
    uint64_t i = (uint32_t)fp[O.s.a], n = (uint32_t)fp[O.s.c];
    if (TCVM__UNLIKELY(i + n > t->rt.size))
        TRAP(TCVM_TRAP_TABLE_OOB);
    for (uint64_t k = 0; k < n; k++)
        TCVM__TABLE_ELEMS(t)[i + k] = fp[O.s.b];
    NEXT(3);
}
L_table_copy: {
    tcvm_table_t *td = inst->tables[ip[2].w.lo], *ts = inst->tables[ip[2].w.hi];
    uint64_t d = (uint32_t)fp[O.s.a], s = (uint32_t)fp[O.s.b], n = (uint32_t)fp[O.s.c];
    if (TCVM__UNLIKELY(d + n > td->rt.size || s + n > ts->rt.size))
        TRAP(TCVM_TRAP_TABLE_OOB);
    if (n > 0)
        memmove(TCVM__TABLE_ELEMS(td) + d, TCVM__TABLE_ELEMS(ts) + s, n * sizeof *TCVM__TABLE_ELEMS(td));
    NEXT(3);
}
L_table_init: {
    tcvm_table_t *t = inst->tables[ip[2].w.lo];
    const welem_rt_t *seg = &inst->elems[ip[2].w.hi];
    uint64_t d = (uint32_t)fp[O.s.a], s = (uint32_t)fp[O.s.b], n = (uint32_t)fp[O.s.c];
    if (TCVM__UNLIKELY(s + n > seg->count || d + n > t->rt.size))
        TRAP(TCVM_TRAP_TABLE_OOB);
    if (n > 0)
        memcpy(TCVM__TABLE_ELEMS(t) + d, seg->refs + s, n * sizeof *TCVM__TABLE_ELEMS(t));
    NEXT(3);
}
L_elem_drop:
    inst->elems[IMM].count = 0;
    NEXT(2);
L_ref_func:
    fp[O.sx.a] = (uint64_t)(uintptr_t)inst->funcs[IMM];
    NEXT(2);

    /* ---- numeric ---- */
#define U32(x) ((uint32_t)(x))
#define S32(x) ((int32_t)(uint32_t)(x))
#define U64(x) ((uint64_t)(x))
#define S64(x) ((int64_t)(uint64_t)(x))
#define UN(name, expr)                                                                             \
    L_##name : {                                                                                   \
        uint64_t a = A;                                                                            \
        D = (expr);                                                                                \
        NEXT(2);                                                                                   \
    }
#define BIN(name, expr)                                                                            \
    L_##name : {                                                                                   \
        uint64_t a = A, b = B;                                                                     \
        D = (expr);                                                                                \
        NEXT(2);                                                                                   \
    }
#define BIN_IMM32(name, expr)                                                                      \
    L_##name : {                                                                                   \
        uint32_t a = U32(fp[O.sx.b]), b = IMM;                                                     \
        fp[O.sx.a] = U32(expr);                                                                    \
        NEXT(2);                                                                                   \
    }
#define BIN_IMM64(name, expr)                                                                      \
    L_##name : {                                                                                   \
        uint64_t a = fp[O.sx.b], b = (uint64_t)(int64_t)(int32_t)IMM;                              \
        fp[O.sx.a] = (expr);                                                                       \
        NEXT(2);                                                                                   \
    }

    UN(i32_eqz, U32(a) == 0)
    BIN(i32_eq, U32(a) == U32(b))
    BIN(i32_ne, U32(a) != U32(b))
    BIN(i32_lt_s, S32(a) < S32(b))
    BIN(i32_lt_u, U32(a) < U32(b))
    BIN(i32_gt_s, S32(a) > S32(b))
    BIN(i32_gt_u, U32(a) > U32(b))
    BIN(i32_le_s, S32(a) <= S32(b))
    BIN(i32_le_u, U32(a) <= U32(b))
    BIN(i32_ge_s, S32(a) >= S32(b))
    BIN(i32_ge_u, U32(a) >= U32(b))
    UN(i64_eqz, a == 0)
    BIN(i64_eq, a == b)
    BIN(i64_ne, a != b)
    BIN(i64_lt_s, S64(a) < S64(b))
    BIN(i64_lt_u, a < b)
    BIN(i64_gt_s, S64(a) > S64(b))
    BIN(i64_gt_u, a > b)
    BIN(i64_le_s, S64(a) <= S64(b))
    BIN(i64_le_u, a <= b)
    BIN(i64_ge_s, S64(a) >= S64(b))
    BIN(i64_ge_u, a >= b)
    BIN(f32_eq, f32_of(a) == f32_of(b))
    BIN(f32_ne, f32_of(a) != f32_of(b))
    BIN(f32_lt, f32_of(a) < f32_of(b))
    BIN(f32_gt, f32_of(a) > f32_of(b))
    BIN(f32_le, f32_of(a) <= f32_of(b))
    BIN(f32_ge, f32_of(a) >= f32_of(b))
    BIN(f64_eq, f64_of(a) == f64_of(b))
    BIN(f64_ne, f64_of(a) != f64_of(b))
    BIN(f64_lt, f64_of(a) < f64_of(b))
    BIN(f64_gt, f64_of(a) > f64_of(b))
    BIN(f64_le, f64_of(a) <= f64_of(b))
    BIN(f64_ge, f64_of(a) >= f64_of(b))

    UN(i32_clz, U32(a) == 0 ? 32u : (uint32_t)__builtin_clz(U32(a)))
    UN(i32_ctz, U32(a) == 0 ? 32u : (uint32_t)__builtin_ctz(U32(a)))
    UN(i32_popcnt, (uint32_t)__builtin_popcount(U32(a)))
    BIN(i32_add, U32(U32(a) + U32(b)))
    BIN(i32_sub, U32(U32(a) - U32(b)))
    BIN(i32_mul, U32(U32(a) * U32(b)))
L_i32_div_s: {
    int32_t a = S32(A), b = S32(B);
    if (TCVM__UNLIKELY(b == 0))
        TRAP(TCVM_TRAP_DIV_ZERO);
    if (TCVM__UNLIKELY(a == INT32_MIN && b == -1))
        TRAP(TCVM_TRAP_INT_OVERFLOW);
    D = U32(a / b);
    NEXT(2);
}
L_i32_div_u: {
    uint32_t a = U32(A), b = U32(B);
    if (TCVM__UNLIKELY(b == 0))
        TRAP(TCVM_TRAP_DIV_ZERO);
    D = a / b;
    NEXT(2);
}
L_i32_rem_s: {
    int32_t a = S32(A), b = S32(B);
    if (TCVM__UNLIKELY(b == 0))
        TRAP(TCVM_TRAP_DIV_ZERO);
    D = b == -1 ? 0 : U32(a % b);
    NEXT(2);
}
L_i32_rem_u: {
    uint32_t a = U32(A), b = U32(B);
    if (TCVM__UNLIKELY(b == 0))
        TRAP(TCVM_TRAP_DIV_ZERO);
    D = a % b;
    NEXT(2);
}
    BIN(i32_and, U32(a) & U32(b))
    BIN(i32_or, U32(a) | U32(b))
    BIN(i32_xor, U32(a) ^ U32(b))
    BIN(i32_shl, U32(U32(a) << (b & 31)))
    BIN(i32_shr_s, U32(S32(a) >> (b & 31)))
    BIN(i32_shr_u, U32(a) >> (b & 31))
    BIN(i32_rotl, U32((U32(a) << (b & 31)) | (U32(a) >> ((32 - b) & 31))))
    BIN(i32_rotr, U32((U32(a) >> (b & 31)) | (U32(a) << ((32 - b) & 31))))

    UN(i64_clz, a == 0 ? 64u : (uint64_t)__builtin_clzll(a))
    UN(i64_ctz, a == 0 ? 64u : (uint64_t)__builtin_ctzll(a))
    UN(i64_popcnt, (uint64_t)__builtin_popcountll(a))
    BIN(i64_add, a + b)
    BIN(i64_sub, a - b)
    BIN(i64_mul, a * b)
L_i64_div_s: {
    int64_t a = S64(A), b = S64(B);
    if (TCVM__UNLIKELY(b == 0))
        TRAP(TCVM_TRAP_DIV_ZERO);
    if (TCVM__UNLIKELY(a == INT64_MIN && b == -1))
        TRAP(TCVM_TRAP_INT_OVERFLOW);
    D = U64(a / b);
    NEXT(2);
}
L_i64_div_u: {
    uint64_t a = A, b = B;
    if (TCVM__UNLIKELY(b == 0))
        TRAP(TCVM_TRAP_DIV_ZERO);
    D = a / b;
    NEXT(2);
}
L_i64_rem_s: {
    int64_t a = S64(A), b = S64(B);
    if (TCVM__UNLIKELY(b == 0))
        TRAP(TCVM_TRAP_DIV_ZERO);
    D = b == -1 ? 0 : U64(a % b);
    NEXT(2);
}
L_i64_rem_u: {
    uint64_t a = A, b = B;
    if (TCVM__UNLIKELY(b == 0))
        TRAP(TCVM_TRAP_DIV_ZERO);
    D = a % b;
    NEXT(2);
}
    BIN(i64_and, a & b)
    BIN(i64_or, a | b)
    BIN(i64_xor, a ^ b)
    BIN(i64_shl, a << (b & 63))
    BIN(i64_shr_s, U64(S64(a) >> (b & 63)))
    BIN(i64_shr_u, a >> (b & 63))
    BIN(i64_rotl, (a << (b & 63)) | (a >> ((64 - b) & 63)))
    BIN(i64_rotr, (a >> (b & 63)) | (a << ((64 - b) & 63)))

    UN(f32_abs, U32(a) & 0x7fffffffu)
    UN(f32_neg, U32(a) ^ 0x80000000u)
    UN(f32_ceil, round32(a, ceilf))
    UN(f32_floor, round32(a, floorf))
    UN(f32_trunc, round32(a, truncf))
    UN(f32_nearest, round32(a, nearbyintf))
    UN(f32_sqrt, bits_f32(sqrtf(f32_of(a))))
    BIN(f32_add, bits_f32(f32_of(a) + f32_of(b)))
    BIN(f32_sub, bits_f32(f32_of(a) - f32_of(b)))
    BIN(f32_mul, bits_f32(f32_of(a) * f32_of(b)))
    BIN(f32_div, bits_f32(f32_of(a) / f32_of(b)))
    BIN(f32_min, bits_f32(fmin32(f32_of(a), f32_of(b))))
    BIN(f32_max, bits_f32(fmax32(f32_of(a), f32_of(b))))
    BIN(f32_copysign, (U32(a) & 0x7fffffffu) | (U32(b) & 0x80000000u))
    UN(f64_abs, a & 0x7fffffffffffffffull)
    UN(f64_neg, a ^ 0x8000000000000000ull)
    UN(f64_ceil, round64(a, ceil))
    UN(f64_floor, round64(a, floor))
    UN(f64_trunc, round64(a, trunc))
    UN(f64_nearest, round64(a, nearbyint))
    UN(f64_sqrt, bits_f64(sqrt(f64_of(a))))
    BIN(f64_add, bits_f64(f64_of(a) + f64_of(b)))
    BIN(f64_sub, bits_f64(f64_of(a) - f64_of(b)))
    BIN(f64_mul, bits_f64(f64_of(a) * f64_of(b)))
    BIN(f64_div, bits_f64(f64_of(a) / f64_of(b)))
    BIN(f64_min, bits_f64(fmin64(f64_of(a), f64_of(b))))
    BIN(f64_max, bits_f64(fmax64(f64_of(a), f64_of(b))))
    BIN(f64_copysign, (a & 0x7fffffffffffffffull) | (b & 0x8000000000000000ull))

    UN(i32_wrap_i64, U32(a))
#define TRUNC(name, F, lo_ok, hi_ok, T, conv)                                                      \
    L_##name : {                                                                                   \
        F x = F##_of(A);                                                                           \
        if (TCVM__UNLIKELY(isnan(x)))                                                              \
            TRAP(TCVM_TRAP_BAD_CONVERSION);                                                        \
        if (TCVM__UNLIKELY(!(lo_ok) || !(hi_ok)))                                                  \
            TRAP(TCVM_TRAP_INT_OVERFLOW);                                                          \
        D = conv((T)x);                                                                            \
        NEXT(2);                                                                                   \
    }
#define float_of f32_of
#define double_of f64_of
    TRUNC(i32_trunc_f32_s, float, x >= -2147483648.0f, x < 2147483648.0f, int32_t, U32)
    TRUNC(i32_trunc_f32_u, float, x > -1.0f, x < 4294967296.0f, uint32_t, U32)
    TRUNC(i32_trunc_f64_s, double, x > -2147483649.0, x < 2147483648.0, int32_t, U32)
    TRUNC(i32_trunc_f64_u, double, x > -1.0, x < 4294967296.0, uint32_t, U32)
    TRUNC(i64_trunc_f32_s, float, x >= -9223372036854775808.0f, x < 9223372036854775808.0f,
          int64_t, U64)
    TRUNC(i64_trunc_f32_u, float, x > -1.0f, x < 18446744073709551616.0f, uint64_t, U64)
    TRUNC(i64_trunc_f64_s, double, x >= -9223372036854775808.0, x < 9223372036854775808.0,
          int64_t, U64)
    TRUNC(i64_trunc_f64_u, double, x > -1.0, x < 18446744073709551616.0, uint64_t, U64)
#undef TRUNC
    UN(i64_extend_i32_s, U64((int64_t)S32(a)))
    UN(f32_convert_i32_s, bits_f32((float)S32(a)))
    UN(f32_convert_i32_u, bits_f32((float)U32(a)))
    UN(f32_convert_i64_s, bits_f32((float)S64(a)))
    UN(f32_convert_i64_u, bits_f32((float)a))
    UN(f32_demote_f64, bits_f32((float)f64_of(a)))
    UN(f64_convert_i32_s, bits_f64((double)S32(a)))
    UN(f64_convert_i32_u, bits_f64((double)U32(a)))
    UN(f64_convert_i64_s, bits_f64((double)S64(a)))
    UN(f64_convert_i64_u, bits_f64((double)a))
    UN(f64_promote_f32, bits_f64((double)f32_of(a)))
    UN(i32_extend8_s, U32((int32_t)(int8_t)a))
    UN(i32_extend16_s, U32((int32_t)(int16_t)a))
    UN(i64_extend8_s, U64((int64_t)(int8_t)a))
    UN(i64_extend16_s, U64((int64_t)(int16_t)a))
    UN(i64_extend32_s, U64((int64_t)(int32_t)a))
    UN(i32_trunc_sat_f32_s, U32(sat_i32_s(f32_of(a))))
    UN(i32_trunc_sat_f32_u, sat_i32_u(f32_of(a)))
    UN(i32_trunc_sat_f64_s, U32(sat_i32_s(f64_of(a))))
    UN(i32_trunc_sat_f64_u, sat_i32_u(f64_of(a)))
    UN(i64_trunc_sat_f32_s, U64(sat_i64_s(f32_of(a))))
    UN(i64_trunc_sat_f32_u, sat_i64_u(f32_of(a)))
    UN(i64_trunc_sat_f64_s, U64(sat_i64_s(f64_of(a))))
    UN(i64_trunc_sat_f64_u, sat_i64_u(f64_of(a)))

    BIN_IMM32(i32_add_imm, a + b)
    BIN_IMM32(i32_mul_imm, a * b)
    BIN_IMM32(i32_and_imm, a & b)
    BIN_IMM32(i32_or_imm, a | b)
    BIN_IMM32(i32_xor_imm, a ^ b)
    BIN_IMM32(i32_shl_imm, a << (b & 31))
    BIN_IMM32(i32_shr_s_imm, S32(a) >> (b & 31))
    BIN_IMM32(i32_shr_u_imm, a >> (b & 31))
    BIN_IMM32(i32_eq_imm, a == b)
    BIN_IMM32(i32_ne_imm, a != b)
    BIN_IMM32(i32_lt_s_imm, S32(a) < S32(b))
    BIN_IMM32(i32_lt_u_imm, a < b)
    BIN_IMM32(i32_gt_s_imm, S32(a) > S32(b))
    BIN_IMM32(i32_gt_u_imm, a > b)
    BIN_IMM32(i32_le_s_imm, S32(a) <= S32(b))
    BIN_IMM32(i32_le_u_imm, a <= b)
    BIN_IMM32(i32_ge_s_imm, S32(a) >= S32(b))
    BIN_IMM32(i32_ge_u_imm, a >= b)
    BIN_IMM64(i64_add_imm, a + b)
    BIN_IMM64(i64_mul_imm, a * b)
    BIN_IMM64(i64_and_imm, a & b)
    BIN_IMM64(i64_or_imm, a | b)
    BIN_IMM64(i64_xor_imm, a ^ b)
    BIN_IMM64(i64_shl_imm, a << (b & 63))
    BIN_IMM64(i64_shr_s_imm, U64(S64(a) >> (b & 63)))
    BIN_IMM64(i64_shr_u_imm, a >> (b & 63))

trap:
    tcvm__trapf(S, st, "%s", tcvm_status_message(st));
    {
        long fi = func_of_ip(inst, ip);
        if (fi >= 0) {
            size_t n = strlen(S->error.message);
            snprintf(S->error.message + n, sizeof S->error.message - n, " (in function %ld)", fi);
        }
    }
trap_detail_set:
    S->fuel = fuel;
    S->frame_depth = base_depth;
    return st;
done:
    S->fuel = fuel;
    S->frame_depth = base_depth;
    return TCVM_OK;
}

const void *const *tcvm__interp_labels(void)
{
    const void *const *labels = NULL;
    run(NULL, NULL, NULL, &labels);
    return labels;
}

tcvm_status_t tcvm__interp_call(tcvm_store_t *s, tcvm_func_t *func, uint64_t *fp)
{
    return run(s, func, fp, NULL);
}
