;; SPDX-License-Identifier: Apache-2.0
;; A small module for `2cvm wasm run`: recursive Fibonacci, an iterative sum and a checksum
;; over linear memory. Built to build/hello.wasm by scripts/run-demo with wat2wasm.
(module
  (memory (export "memory") 1)

  ;; fib(n) by plain recursion: exercises calls
  (func $fib (export "fib") (param $n i32) (result i32)
    (if (result i32) (i32.lt_u (local.get $n) (i32.const 2))
      (then (local.get $n))
      (else (i32.add (call $fib (i32.sub (local.get $n) (i32.const 1)))
                     (call $fib (i32.sub (local.get $n) (i32.const 2)))))))

  ;; sum of 1..n as i64: exercises a loop
  (func (export "sum") (param $n i64) (result i64) (local $acc i64)
    (block $done
      (loop $next
        (br_if $done (i64.eqz (local.get $n)))
        (local.set $acc (i64.add (local.get $acc) (local.get $n)))
        (local.set $n (i64.sub (local.get $n) (i64.const 1)))
        (br $next)))
    (local.get $acc))

  ;; fills n bytes of memory with i*7 and returns their 32-bit FNV-1a hash
  (func (export "fnv") (param $n i32) (result i32) (local $i i32) (local $h i32)
    (local.set $h (i32.const 0x811c9dc5))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (i32.store8 (local.get $i) (i32.mul (local.get $i) (i32.const 7)))
        (local.set $h (i32.mul (i32.xor (local.get $h) (i32.load8_u (local.get $i)))
                               (i32.const 0x01000193)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.get $h))
)
