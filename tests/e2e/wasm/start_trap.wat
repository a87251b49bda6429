;; SPDX-License-Identifier: Apache-2.0
;; A start function that traps: instantiation fails.
(module (func $s unreachable) (start $s) (func (export "f") (result i32) (i32.const 1)))
