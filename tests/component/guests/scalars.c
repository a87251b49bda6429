/* SPDX-License-Identifier: Apache-2.0
 * Test component: every scalar WIT type through exports that echo or transform their argument.
 * Flat canonical ABI: bool/s8/u8/s16/u16/s32/u32/char are i32, s64/u64 are i64, f32 and f64
 * stay floats; the lifting side masks or checks the i32 of narrow types. */
#include "cabi.h"

EXPORT("echo-bool") int32_t echo_bool(int32_t x) { return x; }
EXPORT("echo-s8") int32_t echo_s8(int32_t x) { return x; }
EXPORT("echo-u8") int32_t echo_u8(int32_t x) { return x; }
EXPORT("echo-s16") int32_t echo_s16(int32_t x) { return x; }
EXPORT("echo-u16") int32_t echo_u16(int32_t x) { return x; }
EXPORT("echo-s32") int32_t echo_s32(int32_t x) { return x; }
EXPORT("echo-u32") int32_t echo_u32(int32_t x) { return x; }
EXPORT("echo-s64") int64_t echo_s64(int64_t x) { return x; }
EXPORT("echo-u64") int64_t echo_u64(int64_t x) { return x; }
EXPORT("echo-f32") float echo_f32(float x) { return x; }
EXPORT("echo-f64") double echo_f64(double x) { return x; }
EXPORT("echo-char") int32_t echo_char(int32_t x) { return x; }
EXPORT("add-u32") int32_t add_u32(int32_t a, int32_t b) { return (int32_t)((uint32_t)a + (uint32_t)b); }
EXPORT("negate-s64") int64_t negate_s64(int64_t x) { return (int64_t)(0 - (uint64_t)x); }
EXPORT("next-char") int32_t next_char(int32_t x) {
  uint32_t c = (uint32_t)x + 1;
  if (c == 0xD800) c = 0xE000; /* skip the surrogates: the result must stay a Unicode scalar */
  if (c > 0x10FFFF) c = 0;
  return (int32_t)c;
}
EXPORT("not-bool") int32_t not_bool(int32_t x) { return !x; }
EXPORT("half-f64") double half_f64(double x) { return x / 2; }
EXPORT("many-args")
double many_args(int32_t a, int32_t b, int32_t c, int64_t d, float e, double f, int32_t g, int32_t h) {
  return (double)(uint8_t)a + (double)(int16_t)b + (double)(uint32_t)c + (double)d + (double)e + f +
         (double)(uint32_t)g + (h ? 1000.0 : 0.0);
}
