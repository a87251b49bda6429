;; SPDX-License-Identifier: Apache-2.0
;; Type error: i32.add on an f32 operand (assembled with wat2wasm --no-check).
(module (func (export "bad") (result i32) (i32.add (i32.const 1) (f32.const 2))))
