/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Validation and translation of function bodies, in one pass.
 *
 * The validator follows the algorithm of the specification's appendix (an operand stack of
 * types and a control stack of frames, polymorphic after br/return/unreachable). Alongside the
 * types, each operand-stack entry records where its value lives:
 *   TEMP   in the canonical slot of its stack height (locals count + height),
 *   LOCAL  still in a local's slot (local.get emits nothing),
 *   CONST  a constant not yet written anywhere (i32.const emits nothing).
 * Instructions read their operands from those slots and write their result to the canonical
 * slot of the result's height, so the interpreter never pushes or pops.
 *
 * Invariants that keep this correct:
 *  - A LOCAL entry is only valid until its local is written. local.set/tee first materialises
 *    every entry that still refers to the local (lazy_refs counts them, so the check is O(1)).
 *    Entering a block materialises all LOCAL entries, so entries below the current frame are
 *    never LOCAL and a copy emitted inside a branch never has to stand in for another path.
 *  - Values that cross a label (block results, loop parameters, branch values, call arguments
 *    and results, function results) are always in canonical slots when control arrives there.
 *  - Peephole rewrites (writing a result straight into the local of a following local.set,
 *    fusing a compare into the following br_if/if) only look at the immediately preceding
 *    instruction, and the record of it is cleared whenever a label is placed or anything else
 *    is emitted.
 */
#include "wasm/wasm_internal.h"
#include "wasm/ops.h"

#include <stdarg.h>
#include <stdio.h>

#define T_ANY ((tcvm_valtype_t)0)
#define NO_POS ((size_t)-1)

enum { OPD_TEMP, OPD_LOCAL, OPD_CONST };

typedef struct opd {
    tcvm_valtype_t type;
    uint8_t kind;
    uint16_t slot;
    uint64_t value;
} opd_t;

enum { CTRL_FUNC, CTRL_BLOCK, CTRL_LOOP, CTRL_IF, CTRL_ELSE };

typedef struct ctrl {
    uint8_t kind;
    bool unreachable; /* validation: the operand stack is polymorphic */
    bool dead;        /* emission: the current point cannot be reached */
    bool dead_entry;  /* the whole frame is unreachable */
    bool reached;     /* a branch targets the end label */
    uint32_t height;
    uint32_t nparams, nresults;
    const tcvm_valtype_t *params, *results;
    tcvm_valtype_t single;
    size_t label;     /* loop: position of the header */
    size_t else_pos;  /* if: the jump to else/end */
    size_t else_cell;
    uint8_t else_half;
    size_t patch_start;
} ctrl_t;

typedef struct patch {
    uint32_t frame; /* control depth index of the target */
    size_t pos;     /* the branching instruction */
    size_t cell;    /* the cell holding the offset */
    uint8_t half;   /* 0 = low word, 1 = high word */
} patch_t;

typedef struct comp {
    tcvm_module_t *m;
    uint32_t func_index;
    const wtype_t *ftype;
    tcvm_cursor_t c;
    size_t base_off;
    tcvm_error_t *err;
    const void *const *labels;
    bool fuel;
    tcvm_status_t oom;
    /* locals */
    uint32_t nlocals;
    tcvm_valtype_t *local_types;
    uint32_t *lazy_refs;
    /* operand stack */
    opd_t *stack;
    uint32_t height, stack_cap, max_height;
    /* control stack */
    ctrl_t *ctrls;
    uint32_t depth, ctrl_cap;
    /* code */
    tcvm_cell_t *code;
    size_t n, cap;
    tcvm_cell_t scratch[8];
    patch_t *patches;
    size_t npatch, patch_cap;
    /* the previous instruction, for peephole rewrites */
    size_t last_pos;
    tcvm_op_t last_op;
    /* fuel */
    size_t fuel_pos;
    uint32_t fuel_count;
    size_t instr_off; /* offset of the instruction being compiled */
} comp_t;

static tcvm_status_t cfail(comp_t *c, tcvm_status_t st, const char *fmt, ...) TCVM__PRINTF(3, 4);
static tcvm_status_t cfail(comp_t *c, tcvm_status_t st, const char *fmt, ...)
{
    char what[TCVM_ERROR_MSG_SIZE];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return tcvm__errorf(c->err, st, "%s (code section, function %u, offset %zu)", what,
                        c->func_index, c->base_off + c->instr_off);
}

#define INVALID(c, ...) cfail((c), TCVM_WASM_INVALID, __VA_ARGS__)
#define MALFORMED(c, ...) cfail((c), TCVM_WASM_MALFORMED, __VA_ARGS__)

static tcvm_status_t read_error(comp_t *c, tcvm_status_t st)
{
    switch (st) {
    case TCVM_ETRUNC:
        return MALFORMED(c, "unexpected end of section or function");
    case TCVM_EFORMAT:
        return MALFORMED(c, "integer representation too long");
    case TCVM_EOVERFLOW:
        return MALFORMED(c, "integer too large");
    default:
        return MALFORMED(c, "%s", tcvm_status_message(st));
    }
}

static tcvm_status_t rd_u8(comp_t *c, uint8_t *out)
{
    tcvm_status_t st = tcvm__cur_u8(&c->c, out);
    return st == TCVM_OK ? st : read_error(c, st);
}

static tcvm_status_t rd_u32(comp_t *c, uint32_t *out)
{
    tcvm_status_t st = tcvm__cur_u32(&c->c, out);
    return st == TCVM_OK ? st : read_error(c, st);
}

static tcvm_status_t rd_sleb(comp_t *c, unsigned bits, int64_t *out)
{
    tcvm_status_t st = tcvm__cur_sleb(&c->c, bits, out);
    return st == TCVM_OK ? st : read_error(c, st);
}

/* ---- emission ------------------------------------------------------------------------- */

static ctrl_t *top(comp_t *c)
{
    return &c->ctrls[c->depth - 1];
}

static bool dead(comp_t *c)
{
    return top(c)->dead;
}

/* Appends an instruction of ncells cells (handler included) and returns its cells; in dead
 * code (or after an allocation failure) returns a scratch area whose contents are dropped. */
static tcvm_cell_t *emit(comp_t *c, tcvm_op_t op, size_t ncells)
{
    c->last_pos = NO_POS;
    if (dead(c) || c->oom != TCVM_OK) {
        memset(c->scratch, 0, sizeof c->scratch);
        return c->scratch;
    }
    if (c->n + ncells > c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 256;
        while (cap < c->n + ncells)
            cap *= 2;
        tcvm_cell_t *p = tcvm__reallocarray(c->code, cap, sizeof *p);
        if (p == NULL) {
            c->oom = TCVM_ENOMEM;
            memset(c->scratch, 0, sizeof c->scratch);
            return c->scratch;
        }
        c->code = p;
        c->cap = cap;
    }
    tcvm_cell_t *p = &c->code[c->n];
    memset(p, 0, ncells * sizeof *p);
    p[0].op = c->labels[op];
    c->n += ncells;
    return p;
}

/* Marks the instruction just emitted (at its position) as one whose single result in s.a may
 * be redirected by a following local.set or fused into a following branch. */
static void mark_last(comp_t *c, tcvm_op_t op)
{
    if (!dead(c) && c->oom == TCVM_OK) {
        c->last_op = op;
        c->last_pos = c->n - 2; /* every such instruction is [handler][operands] or longer */
    }
}

static size_t here(comp_t *c)
{
    return c->n;
}

static void set_offset(comp_t *c, size_t cell, uint8_t half, size_t pos, size_t target)
{
    int32_t off = (int32_t)((int64_t)target - (int64_t)pos);
    if (half)
        c->code[cell].w.hi = (uint32_t)off;
    else
        c->code[cell].w.lo = (uint32_t)off;
}

static uint16_t canon(comp_t *c, uint32_t h)
{
    return (uint16_t)(c->nlocals + h);
}

static void fuel_close(comp_t *c)
{
    if (c->fuel && c->fuel_pos != NO_POS && c->oom == TCVM_OK)
        c->code[c->fuel_pos + 1].sx.x = c->fuel_count;
    c->fuel_pos = NO_POS;
    c->fuel_count = 0;
}

/* A label was placed here or control may enter here from elsewhere: peepholes stop, and with
 * fuel metering a new counted region starts. */
static void label_here(comp_t *c)
{
    c->last_pos = NO_POS;
    if (!c->fuel)
        return;
    fuel_close(c);
    if (dead(c))
        return;
    emit(c, OP_fuel, 2);
    c->fuel_pos = c->n - 2;
}

static void emit_copy(comp_t *c, uint16_t dst, uint16_t src)
{
    if (dst == src)
        return;
    tcvm_cell_t *p = emit(c, OP_copy, 2);
    p[1].s.a = dst;
    p[1].s.b = src;
}

static void emit_const(comp_t *c, uint16_t dst, uint64_t value)
{
    if (value >> 32 == 0) {
        tcvm_cell_t *p = emit(c, OP_const32, 2);
        p[1].sx.a = dst;
        p[1].sx.x = (uint32_t)value;
        mark_last(c, OP_const32);
    } else {
        tcvm_cell_t *p = emit(c, OP_const64, 3);
        p[1].s.a = dst;
        p[2].u64 = value;
        c->last_pos = NO_POS;
    }
}

/* ---- operand stack -------------------------------------------------------------------- */

static tcvm_status_t push(comp_t *c, opd_t o)
{
    if (c->height >= c->stack_cap) {
        if (c->height >= TCVM_WASM_MAX_OPERAND_DEPTH)
            return cfail(c, TCVM_ELIMIT, "operand stack deeper than %u", TCVM_WASM_MAX_OPERAND_DEPTH);
        uint32_t cap = c->stack_cap ? c->stack_cap * 2 : 64;
        opd_t *p = tcvm__reallocarray(c->stack, cap, sizeof *p);
        if (p == NULL)
            return cfail(c, TCVM_ENOMEM, "out of memory");
        c->stack = p;
        c->stack_cap = cap;
    }
    if (c->nlocals + c->height + 2 > TCVM__MAX_FRAME_SLOTS)
        return cfail(c, TCVM_ELIMIT, "function needs more than %u value slots (locals and "
                     "operand stack)", TCVM__MAX_FRAME_SLOTS);
    if (o.kind == OPD_LOCAL)
        c->lazy_refs[o.slot]++;
    c->stack[c->height++] = o;
    if (c->height > c->max_height)
        c->max_height = c->height;
    return TCVM_OK;
}

