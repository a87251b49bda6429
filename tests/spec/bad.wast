;; SPDX-License-Identifier: Apache-2.0
;; Wrong expectations, one per command after the first module: the runner must count every one
;; of them as a failure and say what it expected and what it got.
(module
  (func (export "one") (result i32) (i32.const 1))
  (func (export "div") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
  (func (export "snan") (result f32) (f32.const nan:0x1)))
(assert_return (invoke "one") (i32.const 2))
(assert_trap (invoke "div" (i32.const 1) (i32.const 0)) "integer overflow")
(assert_trap (invoke "one") "unreachable")
(assert_return (invoke "snan") (f32.const nan:arithmetic))
(assert_invalid (module (func)) "type mismatch")
(assert_malformed (module binary "\00asm\01\00\00\00") "unexpected end")
(assert_unlinkable (module) "unknown import")
(module $X (import "nowhere" "f" (func)) (func (export "g") (result i32) (i32.const 0)))
(assert_return (invoke $X "g") (i32.const 0))
