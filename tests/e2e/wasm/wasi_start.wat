;; SPDX-License-Identifier: Apache-2.0
;; A command-style module: run calls _start, which traps here.
(module (memory (export "memory") 1) (func (export "_start") unreachable))