static tcvm_status_t push_temp(comp_t *c, tcvm_valtype_t t)
{
    opd_t o = {t, OPD_TEMP, canon(c, c->height), 0};
    return push(c, o);
}

static const char *tname(tcvm_valtype_t t)
{
    return t == T_ANY ? "any" : tcvm_valtype_name(t);
}

/* Pops one operand of type want (T_ANY accepts any). */
static tcvm_status_t pop(comp_t *c, tcvm_valtype_t want, opd_t *out)
{
    ctrl_t *f = top(c);
    if (c->height == f->height) {
        if (f->unreachable) {
            *out = (opd_t){T_ANY, OPD_TEMP, canon(c, c->height), 0};
            return TCVM_OK;
        }
        return INVALID(c, "type mismatch: expected %s but the operand stack is empty",
                       want == T_ANY ? "a value" : tname(want));
    }
    opd_t o = c->stack[--c->height];
    if (o.kind == OPD_LOCAL)
        c->lazy_refs[o.slot]--;
    if (want != T_ANY && o.type != T_ANY && o.type != want)
        return INVALID(c, "type mismatch: expected %s, found %s", tname(want), tname(o.type));
    *out = o;
    return TCVM_OK;
}

/* The slot holding an operand popped from height h: a CONST is written to the (now free)
 * canonical slot of h first. */
static uint16_t slot_of(comp_t *c, const opd_t *o, uint32_t h)
{
    if (o->kind != OPD_CONST)
        return o->slot;
    emit_const(c, canon(c, h), o->value);
    return canon(c, h);
}

static tcvm_status_t pop_slot(comp_t *c, tcvm_valtype_t want, uint16_t *slot, opd_t *out)
{
    opd_t o;
    tcvm_status_t st = pop(c, want, &o);
    if (st != TCVM_OK)
        return st;
    *slot = slot_of(c, &o, c->height);
    if (out != NULL)
        *out = o;
    return TCVM_OK;
}

static void materialize(comp_t *c, uint32_t h)
{
    opd_t *o = &c->stack[h];
    uint16_t dst = canon(c, h);
    if (o->kind == OPD_LOCAL) {
        c->lazy_refs[o->slot]--;
        emit_copy(c, dst, o->slot);
    } else if (o->kind == OPD_CONST) {
        emit_const(c, dst, o->value);
    } else {
        if (o->slot != dst)
            emit_copy(c, dst, o->slot);
    }
    o->kind = OPD_TEMP;
    o->slot = dst;
}

static void materialize_top(comp_t *c, uint32_t n)
{
    for (uint32_t h = c->height - n; h < c->height; h++)
        materialize(c, h);
}

/* Pops n values of the given types (checking them) and pushes them back, keeping where each
 * lives: as the given types, or (br_table, keep_actual) as the types they had, which may be
 * unknown in unreachable code. */
static tcvm_status_t check_top_as(comp_t *c, uint32_t n, const tcvm_valtype_t *types,
                                  bool keep_actual)
{
    opd_t tmp[16];
    opd_t *saved = n <= 16 ? tmp : tcvm__calloc(n, sizeof *saved);
    if (saved == NULL)
        return cfail(c, TCVM_ENOMEM, "out of memory");
    tcvm_status_t st = TCVM_OK;
    uint32_t popped = 0;
    for (uint32_t i = n; i-- > 0;) {
        if ((st = pop(c, types[i], &saved[i])) != TCVM_OK)
            break;
        popped++;
    }
    for (uint32_t i = n - popped; st == TCVM_OK && i < n; i++) {
        if (!keep_actual)
            saved[i].type = types[i];
        if ((st = push(c, saved[i])) != TCVM_OK)
            break;
    }
    if (saved != tmp)
        tcvm__free(saved);
    return st;
}

static tcvm_status_t check_top(comp_t *c, uint32_t n, const tcvm_valtype_t *types)
{
    return check_top_as(c, n, types, false);
}

/* Drops everything above the frame's height (after br, return, unreachable). */
static void set_unreachable(comp_t *c)
{
    ctrl_t *f = top(c);
    while (c->height > f->height) {
        opd_t *o = &c->stack[--c->height];
        if (o->kind == OPD_LOCAL)
            c->lazy_refs[o->slot]--;
    }
    f->unreachable = true;
    f->dead = true;
    c->last_pos = NO_POS;
}

/* ---- control -------------------------------------------------------------------------- */

/* A single-result block type keeps its type inside the frame (results == NULL). */
static const tcvm_valtype_t *fres(const ctrl_t *f)
{
    return f->results != NULL ? f->results : &f->single;
}

static uint32_t label_arity(const ctrl_t *f)
{
    return f->kind == CTRL_LOOP ? f->nparams : f->nresults;
}

static const tcvm_valtype_t *label_types(const ctrl_t *f)
{
    return f->kind == CTRL_LOOP ? f->params : fres(f);
}

static tcvm_status_t add_patch(comp_t *c, uint32_t frame, size_t pos, size_t cell, uint8_t half)
{
    if (c->npatch == c->patch_cap) {
        size_t cap = c->patch_cap ? c->patch_cap * 2 : 32;
        patch_t *p = tcvm__reallocarray(c->patches, cap, sizeof *p);
        if (p == NULL)
            return cfail(c, TCVM_ENOMEM, "out of memory");
        c->patches = p;
        c->patch_cap = cap;
    }
    c->patches[c->npatch++] = (patch_t){frame, pos, cell, half};
    return TCVM_OK;
}

/* Points the offset at (cell, half) of the branch at pos to the label of frame index fi. */
static tcvm_status_t branch_to(comp_t *c, uint32_t fi, size_t pos, size_t cell, uint8_t half)
{
    if (dead(c) || c->oom != TCVM_OK)
        return TCVM_OK;
    ctrl_t *f = &c->ctrls[fi];
    if (f->kind == CTRL_LOOP) {
        set_offset(c, cell, half, pos, f->label);
        return TCVM_OK;
    }
    f->reached = true;
    return add_patch(c, fi, pos, cell, half);
}

static bool needs_moves(comp_t *c, const ctrl_t *f, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        const opd_t *o = &c->stack[c->height - n + i];
        if (o->kind != OPD_TEMP || o->slot != canon(c, f->height + i))
            return true;
    }
    return false;
}

/* Copies the top n values into the label slots of f (ascending order is safe: sources are
 * never below their destinations). */
static void emit_moves(comp_t *c, const ctrl_t *f, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        const opd_t *o = &c->stack[c->height - n + i];
        uint16_t dst = canon(c, f->height + i);
        if (o->kind == OPD_CONST)
            emit_const(c, dst, o->value);
        else
            emit_copy(c, dst, o->slot);
    }
}

static tcvm_status_t emit_br(comp_t *c, uint32_t fi)
{
    tcvm_cell_t *p = emit(c, OP_br, 2);
    (void)p;
    return branch_to(c, fi, c->n - 2, c->n - 1, 1);
}

typedef struct site {
    size_t pos, cell;
    uint8_t half;
    bool always, never; /* constant conditions */
} site_t;

static bool is_i32_compare(tcvm_op_t op)
{
    return (op >= OP_i32_eq && op <= OP_i32_ge_u) || op == OP_i32_eqz ||
           (op >= OP_i32_eq_imm && op <= OP_i32_ge_u_imm);
}

/* Emits "jump if cond is true" (or false when negate) with the target left open in *s.
 * A compare emitted just before, whose result is cond, is fused into the jump. */
static void emit_cond_jump(comp_t *c, const opd_t *cond, uint32_t cond_h, bool negate,
                           site_t *s)
{
    memset(s, 0, sizeof *s);
    if (cond->kind == OPD_CONST) {
        bool taken = (cond->value != 0) != negate;
        s->always = taken;
        s->never = !taken;
        if (taken) {
            emit(c, OP_br, 2);
            *s = (site_t){c->n - 2, c->n - 1, 1, true, false};
        }
        return;
    }
    if (c->last_pos != NO_POS && is_i32_compare(c->last_op) && cond->kind == OPD_TEMP &&
        c->code[c->last_pos + 1].s.a == cond->slot && cond->slot == canon(c, cond_h)) {
        tcvm_op_t op = c->last_op;
        tcvm_cell_t operands = c->code[c->last_pos + 1];
        c->n = c->last_pos;
        c->last_pos = NO_POS;
        if (op == OP_i32_eqz) {
            tcvm_cell_t *p = emit(c, negate ? OP_br_if : OP_br_unless, 2);
            p[1].sx.a = operands.s.b;
            *s = (site_t){c->n - 2, c->n - 1, 1, false, false};
        } else if (op >= OP_i32_eq_imm) {
            unsigned k = op - OP_i32_eq_imm;
            tcvm_cell_t *p = emit(c, (negate ? OP_br_unless_eq_imm : OP_br_if_eq_imm) + k, 3);
            p[1].sx.a = operands.sx.b;
            p[1].sx.x = operands.sx.x;
            *s = (site_t){c->n - 3, c->n - 1, 0, false, false};
        } else {
            unsigned k = op - OP_i32_eq;
            tcvm_cell_t *p = emit(c, (negate ? OP_br_unless_eq : OP_br_if_eq) + k, 2);
            p[1].s.a = operands.s.b;
            p[1].s.b = operands.s.c;
            *s = (site_t){c->n - 2, c->n - 1, 1, false, false};
        }
        return;
    }
    tcvm_cell_t *p = emit(c, negate ? OP_br_unless : OP_br_if, 2);
    p[1].sx.a = cond->slot;
    *s = (site_t){c->n - 2, c->n - 1, 1, false, false};
}

