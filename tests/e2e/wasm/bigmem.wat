;; SPDX-License-Identifier: Apache-2.0
;; Four pages of memory, refused under --max-memory 2.
(module (memory 4) (func (export "pages") (result i32) (memory.size)))
