/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The instruction set of the interpreter's internal form, as one X-macro list. compile.c emits
 * these (through the handler addresses exec.c exports) and exec.c implements one handler each.
 * Operand layouts are written next to each group; "d" is the destination slot, "a", "b", "c"
 * source slots, all in the operand cell that follows the handler cell.
 */
#ifndef TCVM_WASM_OPS_H
#define TCVM_WASM_OPS_H

#define TCVM_OPS(X)                                                                                \
    /* control. br: [x=offset]; br_if/br_unless: [a=cond x=offset]; fused compare-branches:    \
       [a b x=offset]; br_table: [a=index x=count] then count+1 offsets, two per cell;         \
       unreachable: none; fuel: [x=amount]; return: [a=count] then slots, four per cell;       \
       return0: none; return1: [a] */                                                          \
    X(unreachable) X(fuel) X(br) X(br_if) X(br_unless) X(br_table)                                 \
    X(return0) X(return1) X(return)                                                                \
    X(br_if_eq) X(br_if_ne) X(br_if_lt_s) X(br_if_lt_u) X(br_if_gt_s) X(br_if_gt_u)               \
    X(br_if_le_s) X(br_if_le_u) X(br_if_ge_s) X(br_if_ge_u)                                        \
    X(br_unless_eq) X(br_unless_ne) X(br_unless_lt_s) X(br_unless_lt_u) X(br_unless_gt_s)          \
    X(br_unless_gt_u) X(br_unless_le_s) X(br_unless_le_u) X(br_unless_ge_s) X(br_unless_ge_u)      \
    /* fused compare-with-constant branches: [a x=imm] then [lo=offset] */                     \
    X(br_if_eq_imm) X(br_if_ne_imm) X(br_if_lt_s_imm) X(br_if_lt_u_imm) X(br_if_gt_s_imm)          \
    X(br_if_gt_u_imm) X(br_if_le_s_imm) X(br_if_le_u_imm) X(br_if_ge_s_imm) X(br_if_ge_u_imm)      \
    X(br_unless_eq_imm) X(br_unless_ne_imm) X(br_unless_lt_s_imm) X(br_unless_lt_u_imm)            \
    X(br_unless_gt_s_imm) X(br_unless_gt_u_imm) X(br_unless_le_s_imm) X(br_unless_le_u_imm)        \
    X(br_unless_ge_s_imm) X(br_unless_ge_u_imm)                                                    \
    /* calls. call: [a=base x=defined-function index]; call_func: [a=base x=function index];  \
       call_indirect: [a=base b=elem-index-slot x=type index] then [lo=table] */               \
    X(call) X(call_func) X(call_indirect)                                                          \
    /* data movement. copy: [d a]; const32: [d x=imm]; const64: [d] then [imm];              \
       select: [d a b c=cond] */                                                               \
    X(copy) X(const32) X(const64) X(select)                                                        \
    /* globals. [d|a x=index] */                                                               \
    X(global_get) X(global_set)                                                                    \
    /* memory. loads [d a=addr x=offset]; stores [a=addr b=value x=offset] */                 \
    X(load32) X(load64) X(load8_u) X(load16_u) X(i32_load8_s) X(i32_load16_s)                      \
    X(i64_load8_s) X(i64_load16_s) X(i64_load32_s)                                                 \
    X(store8) X(store16) X(store32) X(store64)                                                     \
    /* memory.size [d]; memory.grow [d a]; fill [a=dst b=val c=n]; copy [a=dst b=src c=n];    \
       init [a=dst b=src c=n] then [lo=segment]; data.drop [x=segment] */                              \
    X(memory_size) X(memory_grow) X(memory_fill) X(memory_copy) X(memory_init) X(data_drop)        \
    /* tables: get [d a x=table]; set [a=index b=value x=table]; size [d x]; grow            \
       [d b=init c=n] then [lo=table]; fill [a=i b=val c=n] then [lo=table]; copy [a b c]      \
       then [lo=dst hi=src]; init [a b c] then [lo=table hi=segment]; elem.drop [x];          \
       ref.func [d x=function] */                                                              \
    X(table_get) X(table_set) X(table_size) X(table_grow) X(table_fill) X(table_copy)              \
    X(table_init) X(elem_drop) X(ref_func)                                                         \
    /* numeric: unary [d a], binary [d a b], binary with immediate [d a x=imm] */             \
    X(i32_eqz) X(i32_eq) X(i32_ne) X(i32_lt_s) X(i32_lt_u) X(i32_gt_s) X(i32_gt_u) X(i32_le_s)     \
    X(i32_le_u) X(i32_ge_s) X(i32_ge_u)                                                            \
    X(i64_eqz) X(i64_eq) X(i64_ne) X(i64_lt_s) X(i64_lt_u) X(i64_gt_s) X(i64_gt_u) X(i64_le_s)     \
    X(i64_le_u) X(i64_ge_s) X(i64_ge_u)                                                            \
    X(f32_eq) X(f32_ne) X(f32_lt) X(f32_gt) X(f32_le) X(f32_ge)                                    \
    X(f64_eq) X(f64_ne) X(f64_lt) X(f64_gt) X(f64_le) X(f64_ge)                                    \
    X(i32_clz) X(i32_ctz) X(i32_popcnt) X(i32_add) X(i32_sub) X(i32_mul) X(i32_div_s)              \
    X(i32_div_u) X(i32_rem_s) X(i32_rem_u) X(i32_and) X(i32_or) X(i32_xor) X(i32_shl)              \
    X(i32_shr_s) X(i32_shr_u) X(i32_rotl) X(i32_rotr)                                              \
    X(i64_clz) X(i64_ctz) X(i64_popcnt) X(i64_add) X(i64_sub) X(i64_mul) X(i64_div_s)              \
    X(i64_div_u) X(i64_rem_s) X(i64_rem_u) X(i64_and) X(i64_or) X(i64_xor) X(i64_shl)              \
    X(i64_shr_s) X(i64_shr_u) X(i64_rotl) X(i64_rotr)                                              \
    X(f32_abs) X(f32_neg) X(f32_ceil) X(f32_floor) X(f32_trunc) X(f32_nearest) X(f32_sqrt)         \
    X(f32_add) X(f32_sub) X(f32_mul) X(f32_div) X(f32_min) X(f32_max) X(f32_copysign)              \
    X(f64_abs) X(f64_neg) X(f64_ceil) X(f64_floor) X(f64_trunc) X(f64_nearest) X(f64_sqrt)         \
    X(f64_add) X(f64_sub) X(f64_mul) X(f64_div) X(f64_min) X(f64_max) X(f64_copysign)              \
    X(i32_wrap_i64) X(i32_trunc_f32_s) X(i32_trunc_f32_u) X(i32_trunc_f64_s) X(i32_trunc_f64_u)    \
    X(i64_extend_i32_s) X(i64_trunc_f32_s) X(i64_trunc_f32_u) X(i64_trunc_f64_s)                   \
    X(i64_trunc_f64_u) X(f32_convert_i32_s) X(f32_convert_i32_u) X(f32_convert_i64_s)              \
    X(f32_convert_i64_u) X(f32_demote_f64) X(f64_convert_i32_s) X(f64_convert_i32_u)               \
    X(f64_convert_i64_s) X(f64_convert_i64_u) X(f64_promote_f32)                                   \
    X(i32_extend8_s) X(i32_extend16_s) X(i64_extend8_s) X(i64_extend16_s) X(i64_extend32_s)        \
    X(i32_trunc_sat_f32_s) X(i32_trunc_sat_f32_u) X(i32_trunc_sat_f64_s) X(i32_trunc_sat_f64_u)    \
    X(i64_trunc_sat_f32_s) X(i64_trunc_sat_f32_u) X(i64_trunc_sat_f64_s) X(i64_trunc_sat_f64_u)    \
    X(i32_add_imm) X(i32_mul_imm) X(i32_and_imm) X(i32_or_imm) X(i32_xor_imm) X(i32_shl_imm)       \
    X(i32_shr_s_imm) X(i32_shr_u_imm) X(i32_eq_imm) X(i32_ne_imm) X(i32_lt_s_imm)                  \
    X(i32_lt_u_imm) X(i32_gt_s_imm) X(i32_gt_u_imm) X(i32_le_s_imm) X(i32_le_u_imm)                \
    X(i32_ge_s_imm) X(i32_ge_u_imm)                                                                \
    X(i64_add_imm) X(i64_mul_imm) X(i64_and_imm) X(i64_or_imm) X(i64_xor_imm) X(i64_shl_imm)       \
    X(i64_shr_s_imm) X(i64_shr_u_imm)

typedef enum tcvm_op {
#define TCVM__OP_ENUM(name) OP_##name,
    TCVM_OPS(TCVM__OP_ENUM)
#undef TCVM__OP_ENUM
        OP__COUNT
} tcvm_op_t;

#endif