static void fill_site(comp_t *c, const site_t *s, size_t target)
{
    if (dead(c) || c->oom != TCVM_OK || s->never)
        return;
    set_offset(c, s->cell, s->half, s->pos, target);
}

static tcvm_status_t read_blocktype(comp_t *c, ctrl_t *f)
{
    tcvm_cursor_t *cur = &c->c;
    if (tcvm__cur_eof(cur))
        return read_error(c, TCVM_ETRUNC);
    uint8_t b = cur->data[cur->pos];
    f->nparams = f->nresults = 0;
    f->params = f->results = NULL;
    if (b == 0x40) {
        cur->pos++;
        return TCVM_OK;
    }
    if (b >= 0x60) {
        const char *feature = NULL;
        tcvm_status_t st = tcvm__read_valtype(cur, &f->single, &feature);
        if (st == TCVM_WASM_FEATURE)
            return cfail(c, st, "unsupported feature: %s", feature);
        if (st != TCVM_OK)
            return MALFORMED(c, "malformed block type 0x%02x", b);
        f->nresults = 1;
        f->results = NULL;
        return TCVM_OK;
    }
    int64_t idx = 0;
    tcvm_status_t st = rd_sleb(c, 33, &idx);
    if (st != TCVM_OK)
        return st;
    if (idx < 0)
        return MALFORMED(c, "malformed block type");
    if ((uint64_t)idx >= c->m->type_count)
        return INVALID(c, "unknown type %lld", (long long)idx);
    const wtype_t *t = &c->m->types[idx];
    f->nparams = t->param_count;
    f->nresults = t->result_count;
    f->params = t->types;
    f->results = t->types + t->param_count;
    return TCVM_OK;
}

static tcvm_status_t push_ctrl(comp_t *c, ctrl_t *f)
{
    if (c->depth >= c->ctrl_cap) {
        if (c->depth >= TCVM_WASM_MAX_CONTROL_DEPTH)
            return cfail(c, TCVM_ELIMIT, "blocks nested deeper than %u",
                         TCVM_WASM_MAX_CONTROL_DEPTH);
        uint32_t cap = c->ctrl_cap ? c->ctrl_cap * 2 : 16;
        ctrl_t *p = tcvm__reallocarray(c->ctrls, cap, sizeof *p);
        if (p == NULL)
            return cfail(c, TCVM_ENOMEM, "out of memory");
        c->ctrls = p;
        c->ctrl_cap = cap;
    }
    c->ctrls[c->depth++] = *f;
    return TCVM_OK;
}

/* block, loop and if: f has its block type; the condition of an if is already popped. */
static tcvm_status_t begin_block(comp_t *c, ctrl_t *f)
{
    tcvm_status_t st = check_top(c, f->nparams, f->params);
    if (st != TCVM_OK)
        return st;
    bool was_dead = dead(c);
    /* entries below the new frame must not refer to locals (see the invariants above), and
     * the parameters must sit in their canonical slots */
    for (uint32_t h = 0; h < c->height; h++) {
        if (c->stack[h].kind == OPD_LOCAL || h >= c->height - f->nparams)
            materialize(c, h);
    }
    f->height = c->height - f->nparams;
    f->unreachable = false;
    f->dead = was_dead;
    f->dead_entry = was_dead;
    f->reached = false;
    f->patch_start = c->npatch;
    f->else_pos = NO_POS;
    return TCVM_OK;
}

static void resolve_patches(comp_t *c, uint32_t fi, size_t target)
{
    ctrl_t *f = &c->ctrls[fi];
    size_t keep = f->patch_start;
    for (size_t i = f->patch_start; i < c->npatch; i++) {
        patch_t p = c->patches[i];
        if (p.frame == fi) {
            if (c->oom == TCVM_OK)
                set_offset(c, p.cell, p.half, p.pos, target);
        } else {
            c->patches[keep++] = p;
        }
    }
    c->npatch = keep;
}

/* ---- returns -------------------------------------------------------------------------- */

static tcvm_status_t emit_return(comp_t *c)
{
    uint32_t n = c->ftype->result_count;
    tcvm_status_t st = check_top(c, n, c->ftype->types + c->ftype->param_count);
    if (st != TCVM_OK)
        return st;
    if (dead(c))
        return TCVM_OK;
    if (n == 0) {
        emit(c, OP_return0, 1);
    } else if (n == 1) {
        opd_t *o = &c->stack[c->height - 1];
        if (o->kind == OPD_CONST)
            materialize(c, c->height - 1);
        uint16_t s = o->slot;
        tcvm_cell_t *p = emit(c, OP_return1, 2);
        p[1].s.a = s;
    } else {
        materialize_top(c, n);
        tcvm_cell_t *p = emit(c, OP_return, 2);
        p[1].s.a = (uint16_t)n;
        p[1].s.b = canon(c, c->height - n);
    }
    return TCVM_OK;
}

/* ---- instructions --------------------------------------------------------------------- */

static tcvm_status_t unop(comp_t *c, tcvm_op_t op, tcvm_valtype_t in, tcvm_valtype_t out)
{
    uint16_t a = 0;
    tcvm_status_t st = pop_slot(c, in, &a, NULL);
    if (st != TCVM_OK)
        return st;
    uint16_t d = canon(c, c->height);
    tcvm_cell_t *p = emit(c, op, 2);
    p[1].s.a = d;
    p[1].s.b = a;
    if ((st = push_temp(c, out)) != TCVM_OK)
        return st;
    mark_last(c, op);
    return TCVM_OK;
}

/* Immediate form of a binary i32/i64 operation, or OP__COUNT when there is none. swapped
 * tells the constant was the first operand. */
static tcvm_op_t imm_form(tcvm_op_t op, bool swapped)
{
    switch (op) {
    case OP_i32_add: return OP_i32_add_imm;
    case OP_i32_mul: return OP_i32_mul_imm;
    case OP_i32_and: return OP_i32_and_imm;
    case OP_i32_or: return OP_i32_or_imm;
    case OP_i32_xor: return OP_i32_xor_imm;
    case OP_i32_eq: return OP_i32_eq_imm;
    case OP_i32_ne: return OP_i32_ne_imm;
    case OP_i32_shl: return swapped ? OP__COUNT : OP_i32_shl_imm;
    case OP_i32_shr_s: return swapped ? OP__COUNT : OP_i32_shr_s_imm;
    case OP_i32_shr_u: return swapped ? OP__COUNT : OP_i32_shr_u_imm;
    case OP_i32_lt_s: return swapped ? OP_i32_gt_s_imm : OP_i32_lt_s_imm;
    case OP_i32_lt_u: return swapped ? OP_i32_gt_u_imm : OP_i32_lt_u_imm;
    case OP_i32_gt_s: return swapped ? OP_i32_lt_s_imm : OP_i32_gt_s_imm;
    case OP_i32_gt_u: return swapped ? OP_i32_lt_u_imm : OP_i32_gt_u_imm;
    case OP_i32_le_s: return swapped ? OP_i32_ge_s_imm : OP_i32_le_s_imm;
    case OP_i32_le_u: return swapped ? OP_i32_ge_u_imm : OP_i32_le_u_imm;
    case OP_i32_ge_s: return swapped ? OP_i32_le_s_imm : OP_i32_ge_s_imm;
    case OP_i32_ge_u: return swapped ? OP_i32_le_u_imm : OP_i32_ge_u_imm;
    case OP_i64_add: return OP_i64_add_imm;
    case OP_i64_mul: return OP_i64_mul_imm;
    case OP_i64_and: return OP_i64_and_imm;
    case OP_i64_or: return OP_i64_or_imm;
    case OP_i64_xor: return OP_i64_xor_imm;
    case OP_i64_shl: return swapped ? OP__COUNT : OP_i64_shl_imm;
    case OP_i64_shr_s: return swapped ? OP__COUNT : OP_i64_shr_s_imm;
    case OP_i64_shr_u: return swapped ? OP__COUNT : OP_i64_shr_u_imm;
    default: return OP__COUNT;
    }
}

static tcvm_status_t binop(comp_t *c, tcvm_op_t op, tcvm_valtype_t in, tcvm_valtype_t out)
{
    opd_t a, b;
    tcvm_status_t st = pop(c, in, &b);
    if (st != TCVM_OK || (st = pop(c, in, &a)) != TCVM_OK)
        return st;
    uint32_t h = c->height;
    bool imm_ok = in == TCVM_I32 || in == TCVM_I64;
    tcvm_op_t iop;
    /* x - k is x + (-k) */
    if (imm_ok && b.kind == OPD_CONST && (op == OP_i32_sub || op == OP_i64_sub)) {
        b.value = in == TCVM_I32 ? (uint32_t)(0u - (uint32_t)b.value) : 0 - b.value;
        op = in == TCVM_I32 ? OP_i32_add : OP_i64_add;
    }
    const opd_t *k = NULL, *x = NULL;
    if (imm_ok && b.kind == OPD_CONST && (iop = imm_form(op, false)) != OP__COUNT) {
        k = &b;
        x = &a;
    } else if (imm_ok && a.kind == OPD_CONST && b.kind != OPD_CONST &&
               (iop = imm_form(op, true)) != OP__COUNT) {
        k = &a;
        x = &b;
    }
    /* 64-bit immediates must fit in a sign-extended 32-bit field */
    if (k != NULL && in == TCVM_I64 && (int64_t)k->value != (int64_t)(int32_t)k->value)
        k = NULL;
    uint16_t d = canon(c, h);
    if (k != NULL) {
        uint16_t xs = slot_of(c, x, x == &a ? h : h + 1);
        tcvm_cell_t *p = emit(c, iop, 2);
        p[1].sx.a = d;
        p[1].sx.b = xs;
        p[1].sx.x = (uint32_t)k->value;
        op = iop;
    } else {
        uint16_t as = slot_of(c, &a, h);
        uint16_t bs = slot_of(c, &b, h + 1);
        tcvm_cell_t *p = emit(c, op, 2);
        p[1].s.a = d;
        p[1].s.b = as;
        p[1].s.c = bs;
    }
    if ((st = push_temp(c, out)) != TCVM_OK)
        return st;
    mark_last(c, op);
    return TCVM_OK;
}

