;; SPDX-License-Identifier: Apache-2.0
;; A start function that returns, and no _start export: running means instantiating.
(module (global $g (mut i32) (i32.const 0)) (func $s (global.set $g (i32.const 1))) (start $s))
