;; SPDX-License-Identifier: Apache-2.0
;; A module with imports, which `2cvm wasm run` refuses, naming each.
(module
  (import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32)))
  (import "env" "mem" (memory 1 2))
  (import "env" "g" (global (mut i64)))
  (func (export "f")))