/* Numeric instructions 0x45..0xc4 as (op, input type, output type, arity). */
typedef struct numinfo {
    uint8_t op; /* tcvm_op_t, or 0xff for a pure reinterpretation */
    uint8_t in, out, arity;
} numinfo_t;

#define N1(o, i, r) {OP_##o, TCVM_##i, TCVM_##r, 1}
#define N2(o, i, r) {OP_##o, TCVM_##i, TCVM_##r, 2}
#define NR(i, r) {0xff, TCVM_##i, TCVM_##r, 1}

static const numinfo_t numeric[0xc5 - 0x45] = {
    N1(i32_eqz, I32, I32), N2(i32_eq, I32, I32), N2(i32_ne, I32, I32), N2(i32_lt_s, I32, I32),
    N2(i32_lt_u, I32, I32), N2(i32_gt_s, I32, I32), N2(i32_gt_u, I32, I32),
    N2(i32_le_s, I32, I32), N2(i32_le_u, I32, I32), N2(i32_ge_s, I32, I32),
    N2(i32_ge_u, I32, I32),
    N1(i64_eqz, I64, I32), N2(i64_eq, I64, I32), N2(i64_ne, I64, I32), N2(i64_lt_s, I64, I32),
    N2(i64_lt_u, I64, I32), N2(i64_gt_s, I64, I32), N2(i64_gt_u, I64, I32),
    N2(i64_le_s, I64, I32), N2(i64_le_u, I64, I32), N2(i64_ge_s, I64, I32),
    N2(i64_ge_u, I64, I32),
    N2(f32_eq, F32, I32), N2(f32_ne, F32, I32), N2(f32_lt, F32, I32), N2(f32_gt, F32, I32),
    N2(f32_le, F32, I32), N2(f32_ge, F32, I32),
    N2(f64_eq, F64, I32), N2(f64_ne, F64, I32), N2(f64_lt, F64, I32), N2(f64_gt, F64, I32),
    N2(f64_le, F64, I32), N2(f64_ge, F64, I32),
    N1(i32_clz, I32, I32), N1(i32_ctz, I32, I32), N1(i32_popcnt, I32, I32),
    N2(i32_add, I32, I32), N2(i32_sub, I32, I32), N2(i32_mul, I32, I32),
    N2(i32_div_s, I32, I32), N2(i32_div_u, I32, I32), N2(i32_rem_s, I32, I32),
    N2(i32_rem_u, I32, I32), N2(i32_and, I32, I32), N2(i32_or, I32, I32),
    N2(i32_xor, I32, I32), N2(i32_shl, I32, I32), N2(i32_shr_s, I32, I32),
    N2(i32_shr_u, I32, I32), N2(i32_rotl, I32, I32), N2(i32_rotr, I32, I32),
    N1(i64_clz, I64, I64), N1(i64_ctz, I64, I64), N1(i64_popcnt, I64, I64),
    N2(i64_add, I64, I64), N2(i64_sub, I64, I64), N2(i64_mul, I64, I64),
    N2(i64_div_s, I64, I64), N2(i64_div_u, I64, I64), N2(i64_rem_s, I64, I64),
    N2(i64_rem_u, I64, I64), N2(i64_and, I64, I64), N2(i64_or, I64, I64),
    N2(i64_xor, I64, I64), N2(i64_shl, I64, I64), N2(i64_shr_s, I64, I64),
    N2(i64_shr_u, I64, I64), N2(i64_rotl, I64, I64), N2(i64_rotr, I64, I64),
    N1(f32_abs, F32, F32), N1(f32_neg, F32, F32), N1(f32_ceil, F32, F32),
    N1(f32_floor, F32, F32), N1(f32_trunc, F32, F32), N1(f32_nearest, F32, F32),
    N1(f32_sqrt, F32, F32), N2(f32_add, F32, F32), N2(f32_sub, F32, F32),
    N2(f32_mul, F32, F32), N2(f32_div, F32, F32), N2(f32_min, F32, F32),
    N2(f32_max, F32, F32), N2(f32_copysign, F32, F32),
    N1(f64_abs, F64, F64), N1(f64_neg, F64, F64), N1(f64_ceil, F64, F64),
    N1(f64_floor, F64, F64), N1(f64_trunc, F64, F64), N1(f64_nearest, F64, F64),
    N1(f64_sqrt, F64, F64), N2(f64_add, F64, F64), N2(f64_sub, F64, F64),
    N2(f64_mul, F64, F64), N2(f64_div, F64, F64), N2(f64_min, F64, F64),
    N2(f64_max, F64, F64), N2(f64_copysign, F64, F64),
    N1(i32_wrap_i64, I64, I32), N1(i32_trunc_f32_s, F32, I32), N1(i32_trunc_f32_u, F32, I32),
    N1(i32_trunc_f64_s, F64, I32), N1(i32_trunc_f64_u, F64, I32),
    N1(i64_extend_i32_s, I32, I64), NR(I32, I64) /* extend_i32_u: i32 slots are zero-extended */,
    N1(i64_trunc_f32_s, F32, I64), N1(i64_trunc_f32_u, F32, I64),
    N1(i64_trunc_f64_s, F64, I64), N1(i64_trunc_f64_u, F64, I64),
    N1(f32_convert_i32_s, I32, F32), N1(f32_convert_i32_u, I32, F32),
    N1(f32_convert_i64_s, I64, F32), N1(f32_convert_i64_u, I64, F32),
    N1(f32_demote_f64, F64, F32),
    N1(f64_convert_i32_s, I32, F64), N1(f64_convert_i32_u, I32, F64),
    N1(f64_convert_i64_s, I64, F64), N1(f64_convert_i64_u, I64, F64),
    N1(f64_promote_f32, F32, F64),
    NR(F32, I32), NR(F64, I64), NR(I32, F32), NR(I64, F64),
    N1(i32_extend8_s, I32, I32), N1(i32_extend16_s, I32, I32), N1(i64_extend8_s, I64, I64),
    N1(i64_extend16_s, I64, I64), N1(i64_extend32_s, I64, I64),
};

#undef N1
#undef N2
#undef NR

/* A value's bits reinterpreted as another type: no code, only the entry's type changes. */
static tcvm_status_t retype(comp_t *c, tcvm_valtype_t in, tcvm_valtype_t out)
{
    opd_t o;
    tcvm_status_t st = pop(c, in, &o);
    if (st != TCVM_OK)
        return st;
    o.type = out;
    return push(c, o);
}

static tcvm_status_t memarg(comp_t *c, uint32_t natural_log2, uint32_t *offset)
{
    uint32_t align = 0;
    tcvm_status_t st = rd_u32(c, &align);
    if (st != TCVM_OK || (st = rd_u32(c, offset)) != TCVM_OK)
        return st;
    if (c->m->memory_count == 0)
        return INVALID(c, "unknown memory 0");
    if (align & 0x40)
        return cfail(c, TCVM_WASM_FEATURE, "unsupported feature: multi-memory (memory index in "
                     "memory immediate)");
    if (align > natural_log2)
        return INVALID(c, "alignment must not be larger than natural (2^%u > %u bytes)", align,
                       1u << natural_log2);
    return TCVM_OK;
}

static tcvm_status_t load(comp_t *c, tcvm_op_t op, tcvm_valtype_t t, uint32_t nat)
{
    uint32_t off = 0;
    uint16_t a = 0;
    tcvm_status_t st = memarg(c, nat, &off);
    if (st != TCVM_OK || (st = pop_slot(c, TCVM_I32, &a, NULL)) != TCVM_OK)
        return st;
    tcvm_cell_t *p = emit(c, op, 2);
    p[1].sx.a = canon(c, c->height);
    p[1].sx.b = a;
    p[1].sx.x = off;
    if ((st = push_temp(c, t)) != TCVM_OK)
        return st;
    mark_last(c, op);
    return TCVM_OK;
}

static tcvm_status_t store(comp_t *c, tcvm_op_t op, tcvm_valtype_t t, uint32_t nat)
{
    uint32_t off = 0;
    uint16_t a = 0, v = 0;
    tcvm_status_t st = memarg(c, nat, &off);
    if (st != TCVM_OK || (st = pop_slot(c, t, &v, NULL)) != TCVM_OK ||
        (st = pop_slot(c, TCVM_I32, &a, NULL)) != TCVM_OK)
        return st;
    tcvm_cell_t *p = emit(c, op, 2);
    p[1].sx.a = a;
    p[1].sx.b = v;
    p[1].sx.x = off;
    return TCVM_OK;
}

static tcvm_status_t local_index(comp_t *c, uint32_t *out)
{
    tcvm_status_t st = rd_u32(c, out);
    if (st != TCVM_OK)
        return st;
    if (*out >= c->nlocals)
        return INVALID(c, "unknown local %u", *out);
    return TCVM_OK;
}

static tcvm_status_t local_set(comp_t *c, uint32_t li, bool tee)
{
    opd_t v;
    tcvm_status_t st = pop(c, c->local_types[li], &v);
    if (st != TCVM_OK)
        return st;
    uint16_t L = (uint16_t)li;
    bool retarget = v.kind == OPD_TEMP && c->last_pos != NO_POS && !dead(c) &&
                    v.slot == canon(c, c->height) && c->code[c->last_pos + 1].s.a == v.slot;
    if (c->lazy_refs[li] > 0) {
        for (uint32_t h = 0; h < c->height; h++)
            if (c->stack[h].kind == OPD_LOCAL && c->stack[h].slot == L)
                materialize(c, h);
        retarget = false; /* the copies above now follow the producer */
    }
    if (v.kind == OPD_LOCAL) {
        emit_copy(c, L, v.slot);
    } else if (v.kind == OPD_CONST) {
        emit_const(c, L, v.value);
    } else if (retarget) {
        c->code[c->last_pos + 1].s.a = L;
        c->last_pos = NO_POS;
    } else {
        emit_copy(c, L, v.slot);
    }
    if (tee) {
        opd_t o = {c->local_types[li], OPD_LOCAL, L, 0};
        if (v.type == T_ANY && !dead(c))
            o.type = c->local_types[li];
        return push(c, o);
    }
    return TCVM_OK;
}

