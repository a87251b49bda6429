;; SPDX-License-Identifier: Apache-2.0
;; No start function and no _start: nothing runs without --invoke.
(module (func (export "one") (result i32) (i32.const 1)) (memory (export "m") 1))
