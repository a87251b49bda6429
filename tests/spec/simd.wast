;; SPDX-License-Identifier: Apache-2.0
;; A file whose every module needs SIMD, which the engine refuses: skipped as a whole.
(module (func (export "z") (result v128) (v128.const i32x4 0 0 0 0)))
(assert_return (invoke "z") (v128.const i32x4 0 0 0 0))
(assert_invalid (module (func (result i32))) "type mismatch")
(assert_malformed (module quote "(func (result v128) (v128.const))") "unexpected token")