static tcvm_status_t global_index(comp_t *c, uint32_t *out)
{
    tcvm_status_t st = rd_u32(c, out);
    if (st != TCVM_OK)
        return st;
    if (*out >= c->m->global_count)
        return INVALID(c, "unknown global %u", *out);
    return TCVM_OK;
}

static tcvm_status_t table_index(comp_t *c, uint32_t *out)
{
    tcvm_status_t st = rd_u32(c, out);
    if (st != TCVM_OK)
        return st;
    if (*out >= c->m->table_count)
        return INVALID(c, "unknown table %u", *out);
    return TCVM_OK;
}

static tcvm_status_t zero_byte(comp_t *c)
{
    uint8_t b = 0;
    tcvm_status_t st = rd_u8(c, &b);
    if (st != TCVM_OK)
        return st;
    if (b != 0)
        return MALFORMED(c, "zero byte expected (multi-memory is not supported)");
    return TCVM_OK;
}

static tcvm_status_t do_call(comp_t *c, uint32_t fi)
{
    const wtype_t *t = &c->m->types[c->m->func_types[fi]];
    tcvm_status_t st = check_top(c, t->param_count, t->types);
    if (st != TCVM_OK)
        return st;
    materialize_top(c, t->param_count);
    for (uint32_t i = 0; i < t->param_count; i++) {
        opd_t o;
        pop(c, T_ANY, &o);
    }
    tcvm_cell_t *p;
    if (fi >= c->m->func_import_count) {
        p = emit(c, OP_call, 2);
        p[1].sx.x = fi - c->m->func_import_count;
    } else {
        p = emit(c, OP_call_func, 2);
        p[1].sx.x = fi;
    }
    p[1].sx.a = canon(c, c->height);
    for (uint32_t i = 0; i < t->result_count; i++)
        if ((st = push_temp(c, t->types[t->param_count + i])) != TCVM_OK)
            return st;
    return TCVM_OK;
}

static tcvm_status_t do_call_indirect(comp_t *c)
{
    uint32_t ti = 0, tab = 0;
    tcvm_status_t st = rd_u32(c, &ti);
    if (st != TCVM_OK || (st = rd_u32(c, &tab)) != TCVM_OK)
        return st;
    if (tab >= c->m->table_count)
        return INVALID(c, "unknown table %u", tab);
    if (ti >= c->m->type_count)
        return INVALID(c, "unknown type %u", ti);
    if (c->m->tables[tab].elem != TCVM_FUNCREF)
        return INVALID(c, "type mismatch: call_indirect through table %u of externref", tab);
    opd_t idx;
    if ((st = pop(c, TCVM_I32, &idx)) != TCVM_OK)
        return st;
    uint32_t idx_h = c->height;
    const wtype_t *t = &c->m->types[ti];
    if ((st = check_top(c, t->param_count, t->types)) != TCVM_OK)
        return st;
    materialize_top(c, t->param_count);
    for (uint32_t i = 0; i < t->param_count; i++) {
        opd_t o;
        pop(c, T_ANY, &o);
    }
    uint16_t is = slot_of(c, &idx, idx_h);
    tcvm_cell_t *p = emit(c, OP_call_indirect, 3);
    p[1].sx.a = canon(c, c->height);
    p[1].sx.b = is;
    p[1].sx.x = ti;
    p[2].w.lo = tab;
    for (uint32_t i = 0; i < t->result_count; i++)
        if ((st = push_temp(c, t->types[t->param_count + i])) != TCVM_OK)
            return st;
    return TCVM_OK;
}

static tcvm_status_t do_br(comp_t *c, uint32_t l)
{
    ctrl_t *f = &c->ctrls[c->depth - 1 - l];
    uint32_t n = label_arity(f);
    tcvm_status_t st = check_top(c, n, label_types(f));
    if (st != TCVM_OK)
        return st;
    if (f->kind == CTRL_FUNC) {
        /* a branch to the function's label is a return */
        if ((st = emit_return(c)) != TCVM_OK)
            return st;
        set_unreachable(c);
        return TCVM_OK;
    }
    emit_moves(c, f, n);
    if ((st = emit_br(c, c->depth - 1 - l)) != TCVM_OK)
        return st;
    set_unreachable(c);
    return TCVM_OK;
}

static tcvm_status_t do_br_if(comp_t *c, uint32_t l)
{
    opd_t cond;
    tcvm_status_t st = pop(c, TCVM_I32, &cond);
    if (st != TCVM_OK)
        return st;
    uint32_t cond_h = c->height;
    uint32_t fi = c->depth - 1 - l;
    ctrl_t *f = &c->ctrls[fi];
    uint32_t n = label_arity(f);
    if ((st = check_top(c, n, label_types(f))) != TCVM_OK)
        return st;
    site_t s;
    if (!needs_moves(c, f, n)) {
        emit_cond_jump(c, &cond, cond_h, false, &s);
        if (!s.never && (st = branch_to(c, fi, s.pos, s.cell, s.half)) != TCVM_OK)
            return st;
    } else {
        emit_cond_jump(c, &cond, cond_h, true, &s);
        if (!s.always) {
            emit_moves(c, f, n);
            if ((st = emit_br(c, fi)) != TCVM_OK)
                return st;
        }
        fill_site(c, &s, here(c));
    }
    label_here(c);
    return TCVM_OK;
}

static tcvm_status_t do_br_table(comp_t *c)
{
    uint32_t count = 0;
    tcvm_status_t st = rd_u32(c, &count);
    if (st != TCVM_OK)
        return st;
    if (count > TCVM_WASM_MAX_BR_TABLE)
        return MALFORMED(c, "br_table with %u targets (limit %u)", count, TCVM_WASM_MAX_BR_TABLE);
    if ((size_t)count > tcvm__cur_left(&c->c))
        return MALFORMED(c, "unexpected end of section or function");
    uint32_t *targets = tcvm__calloc((size_t)count + 1, sizeof *targets);
    if (targets == NULL)
        return cfail(c, TCVM_ENOMEM, "out of memory");
    for (uint32_t i = 0; i <= count && st == TCVM_OK; i++) {
        st = rd_u32(c, &targets[i]);
        if (st == TCVM_OK && targets[i] >= c->depth)
            st = INVALID(c, "unknown label %u", targets[i]);
    }
    opd_t idx;
    if (st == TCVM_OK)
        st = pop(c, TCVM_I32, &idx);
    if (st != TCVM_OK) {
        tcvm__free(targets);
        return st;
    }
    uint32_t idx_h = c->height;
    uint32_t arity = label_arity(&c->ctrls[c->depth - 1 - targets[count]]);
    for (uint32_t i = 0; i <= count && st == TCVM_OK; i++) {
        ctrl_t *f = &c->ctrls[c->depth - 1 - targets[i]];
        if (label_arity(f) != arity)
            st = INVALID(c, "type mismatch: br_table targets of different arity");
        else
            st = check_top_as(c, arity, label_types(f), true);
    }
    if (st == TCVM_OK && !dead(c)) {
        uint16_t is = slot_of(c, &idx, idx_h);
        size_t cells = 2 + ((size_t)count + 2) / 2;
        emit(c, OP_br_table, cells);
        size_t pos = c->n - cells;
        if (c->oom == TCVM_OK) {
            c->code[pos + 1].sx.a = is;
            c->code[pos + 1].sx.x = count;
        }
        for (uint32_t i = 0; i <= count && st == TCVM_OK; i++) {
            uint32_t fi = c->depth - 1 - targets[i];
            ctrl_t *f = &c->ctrls[fi];
            size_t cell = pos + 2 + i / 2;
            uint8_t half = i & 1;
            if (!needs_moves(c, f, arity)) {
                st = branch_to(c, fi, pos, cell, half);
            } else {
                if (c->oom == TCVM_OK)
                    set_offset(c, cell, half, pos, here(c));
                emit_moves(c, f, arity);
                st = emit_br(c, fi);
            }
        }
    }
    tcvm__free(targets);
    if (st != TCVM_OK)
        return st;
    set_unreachable(c);
    return TCVM_OK;
}

static tcvm_status_t do_end(comp_t *c, bool *done)
{
    ctrl_t *f = top(c);
    tcvm_status_t st;
    if (f->kind == CTRL_IF) {
        /* an if without else passes its parameters through as results */
        if (f->nparams != f->nresults ||
            (f->nparams > 0 && memcmp(f->params, fres(f), f->nparams * sizeof *f->params)))
            return INVALID(c, "type mismatch: if without else must have matching parameter and "
                           "result types");
    }
    if ((st = check_top(c, f->nresults, fres(f))) != TCVM_OK)
        return st;
    if (c->height != f->height + f->nresults)
        return INVALID(c, "type mismatch: %u value(s) left on the stack at the end of a block",
                       c->height - f->height - f->nresults);
    if (f->kind == CTRL_FUNC) {
        /* the function's end label: branches to it bring the results in canonical slots, and
         * so does the fallthrough; then one return */
        bool live = !f->dead;
        if (live)
            materialize_top(c, f->nresults);
        while (c->height > 0) {
            opd_t o;
            pop(c, T_ANY, &o);
        }
        resolve_patches(c, 0, here(c));
        f->dead = !(live || f->reached);
        f->unreachable = false;
        for (uint32_t i = 0; i < f->nresults; i++)
            if ((st = push_temp(c, fres(f)[i])) != TCVM_OK)
                return st;
        if (!f->dead && f->reached)
            label_here(c);
        if ((st = emit_return(c)) != TCVM_OK)
            return st;
        fuel_close(c);
        c->depth--;
        *done = true;
        return TCVM_OK;
    }
    bool fallthrough = !f->dead;
    if (fallthrough)
        materialize_top(c, f->nresults);
    bool reachable = !f->dead_entry &&
                     (fallthrough || (f->kind != CTRL_LOOP && f->reached) ||
                      (f->kind == CTRL_IF && f->else_pos != NO_POS));
    uint32_t fi = c->depth - 1;
    /* pop the results; they come back as temps of the enclosing frame */
    uint32_t base = f->height;
    while (c->height > base) {
        opd_t o;
        pop(c, T_ANY, &o);
    }
    size_t target = here(c);
    if (f->kind == CTRL_IF && f->else_pos != NO_POS && c->oom == TCVM_OK)
        set_offset(c, f->else_cell, f->else_half, f->else_pos, target);
    if (f->kind != CTRL_LOOP)
        resolve_patches(c, fi, target);
    /* f stays readable after the pop: pushing operands never moves the control stack */
    c->depth--;
    ctrl_t *outer = top(c);
    outer->dead = outer->unreachable || !reachable;
    for (uint32_t i = 0; i < f->nresults; i++)
        if ((st = push_temp(c, fres(f)[i])) != TCVM_OK)
            return st;
    label_here(c);
    return TCVM_OK;
}

