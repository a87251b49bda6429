/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The C source that turns wasm2c's output for one module into a shared object 2cvm can load.
 *
 * The translation unit it writes is: this project's runtime prelude (the wasm-rt functions the
 * generated code calls, forwarded to the library through one table of function pointers, a
 * call-depth counter kept in each instance's import context), then wasm2c's generated .c file
 * (#included, so the glue can name its static functions), then the glue proper: one thunk or
 * accessor per import of the rewritten module (see aot_build.c for the rewriting: every import
 * is named "i"/"f<k>", "i"/"m<n>", ...), one slot-based caller per defined function, and the
 * module descriptor that is the object's only exported symbol.
 *
 * Calls between compiled modules go straight from one generated function to the other through
 * the import thunk; only host functions take the generic path through the library.
 */
#include "wasm/aot.h"

#include <stdio.h>

extern const char tcvm__aot_abi_text[];

static char type_char(tcvm_valtype_t t)
{
    switch (t) {
    case TCVM_I32: return 'i';
    case TCVM_I64: return 'j';
    case TCVM_F32: return 'f';
    case TCVM_F64: return 'd';
    case TCVM_FUNCREF: return 'r';
    case TCVM_EXTERNREF: return 'e';
    }
    return '?';
}

static const char *ctype(tcvm_valtype_t t)
{
    switch (t) {
    case TCVM_I32: return "u32";
    case TCVM_I64: return "u64";
    case TCVM_F32: return "f32";
    case TCVM_F64: return "f64";
    case TCVM_FUNCREF: return "wasm_rt_funcref_t";
    case TCVM_EXTERNREF: return "wasm_rt_externref_t";
    }
    return "void";
}

/* The C return type of a function type: void, a scalar, or wasm2c's struct wasm_multi_*. */
static tcvm_status_t ret_type(tcvm_buf_t *b, const wtype_t *t)
{
    if (t->result_count == 0)
        return tcvm__buf_printf(b, "void");
    if (t->result_count == 1)
        return tcvm__buf_printf(b, "%s", ctype(t->types[t->param_count]));
    tcvm_status_t st = tcvm__buf_printf(b, "struct wasm_multi_");
    for (uint32_t i = 0; i < t->result_count && st == TCVM_OK; i++)
        st = tcvm__buf_printf(b, "%c", type_char(t->types[t->param_count + i]));
    return st;
}

/* "FIRST, P0 a0, P1 a1" */
static tcvm_status_t params(tcvm_buf_t *b, const char *first, const wtype_t *t, bool names)
{
    tcvm_status_t st = tcvm__buf_printf(b, "%s", first);
    for (uint32_t i = 0; i < t->param_count && st == TCVM_OK; i++)
        st = names ? tcvm__buf_printf(b, ", %s a%u", ctype(t->types[i]), i)
                   : tcvm__buf_printf(b, ", %s", ctype(t->types[i]));
    return st;
}

/* Name of result i of a call expression r: r itself, or r.<c><i> for multi-value. */
static tcvm_status_t result_field(tcvm_buf_t *b, const wtype_t *t, uint32_t i)
{
    if (t->result_count == 1)
        return tcvm__buf_printf(b, "r");
    return tcvm__buf_printf(b, "r.%c%u", type_char(t->types[t->param_count + i]), i);
}

static tcvm_status_t emit_thunk(tcvm_buf_t *b, uint32_t k, const wtype_t *t)
{
    tcvm_status_t st = ret_type(b, t);
    if (st != TCVM_OK || (st = tcvm__buf_printf(b, " Z_iZ_f%u(", k)) != TCVM_OK ||
        (st = params(b, "struct Z_i_instance_t *ctx_", t, true)) != TCVM_OK)
        return st;
    st = tcvm__buf_printf(b, ")\n{\n    tcvm_aot_ctx_t *c = (tcvm_aot_ctx_t *)ctx_;\n"
                             "    if (c->magic != TCVM_AOT_CTX_MAGIC)\n"
                             "        c = *(tcvm_aot_ctx_t **)ctx_;\n"
                             "    if (c->direct_fn[%u] != NULL)\n        return ((", k);
    if (st != TCVM_OK || (st = ret_type(b, t)) != TCVM_OK ||
        (st = tcvm__buf_printf(b, " (*)(")) != TCVM_OK || (st = params(b, "void *", t, false)) != TCVM_OK ||
        (st = tcvm__buf_printf(b, "))c->direct_fn[%u])(c->direct_inst[%u]", k, k)) != TCVM_OK)
        return st;
    for (uint32_t i = 0; i < t->param_count && st == TCVM_OK; i++)
        st = tcvm__buf_printf(b, ", a%u", i);
    uint32_t n = t->param_count > t->result_count ? t->param_count : t->result_count;
    if (st == TCVM_OK)
        st = tcvm__buf_printf(b, ");\n    uint64_t s[%u];\n", n ? n : 1);
    for (uint32_t i = 0; i < t->param_count && st == TCVM_OK; i++)
        st = tcvm__buf_printf(b, "    s[%u] = TCVM_PACK_%c(a%u);\n", i, type_char(t->types[i]), i);
    if (st == TCVM_OK)
        st = tcvm__buf_printf(b, "    tcvm_api_->call_import(c, %u, s);\n", k);
    if (st == TCVM_OK && t->result_count > 0) {
        st = tcvm__buf_printf(b, "    ");
        if (st == TCVM_OK)
            st = ret_type(b, t);
        if (st == TCVM_OK)
            st = tcvm__buf_printf(b, " r;\n");
        for (uint32_t i = 0; i < t->result_count && st == TCVM_OK; i++) {
            st = tcvm__buf_printf(b, "    ");
            if (st == TCVM_OK)
                st = result_field(b, t, i);
            if (st == TCVM_OK)
                st = tcvm__buf_printf(b, " = TCVM_UNPACK_%c(s[%u]);\n",
                                      type_char(t->types[t->param_count + i]), i);
        }
        if (st == TCVM_OK)
            st = tcvm__buf_printf(b, "    return r;\n");
    }
    if (st == TCVM_OK)
        st = tcvm__buf_printf(b, "}\n\n");
    return st;
}

static tcvm_status_t emit_caller(tcvm_buf_t *b, uint32_t fi, const wtype_t *t)
{
    tcvm_status_t st = tcvm__buf_printf(b, "static void call_%u(void *inst, uint64_t *s)\n{\n    "
                                           "(void)s;\n    ", fi);
    if (st == TCVM_OK && t->result_count > 0) {
        if ((st = ret_type(b, t)) == TCVM_OK)
            st = tcvm__buf_printf(b, " r = ");
    }
    if (st == TCVM_OK)
        st = tcvm__buf_printf(b, "w2c_x%u((Z_m_instance_t *)inst", fi);
    for (uint32_t i = 0; i < t->param_count && st == TCVM_OK; i++)
        st = tcvm__buf_printf(b, ", TCVM_UNPACK_%c(s[%u])", type_char(t->types[i]), i);
    if (st == TCVM_OK)
        st = tcvm__buf_printf(b, ");\n");
    for (uint32_t i = 0; i < t->result_count && st == TCVM_OK; i++) {
        st = tcvm__buf_printf(b, "    s[%u] = TCVM_PACK_%c(", i,
                              type_char(t->types[t->param_count + i]));
        if (st == TCVM_OK)
            st = result_field(b, t, i);
        if (st == TCVM_OK)
            st = tcvm__buf_printf(b, ");\n");
    }
    if (st == TCVM_OK)
        st = tcvm__buf_printf(b, "}\n\n");
    return st;
}

/* The runtime prelude: everything the generated code needs before wasm2c's output. */
static const char prelude[] =
    "#define WASM_RT_MEMCHECK_SIGNAL_HANDLER 1\n"
    "#define WASM_RT_USE_STACK_DEPTH_COUNT 1\n"

    "#include <stdarg.h>\n#include <stdbool.h>\n#include <stdint.h>\n#include <string.h>\n"
    "static const tcvm_aot_api_t *tcvm_api_;\n"
    "#include \"wasm-rt.h\"\n"
    /* Stack exhaustion: wasm2c's prologue counts call depth in memory (an increment on entry and
     * a decrement on exit, a chain of read-modify-writes through every call); the build rewrites
     * it (see patch_generated in aot_build.c) to compare the stack pointer with the store's stack
     * limit instead, one load and one compare, no store. Every rewritten module imports that
     * limit as its last global ("i"/"d0"). Sibling-call optimisation stays off, so that every
     * wasm call, even in tail position, takes stack and runaway recursion reaches the limit. */
    "#if defined(__x86_64__)\n"
    "static inline uintptr_t tcvm_sp_(void)\n"
    "{ uintptr_t sp; __asm__(\"mov %%rsp, %0\" : \"=r\"(sp)); return sp; }\n"
    "#elif defined(__aarch64__)\n"
    "static inline uintptr_t tcvm_sp_(void)\n"
    "{ uintptr_t sp; __asm__(\"mov %0, sp\" : \"=r\"(sp)); return sp; }\n"
    "#else\n"
    "static inline uintptr_t tcvm_sp_(void) { return (uintptr_t)__builtin_frame_address(0); }\n"
    "#endif\n"
    "_Static_assert(sizeof(wasm_rt_funcref_t) == sizeof(tcvm_aot_funcref_t), \"funcref\");\n"
    "void wasm_rt_trap(wasm_rt_trap_t code) { tcvm_api_->trap((int)code); }\n"
    "bool wasm_rt_is_initialized(void) { return true; }\n"
    "uint32_t wasm_rt_register_func_type(uint32_t params, uint32_t results, ...)\n"
    "{\n    int types[2048];\n    va_list ap;\n    va_start(ap, results);\n"
    "    for (uint32_t i = 0; i < params + results && i < 2048; i++)\n"
    "        types[i] = va_arg(ap, int);\n    va_end(ap);\n"
    "    return tcvm_api_->register_type(params, results, types);\n}\n"
    "uint32_t wasm_rt_grow_memory(wasm_rt_memory_t *m, uint32_t delta)\n"
    "{ return tcvm_api_->grow_memory(m, delta); }\n"
    "uint32_t wasm_rt_grow_funcref_table(wasm_rt_funcref_table_t *t, uint32_t delta,\n"
    "                                    wasm_rt_funcref_t init)\n"
    "{ tcvm_aot_funcref_t f; memcpy(&f, &init, sizeof f);\n"
    "  return tcvm_api_->grow_funcref_table(t, delta, f); }\n"
    "uint32_t wasm_rt_grow_externref_table(wasm_rt_externref_table_t *t, uint32_t delta,\n"
    "                                      wasm_rt_externref_t init)\n"
    "{ return tcvm_api_->grow_externref_table(t, delta, init); }\n"
    "void wasm_rt_allocate_memory(wasm_rt_memory_t *m, uint32_t a, uint32_t b)\n"
    "{ (void)m; (void)a; (void)b; tcvm_api_->trap(WASM_RT_TRAP_UNREACHABLE); }\n"
    "void wasm_rt_free_memory(wasm_rt_memory_t *m) { (void)m; }\n"
    "void wasm_rt_allocate_funcref_table(wasm_rt_funcref_table_t *t, uint32_t a, uint32_t b)\n"
    "{ (void)t; (void)a; (void)b; tcvm_api_->trap(WASM_RT_TRAP_UNREACHABLE); }\n"
    "void wasm_rt_free_funcref_table(wasm_rt_funcref_table_t *t) { (void)t; }\n"
    "void wasm_rt_allocate_externref_table(wasm_rt_externref_table_t *t, uint32_t a, uint32_t b)\n"
    "{ (void)t; (void)a; (void)b; tcvm_api_->trap(WASM_RT_TRAP_UNREACHABLE); }\n"
    "void wasm_rt_free_externref_table(wasm_rt_externref_table_t *t) { (void)t; }\n"
    /* slot conversions */
    "static inline uint64_t tcvm_f32_bits_(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }\n"
    "static inline uint64_t tcvm_f64_bits_(double d) { uint64_t u; memcpy(&u, &d, 8); return u; }\n"
    "static inline float tcvm_f32_of_(uint64_t s) { uint32_t u = (uint32_t)s; float f;\n"
    "  memcpy(&f, &u, 4); return f; }\n"
    "static inline double tcvm_f64_of_(uint64_t s) { double d; memcpy(&d, &s, 8); return d; }\n"
    "static inline uint64_t tcvm_fr_slot_(wasm_rt_funcref_t r)\n"
    "{ tcvm_aot_funcref_t f; memcpy(&f, &r, sizeof f); return tcvm_api_->funcref_to_slot(NULL, &f); }\n"
    "static inline wasm_rt_funcref_t tcvm_fr_of_(uint64_t s)\n"
    "{ tcvm_aot_funcref_t f; tcvm_api_->funcref_from_slot(NULL, s, &f); wasm_rt_funcref_t r;\n"
    "  memcpy(&r, &f, sizeof r); return r; }\n"
    "#define TCVM_PACK_i(x) ((uint64_t)(uint32_t)(x))\n"
    "#define TCVM_PACK_j(x) ((uint64_t)(x))\n"
    "#define TCVM_PACK_f(x) tcvm_f32_bits_(x)\n"
    "#define TCVM_PACK_d(x) tcvm_f64_bits_(x)\n"
    "#define TCVM_PACK_r(x) tcvm_fr_slot_(x)\n"
    "#define TCVM_PACK_e(x) ((uint64_t)(uintptr_t)(x))\n"
    "#define TCVM_UNPACK_i(x) ((u32)(x))\n"
    "#define TCVM_UNPACK_j(x) ((u64)(x))\n"
    "#define TCVM_UNPACK_f(x) tcvm_f32_of_(x)\n"
    "#define TCVM_UNPACK_d(x) tcvm_f64_of_(x)\n"
    "#define TCVM_UNPACK_r(x) tcvm_fr_of_(x)\n"
    "#define TCVM_UNPACK_e(x) ((wasm_rt_externref_t)(uintptr_t)(x))\n"
    "#define WASM_RT_TRAP_TABLE_OOB_ 10\n"
    "#define TRAP_INDIRECT_(table, x) (wasm_rt_trap((x) >= (table).size ? 10 :\\\n"
    "    (table).data[x].func == NULL ? 11 : WASM_RT_TRAP_CALL_INDIRECT), 0)\n"
    "#include \"m.c\"\n"
    "struct Z_i_instance_t { tcvm_aot_ctx_t c; };\n\n";

tcvm_status_t tcvm__aot_glue(const tcvm_module_t *m, const tcvm__aot_layout_t *lay, tcvm_buf_t *b)
{
    tcvm_status_t st = tcvm__buf_printf(b, "/* generated by 2cvm: glue for one module */\n%s\n%s",
                                        tcvm__aot_abi_text, prelude);
    /* imports of the rewritten module, in order */
    for (uint32_t k = 0; k < lay->import_count && st == TCVM_OK; k++) {
        const tcvm__aot_import_t *im = &lay->imports[k];
        switch (im->kind) {
        case TCVM_EXTERN_FUNC:
            st = emit_thunk(b, k, &m->types[im->type_index]);
            break;
        case TCVM_EXTERN_MEMORY:
            st = tcvm__buf_printf(b, "wasm_rt_memory_t *Z_iZ_%c%u(struct Z_i_instance_t *c)\n"
                                     "{ return (wasm_rt_memory_t *)c->c.objects[%u]; }\n",
                                  im->prefix, im->number, k);
            break;
        case TCVM_EXTERN_TABLE:
            st = tcvm__buf_printf(b, "wasm_rt_%s_table_t *Z_iZ_%c%u(struct Z_i_instance_t *c)\n"
                                     "{ return (wasm_rt_%s_table_t *)c->c.objects[%u]; }\n",
                                  im->elem == TCVM_FUNCREF ? "funcref" : "externref", im->prefix,
                                  im->number, im->elem == TCVM_FUNCREF ? "funcref" : "externref",
                                  k);
            break;
        case TCVM_EXTERN_GLOBAL:
            if (im->prefix == 'd') {
                /* the store's stack limit, reached through the instance's context */
                st = tcvm__buf_printf(b, "u64 *Z_iZ_d0(struct Z_i_instance_t *c)\n"
                                         "{ return c->c.stack_limit; }\n");
                break;
            }
            st = tcvm__buf_printf(b, "%s *Z_iZ_%c%u(struct Z_i_instance_t *c)\n"
                                     "{ return (%s *)c->c.objects[%u]; }\n",
                                  ctype(im->global), im->prefix, im->number, ctype(im->global), k);
            break;
        }
    }
    /* callers of the defined functions */
    for (uint32_t fi = m->func_import_count; fi < m->func_count && st == TCVM_OK; fi++)
        st = emit_caller(b, fi, &m->types[m->func_types[fi]]);
    uint32_t nf = m->func_count - m->func_import_count;
    if (st == TCVM_OK)
        st = tcvm__buf_printf(b, "static const tcvm_aot_func_t funcs_[%u] = {\n", nf ? nf : 1);
    for (uint32_t fi = m->func_import_count; fi < m->func_count && st == TCVM_OK; fi++)
        st = tcvm__buf_printf(b, "    {(void (*)(void))&w2c_x%u, call_%u},\n", fi, fi);
    if (st == TCVM_OK)
        st = tcvm__buf_printf(b, "};\nstatic const tcvm_aot_import_t imports_[%u] = {\n",
                              lay->import_count ? lay->import_count : 1);
    for (uint32_t k = 0; k < lay->import_count && st == TCVM_OK; k++) {
        if (lay->imports[k].kind == TCVM_EXTERN_FUNC)
            st = tcvm__buf_printf(b, "    {(void (*)(void))&Z_iZ_f%u},\n", k);
        else
            st = tcvm__buf_printf(b, "    {0},\n");
    }
    if (st == TCVM_OK)
        st = tcvm__buf_printf(
            b,
            "};\n"
            "static void init_(const tcvm_aot_api_t *api)\n"
            "{ tcvm_api_ = api; Z_m_init_module(); }\n"
            "static void instantiate_(void *inst, tcvm_aot_ctx_t *ctx)\n"
            "{ Z_m_instantiate((Z_m_instance_t *)inst, (struct Z_i_instance_t *)ctx); }\n"
            "static void release_(void *inst) { Z_m_free((Z_m_instance_t *)inst); }\n"
            "__attribute__((visibility(\"default\"))) const tcvm_aot_module_t "
            "tcvm_aot_module_v1 = {\n"
            "    TCVM_AOT_ABI, sizeof(Z_m_instance_t), %u, %u, init_, instantiate_, release_,\n"
            "    funcs_, imports_,\n};\n",
            lay->import_count, nf);
    return st;
}