static tcvm_status_t do_else(comp_t *c)
{
    ctrl_t *f = top(c);
    if (f->kind != CTRL_IF)
        return MALFORMED(c, "else without a matching if");
    tcvm_status_t st = check_top(c, f->nresults, fres(f));
    if (st != TCVM_OK)
        return st;
    if (c->height != f->height + f->nresults)
        return INVALID(c, "type mismatch: %u value(s) left on the stack at the end of a block",
                       c->height - f->height - f->nresults);
    uint32_t fi = c->depth - 1;
    if (!f->dead) {
        materialize_top(c, f->nresults);
        if ((st = emit_br(c, fi)) != TCVM_OK)
            return st;
    }
    while (c->height > f->height) {
        opd_t o;
        pop(c, T_ANY, &o);
    }
    f->kind = CTRL_ELSE;
    f->unreachable = false;
    f->dead = f->dead_entry;
    if (f->else_pos != NO_POS && c->oom == TCVM_OK && !f->dead)
        set_offset(c, f->else_cell, f->else_half, f->else_pos, here(c));
    f->else_pos = NO_POS;
    for (uint32_t i = 0; i < f->nparams; i++)
        if ((st = push_temp(c, f->params[i])) != TCVM_OK)
            return st;
    label_here(c);
    return TCVM_OK;
}

static tcvm_status_t elem_index(comp_t *c, uint32_t *out)
{
    tcvm_status_t st = rd_u32(c, out);
    if (st != TCVM_OK)
        return st;
    if (*out >= c->m->elem_count)
        return INVALID(c, "unknown elem segment %u", *out);
    return TCVM_OK;
}

static tcvm_status_t data_index(comp_t *c, uint32_t *out)
{
    tcvm_status_t st = rd_u32(c, out);
    if (st != TCVM_OK)
        return st;
    if (!c->m->has_data_count) {
        /* judged when the module is complete (see decode.c): without a data count section the
         * data segments are not known yet */
        if (!c->m->data_use.seen) {
            c->m->data_use.seen = true;
            c->m->data_use.index = *out;
            c->m->data_use.func = c->func_index;
            c->m->data_use.offset = c->base_off + c->instr_off;
        }
        return TCVM_OK;
    }
    if (*out >= c->m->data_count)
        return INVALID(c, "unknown data segment %u", *out);
    return TCVM_OK;
}

/* Three i32 operands (d, s, n) and the instruction's operand cell. */
static tcvm_status_t three_i32(comp_t *c, tcvm_valtype_t t2, tcvm_op_t op, size_t cells,
                               tcvm_cell_t **out)
{
    uint16_t a = 0, b = 0, n = 0;
    tcvm_status_t st = pop_slot(c, TCVM_I32, &n, NULL);
    if (st != TCVM_OK || (st = pop_slot(c, t2, &b, NULL)) != TCVM_OK ||
        (st = pop_slot(c, TCVM_I32, &a, NULL)) != TCVM_OK)
        return st;
    tcvm_cell_t *p = emit(c, op, cells);
    p[1].s.a = a;
    p[1].s.b = b;
    p[1].s.c = n;
    *out = p;
    return TCVM_OK;
}

static tcvm_status_t prefix_fc(comp_t *c)
{
    uint32_t sub = 0;
    tcvm_status_t st = rd_u32(c, &sub);
    if (st != TCVM_OK)
        return st;
    tcvm_cell_t *p;
    if (sub <= 7) {
        static const uint8_t ops[8] = {OP_i32_trunc_sat_f32_s, OP_i32_trunc_sat_f32_u,
                                       OP_i32_trunc_sat_f64_s, OP_i32_trunc_sat_f64_u,
                                       OP_i64_trunc_sat_f32_s, OP_i64_trunc_sat_f32_u,
                                       OP_i64_trunc_sat_f64_s, OP_i64_trunc_sat_f64_u};
        tcvm_valtype_t in = (sub & 2) ? TCVM_F64 : TCVM_F32;
        tcvm_valtype_t out = sub < 4 ? TCVM_I32 : TCVM_I64;
        return unop(c, (tcvm_op_t)ops[sub], in, out);
    }
    switch (sub) {
    case 8: { /* memory.init */
        uint32_t seg = 0;
        if ((st = data_index(c, &seg)) != TCVM_OK || (st = zero_byte(c)) != TCVM_OK)
            return st;
        if (c->m->memory_count == 0)
            return INVALID(c, "unknown memory 0");
        if ((st = three_i32(c, TCVM_I32, OP_memory_init, 3, &p)) != TCVM_OK)
            return st;
        p[2].w.lo = seg;
        return TCVM_OK;
    }
    case 9: { /* data.drop */
        uint32_t seg = 0;
        if ((st = data_index(c, &seg)) != TCVM_OK)
            return st;
        p = emit(c, OP_data_drop, 2);
        p[1].sx.x = seg;
        return TCVM_OK;
    }
    case 10: /* memory.copy */
        if ((st = zero_byte(c)) != TCVM_OK || (st = zero_byte(c)) != TCVM_OK)
            return st;
        if (c->m->memory_count == 0)
            return INVALID(c, "unknown memory 0");
        return three_i32(c, TCVM_I32, OP_memory_copy, 2, &p);
    case 11: /* memory.fill */
        if ((st = zero_byte(c)) != TCVM_OK)
            return st;
        if (c->m->memory_count == 0)
            return INVALID(c, "unknown memory 0");
        return three_i32(c, TCVM_I32, OP_memory_fill, 2, &p);
    case 12: { /* table.init elem table */
        uint32_t seg = 0, tab = 0;
        if ((st = elem_index(c, &seg)) != TCVM_OK || (st = table_index(c, &tab)) != TCVM_OK)
            return st;
        if (c->m->elems[seg].type != c->m->tables[tab].elem)
            return INVALID(c, "type mismatch: element segment %u does not fit table %u", seg, tab);
        if ((st = three_i32(c, TCVM_I32, OP_table_init, 3, &p)) != TCVM_OK)
            return st;
        p[2].w.lo = tab;
        p[2].w.hi = seg;
        return TCVM_OK;
    }
    case 13: { /* elem.drop */
        uint32_t seg = 0;
        if ((st = elem_index(c, &seg)) != TCVM_OK)
            return st;
        p = emit(c, OP_elem_drop, 2);
        p[1].sx.x = seg;
        return TCVM_OK;
    }
    case 14: { /* table.copy dst src */
        uint32_t dt = 0, stab = 0;
        if ((st = table_index(c, &dt)) != TCVM_OK || (st = table_index(c, &stab)) != TCVM_OK)
            return st;
        if (c->m->tables[dt].elem != c->m->tables[stab].elem)
            return INVALID(c, "type mismatch: table.copy between tables of different types");
        if ((st = three_i32(c, TCVM_I32, OP_table_copy, 3, &p)) != TCVM_OK)
            return st;
        p[2].w.lo = dt;
        p[2].w.hi = stab;
        return TCVM_OK;
    }
    case 15: { /* table.grow */
        uint32_t tab = 0;
        uint16_t init = 0, n = 0;
        if ((st = table_index(c, &tab)) != TCVM_OK ||
            (st = pop_slot(c, TCVM_I32, &n, NULL)) != TCVM_OK ||
            (st = pop_slot(c, c->m->tables[tab].elem, &init, NULL)) != TCVM_OK)
            return st;
        p = emit(c, OP_table_grow, 3);
        p[1].s.a = canon(c, c->height);
        p[1].s.b = init;
        p[1].s.c = n;
        p[2].w.lo = tab;
        return push_temp(c, TCVM_I32);
    }
    case 16: { /* table.size */
        uint32_t tab = 0;
        if ((st = table_index(c, &tab)) != TCVM_OK)
            return st;
        p = emit(c, OP_table_size, 2);
        p[1].sx.a = canon(c, c->height);
        p[1].sx.x = tab;
        return push_temp(c, TCVM_I32);
    }
    case 17: { /* table.fill */
        uint32_t tab = 0;
        if ((st = table_index(c, &tab)) != TCVM_OK)
            return st;
        if ((st = three_i32(c, c->m->tables[tab].elem, OP_table_fill, 3, &p)) != TCVM_OK)
            return st;
        p[2].w.lo = tab;
        return TCVM_OK;
    }
    default:
        return MALFORMED(c, "illegal opcode 0xfc 0x%x", sub);
    }
}

static tcvm_status_t instr(comp_t *c, uint8_t op, bool *done)
{
    tcvm_status_t st = TCVM_OK;
    tcvm_cell_t *p;
    if (op >= 0x45 && op <= 0xc4) {
        const numinfo_t *ni = &numeric[op - 0x45];
        if (ni->op == 0xff)
            return retype(c, (tcvm_valtype_t)ni->in, (tcvm_valtype_t)ni->out);
        if (ni->arity == 1)
            return unop(c, (tcvm_op_t)ni->op, (tcvm_valtype_t)ni->in, (tcvm_valtype_t)ni->out);
        return binop(c, (tcvm_op_t)ni->op, (tcvm_valtype_t)ni->in, (tcvm_valtype_t)ni->out);
    }
    switch (op) {
    case 0x00: /* unreachable */
        emit(c, OP_unreachable, 1);
        set_unreachable(c);
        return TCVM_OK;
    case 0x01: /* nop */
        return TCVM_OK;
    case 0x02:   /* block */
    case 0x03:   /* loop */
    case 0x04: { /* if */
        ctrl_t f;
        memset(&f, 0, sizeof f);
        f.kind = op == 0x02 ? CTRL_BLOCK : op == 0x03 ? CTRL_LOOP : CTRL_IF;
        if ((st = read_blocktype(c, &f)) != TCVM_OK)
            return st;
        opd_t cond = {0};
        uint32_t cond_h = 0;
        bool fuse = false;
        tcvm_op_t cmp_op = OP__COUNT;
        tcvm_cell_t cmp = {0};
        if (op == 0x04) {
            if ((st = pop(c, TCVM_I32, &cond)) != TCVM_OK)
                return st;
            cond_h = c->height;
            /* take a compare that produced the condition out before the block's copies */
            if (c->last_pos != NO_POS && is_i32_compare(c->last_op) &&
                cond.kind == OPD_TEMP && cond.slot == canon(c, cond_h) &&
                c->code[c->last_pos + 1].s.a == cond.slot) {
                fuse = true;
                cmp_op = c->last_op;
                cmp = c->code[c->last_pos + 1];
                c->n = c->last_pos;
                c->last_pos = NO_POS;
            }
        }
        if ((st = begin_block(c, &f)) != TCVM_OK)
            return st;
        if (op == 0x04) {
            site_t s;
            if (fuse && !dead(c)) {
                /* re-emit the compare and let emit_cond_jump fuse it */
                p = emit(c, cmp_op, 2);
                p[1] = cmp;
                mark_last(c, cmp_op);
            }
            emit_cond_jump(c, &cond, cond_h, true, &s);
            f.else_pos = (s.never || dead(c)) ? NO_POS : s.pos;
            f.else_cell = s.cell;
            f.else_half = s.half;
        }
        /* a loop's label is its header: back branches land on its fuel charge */
        f.label = here(c);
        if ((st = push_ctrl(c, &f)) != TCVM_OK)
            return st;
        if (op != 0x02)
            label_here(c);
        return TCVM_OK;
    }
    case 0x05:
        return do_else(c);
    case 0x0b:
        return do_end(c, done);
    case 0x0c: { /* br */
        uint32_t l = 0;
        if ((st = rd_u32(c, &l)) != TCVM_OK)
            return st;
        if (l >= c->depth)
            return INVALID(c, "unknown label %u", l);
        return do_br(c, l);
    }
    case 0x0d: { /* br_if */
        uint32_t l = 0;
        if ((st = rd_u32(c, &l)) != TCVM_OK)
            return st;
        if (l >= c->depth)
            return INVALID(c, "unknown label %u", l);
        return do_br_if(c, l);
    }
    case 0x0e:
        return do_br_table(c);
    case 0x0f: /* return */
        if ((st = emit_return(c)) != TCVM_OK)
            return st;
        set_unreachable(c);
        return TCVM_OK;
    case 0x10: { /* call */
        uint32_t fi = 0;
        if ((st = rd_u32(c, &fi)) != TCVM_OK)
            return st;
        if (fi >= c->m->func_count)
            return INVALID(c, "unknown function %u", fi);
        return do_call(c, fi);
    }
    case 0x11:
        return do_call_indirect(c);
    case 0x1a: { /* drop */
        opd_t o;
        return pop(c, T_ANY, &o);
    }
    case 0x1b:   /* select */
    case 0x1c: { /* select t* */
        tcvm_valtype_t t = T_ANY;
        if (op == 0x1c) {
            uint32_t n = 0;
            if ((st = rd_u32(c, &n)) != TCVM_OK)
                return st;
            if (n != 1)
                return INVALID(c, "invalid result arity %u for select", n);
            const char *feature = NULL;
            st = tcvm__read_valtype(&c->c, &t, &feature);
            if (st == TCVM_WASM_FEATURE)
                return cfail(c, st, "unsupported feature: %s", feature);
            if (st != TCVM_OK)
                return MALFORMED(c, "malformed value type in select");
        }
        uint16_t cs = 0, as = 0, bs = 0;
        opd_t a, b;
        if ((st = pop_slot(c, TCVM_I32, &cs, NULL)) != TCVM_OK ||
            (st = pop_slot(c, t, &bs, &b)) != TCVM_OK || (st = pop_slot(c, t, &as, &a)) != TCVM_OK)
            return st;
        tcvm_valtype_t rt = t;
        if (op == 0x1b) {
            if ((a.type != T_ANY && tcvm__valtype_is_ref(a.type)) ||
                (b.type != T_ANY && tcvm__valtype_is_ref(b.type)))
                return INVALID(c, "type mismatch: select without a type needs numeric operands");
            if (a.type != T_ANY && b.type != T_ANY && a.type != b.type)
                return INVALID(c, "type mismatch: select operands %s and %s", tname(a.type),
                               tname(b.type));
            rt = a.type != T_ANY ? a.type : b.type;
        }
        p = emit(c, OP_select, 2);
        p[1].s.a = canon(c, c->height);
        p[1].s.b = as;
        p[1].s.c = bs;
        p[1].s.d = cs;
        if ((st = push_temp(c, rt)) != TCVM_OK)
            return st;
        mark_last(c, OP_select);
        return TCVM_OK;
    }
    case 0x20: { /* local.get */
        uint32_t li = 0;
        if ((st = local_index(c, &li)) != TCVM_OK)
            return st;
        opd_t o = {c->local_types[li], OPD_LOCAL, (uint16_t)li, 0};
        return push(c, o);
    }
    case 0x21:   /* local.set */
    case 0x22: { /* local.tee */
        uint32_t li = 0;
        if ((st = local_index(c, &li)) != TCVM_OK)
            return st;
        return local_set(c, li, op == 0x22);
    }
    case 0x23: { /* global.get */
        uint32_t gi = 0;
        if ((st = global_index(c, &gi)) != TCVM_OK)
            return st;
        p = emit(c, OP_global_get, 2);
        p[1].sx.a = canon(c, c->height);
        p[1].sx.x = gi;
        if ((st = push_temp(c, c->m->globals[gi].type.type)) != TCVM_OK)
            return st;
        mark_last(c, OP_global_get);
        return TCVM_OK;
    }
    case 0x24: { /* global.set */
        uint32_t gi = 0;
        uint16_t v = 0;
        if ((st = global_index(c, &gi)) != TCVM_OK)
            return st;
        if (!c->m->globals[gi].type.is_mutable)
            return INVALID(c, "global is immutable: global %u", gi);
        if ((st = pop_slot(c, c->m->globals[gi].type.type, &v, NULL)) != TCVM_OK)
            return st;
        p = emit(c, OP_global_set, 2);
        p[1].sx.a = v;
        p[1].sx.x = gi;
        return TCVM_OK;
    }
    case 0x25: { /* table.get */
        uint32_t tab = 0;
        uint16_t i = 0;
        if ((st = table_index(c, &tab)) != TCVM_OK ||
            (st = pop_slot(c, TCVM_I32, &i, NULL)) != TCVM_OK)
            return st;
        p = emit(c, OP_table_get, 2);
        p[1].sx.a = canon(c, c->height);
        p[1].sx.b = i;
        p[1].sx.x = tab;
        return push_temp(c, c->m->tables[tab].elem);
    }
    case 0x26: { /* table.set */
        uint32_t tab = 0;
        uint16_t i = 0, v = 0;
        if ((st = table_index(c, &tab)) != TCVM_OK ||
            (st = pop_slot(c, c->m->tables[tab].elem, &v, NULL)) != TCVM_OK ||
            (st = pop_slot(c, TCVM_I32, &i, NULL)) != TCVM_OK)
            return st;
        p = emit(c, OP_table_set, 2);
        p[1].sx.a = i;
        p[1].sx.b = v;
        p[1].sx.x = tab;
        return TCVM_OK;
    }
    case 0x28: return load(c, OP_load32, TCVM_I32, 2);
    case 0x29: return load(c, OP_load64, TCVM_I64, 3);
    case 0x2a: return load(c, OP_load32, TCVM_F32, 2);
    case 0x2b: return load(c, OP_load64, TCVM_F64, 3);
    case 0x2c: return load(c, OP_i32_load8_s, TCVM_I32, 0);
    case 0x2d: return load(c, OP_load8_u, TCVM_I32, 0);
    case 0x2e: return load(c, OP_i32_load16_s, TCVM_I32, 1);
    case 0x2f: return load(c, OP_load16_u, TCVM_I32, 1);
    case 0x30: return load(c, OP_i64_load8_s, TCVM_I64, 0);
    case 0x31: return load(c, OP_load8_u, TCVM_I64, 0);
    case 0x32: return load(c, OP_i64_load16_s, TCVM_I64, 1);
    case 0x33: return load(c, OP_load16_u, TCVM_I64, 1);
    case 0x34: return load(c, OP_i64_load32_s, TCVM_I64, 2);
    case 0x35: return load(c, OP_load32, TCVM_I64, 2);
    case 0x36: return store(c, OP_store32, TCVM_I32, 2);
    case 0x37: return store(c, OP_store64, TCVM_I64, 3);
    case 0x38: return store(c, OP_store32, TCVM_F32, 2);
    case 0x39: return store(c, OP_store64, TCVM_F64, 3);
    case 0x3a: return store(c, OP_store8, TCVM_I32, 0);
    case 0x3b: return store(c, OP_store16, TCVM_I32, 1);
    case 0x3c: return store(c, OP_store8, TCVM_I64, 0);
    case 0x3d: return store(c, OP_store16, TCVM_I64, 1);
    case 0x3e: return store(c, OP_store32, TCVM_I64, 2);
    case 0x3f: /* memory.size */
        if ((st = zero_byte(c)) != TCVM_OK)
            return st;
        if (c->m->memory_count == 0)
            return INVALID(c, "unknown memory 0");
        p = emit(c, OP_memory_size, 2);
        p[1].s.a = canon(c, c->height);
        return push_temp(c, TCVM_I32);
    case 0x40: { /* memory.grow */
        uint16_t n = 0;
        if ((st = zero_byte(c)) != TCVM_OK)
            return st;
        if (c->m->memory_count == 0)
            return INVALID(c, "unknown memory 0");
        if ((st = pop_slot(c, TCVM_I32, &n, NULL)) != TCVM_OK)
            return st;
        p = emit(c, OP_memory_grow, 2);
        p[1].s.a = canon(c, c->height);
        p[1].s.b = n;
        return push_temp(c, TCVM_I32);
    }
    case 0x41: { /* i32.const */
        int64_t v = 0;
        if ((st = rd_sleb(c, 32, &v)) != TCVM_OK)
            return st;
        opd_t o = {TCVM_I32, OPD_CONST, 0, (uint32_t)v};
        return push(c, o);
    }
    case 0x42: { /* i64.const */
        int64_t v = 0;
        if ((st = rd_sleb(c, 64, &v)) != TCVM_OK)
            return st;
        opd_t o = {TCVM_I64, OPD_CONST, 0, (uint64_t)v};
        return push(c, o);
    }
    case 0x43: { /* f32.const */
        const uint8_t *b = NULL;
        if (tcvm__cur_bytes(&c->c, 4, &b) != TCVM_OK)
            return read_error(c, TCVM_ETRUNC);
        opd_t o = {TCVM_F32, OPD_CONST, 0, tcvm__le32(b)};
        return push(c, o);
    }
    case 0x44: { /* f64.const */
        const uint8_t *b = NULL;
        if (tcvm__cur_bytes(&c->c, 8, &b) != TCVM_OK)
            return read_error(c, TCVM_ETRUNC);
        opd_t o = {TCVM_F64, OPD_CONST, 0, tcvm__le64(b)};
        return push(c, o);
    }
    case 0xd0: { /* ref.null */
        tcvm_valtype_t t;
        const char *feature = NULL;
        st = tcvm__read_valtype(&c->c, &t, &feature);
        if (st == TCVM_WASM_FEATURE)
            return cfail(c, st, "unsupported feature: %s", feature);
        if (st != TCVM_OK || !tcvm__valtype_is_ref(t))
            return MALFORMED(c, "malformed reference type");
        opd_t o = {t, OPD_CONST, 0, 0};
        return push(c, o);
    }
    case 0xd1: { /* ref.is_null */
        opd_t o;
        if ((st = pop(c, T_ANY, &o)) != TCVM_OK)
            return st;
        if (o.type != T_ANY && !tcvm__valtype_is_ref(o.type))
            return INVALID(c, "type mismatch: ref.is_null of %s", tname(o.type));
        uint16_t a = slot_of(c, &o, c->height);
        p = emit(c, OP_i64_eqz, 2);
        p[1].s.a = canon(c, c->height);
        p[1].s.b = a;
        return push_temp(c, TCVM_I32);
    }
    case 0xd2: { /* ref.func */
        uint32_t fi = 0;
        if ((st = rd_u32(c, &fi)) != TCVM_OK)
            return st;
        if (fi >= c->m->func_count)
            return INVALID(c, "unknown function %u", fi);
        if (c->m->func_declared == NULL || !c->m->func_declared[fi])
            return INVALID(c, "undeclared function reference %u", fi);
        p = emit(c, OP_ref_func, 2);
        p[1].sx.a = canon(c, c->height);
        p[1].sx.x = fi;
        return push_temp(c, TCVM_FUNCREF);
    }
    case 0xfc:
        return prefix_fc(c);
    default: {
        const char *feature = tcvm__opcode_feature(op);
        if (feature != NULL)
            return cfail(c, TCVM_WASM_FEATURE, "unsupported feature: %s (opcode 0x%02x)", feature,
                         op);
        return MALFORMED(c, "illegal opcode 0x%02x", op);
    }
    }
}

static tcvm_status_t read_locals(comp_t *c)
{
    const wtype_t *t = c->ftype;
    uint32_t groups = 0;
    tcvm_status_t st = rd_u32(c, &groups);
    if (st != TCVM_OK)
        return st;
    uint64_t total = t->param_count;
    size_t start = c->c.pos;
    /* first pass: count, so the types array is allocated once */
    for (uint32_t g = 0; g < groups; g++) {
        uint32_t n = 0;
        tcvm_valtype_t vt;
        if ((st = rd_u32(c, &n)) != TCVM_OK)
            return st;
        total += n;
        if (total > TCVM_WASM_MAX_LOCALS)
            return MALFORMED(c, "too many locals (more than %u)", TCVM_WASM_MAX_LOCALS);
        const char *feature = NULL;
        st = tcvm__read_valtype(&c->c, &vt, &feature);
        if (st == TCVM_WASM_FEATURE)
            return cfail(c, st, "unsupported feature: %s", feature);
        if (st == TCVM_ETRUNC)
            return read_error(c, st);
        if (st != TCVM_OK)
            return MALFORMED(c, "malformed value type of local");
    }
    c->nlocals = (uint32_t)total;
    c->local_types = tcvm__calloc(total + 1, sizeof *c->local_types);
    c->lazy_refs = tcvm__calloc(total + 1, sizeof *c->lazy_refs);
    if (c->local_types == NULL || c->lazy_refs == NULL)
        return cfail(c, TCVM_ENOMEM, "out of memory");
    memcpy(c->local_types, t->types, t->param_count * sizeof *t->types);
    c->c.pos = start;
    uint32_t k = t->param_count;
    for (uint32_t g = 0; g < groups; g++) {
        uint32_t n = 0;
        tcvm_valtype_t vt;
        const char *feature;
        rd_u32(c, &n);
        tcvm__read_valtype(&c->c, &vt, &feature);
        for (uint32_t i = 0; i < n; i++)
            c->local_types[k++] = vt;
    }
    return TCVM_OK;
}

static void comp_free(comp_t *c)
{
    tcvm__free(c->local_types);
    tcvm__free(c->lazy_refs);
    tcvm__free(c->stack);
    tcvm__free(c->ctrls);
    tcvm__free(c->code);
    tcvm__free(c->patches);
}

tcvm_status_t tcvm__wasm_compile(tcvm_module_t *m, uint32_t func_index, const uint8_t *bytes,
                                 size_t size, size_t offset, tcvm_error_t *err)
{
    comp_t c;
    memset(&c, 0, sizeof c);
    c.m = m;
    c.func_index = func_index;
    c.ftype = &m->types[m->func_types[func_index]];
    c.c = tcvm__cursor(bytes, size);
    c.base_off = offset;
    c.err = err;
    c.labels = tcvm__interp_labels();
    c.fuel = m->engine->config.fuel;
    c.last_pos = NO_POS;
    c.fuel_pos = NO_POS;
    tcvm_status_t st = read_locals(&c);
    if (st != TCVM_OK)
        goto out;
    if (c.nlocals + 2 > TCVM__MAX_FRAME_SLOTS) {
        st = cfail(&c, TCVM_ELIMIT, "too many locals for a frame");
        goto out;
    }
    ctrl_t f;
    memset(&f, 0, sizeof f);
    f.kind = CTRL_FUNC;
    f.nresults = c.ftype->result_count;
    f.results = c.ftype->types + c.ftype->param_count;
    f.else_pos = NO_POS;
    if ((st = push_ctrl(&c, &f)) != TCVM_OK)
        goto out;
    label_here(&c);
    size_t body_start = c.c.pos;
    bool done = false;
    while (!done) {
        c.instr_off = c.c.pos;
        uint8_t op = 0;
        if (tcvm__cur_u8(&c.c, &op) != TCVM_OK) {
            st = MALFORMED(&c, "unexpected end of section or function (END opcode expected)");
            goto out;
        }
        if (c.fuel && !dead(&c))
            c.fuel_count++;
        if ((st = instr(&c, op, &done)) != TCVM_OK) {
            if (st == TCVM_WASM_INVALID) {
                /* a malformed encoding anywhere in the body takes precedence */
                tcvm_error_t saved;
                if (err != NULL)
                    saved = *err;
                tcvm_status_t syn = tcvm__wasm_syntax_scan(bytes, size, body_start, offset,
                                                           func_index, err);
                if (syn != TCVM_OK)
                    st = syn;
                else if (err != NULL)
                    *err = saved;
            }
            goto out;
        }
        if (c.oom != TCVM_OK) {
            st = cfail(&c, c.oom, "out of memory");
            goto out;
        }
    }
    if (!tcvm__cur_eof(&c.c)) {
        c.instr_off = c.c.pos;
        st = MALFORMED(&c, "section size mismatch: bytes after the final END of the body");
        goto out;
    }
    wcode_t *code = &m->codes[func_index - m->func_import_count];
    code->type_index = m->func_types[func_index];
    code->param_slots = c.ftype->param_count;
    code->local_slots = c.nlocals;
    code->result_count = c.ftype->result_count;
    code->frame_slots = c.nlocals + c.max_height + 2;
    if (code->frame_slots < code->result_count)
        code->frame_slots = code->result_count;
    tcvm_cell_t *cells = tcvm__reallocarray(c.code, c.n ? c.n : 1, sizeof *cells);
    code->cells = cells != NULL ? cells : c.code;
    code->cell_count = c.n;
    c.code = NULL;
out:
    comp_free(&c);
    return st;
}

void tcvm__wasm_code_free(wcode_t *code)
{
    if (code == NULL)
        return;
    tcvm__free(code->cells);
    code->cells = NULL;
}
