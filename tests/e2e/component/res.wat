;; SPDX-License-Identifier: Apache-2.0
;; Test component for tests/e2e/component_cli.sh (made into res.wasm with jco's parse).
(component
  (import "host" (instance $h
    (export "log" (func (param "msg" string)))
    (export "r" (type $r (sub resource)))
    (export "make" (func (param "n" u32) (result (own $r))))
  ))
  (alias export $h "r" (type $hr))
  (core module $mem (memory (export "mem") 1)
    (global $bump (mut i32) (i32.const 1024))
    (func (export "realloc") (param i32 i32 i32 i32) (result i32)
      (local $p i32)
      global.get $bump local.get 2 i32.add i32.const 1 i32.sub
      i32.const 0 local.get 2 i32.sub i32.and local.set $p
      local.get $p local.get 3 i32.add global.set $bump
      local.get $p))
  (core instance $m (instantiate $mem))
  (type $R (resource (rep i32)))
  (core func $new (canon resource.new $R))
  (core func $rep (canon resource.rep $R))
  (core func $drop (canon resource.drop $R))
  (core func $log (canon lower (func $h "log") (memory (core memory $m "mem"))))
  (core func $make (canon lower (func $h "make")))
  (core module $main
    (import "m" "mem" (memory 1))
    (import "rt" "new" (func $new (param i32) (result i32)))
    (import "rt" "rep" (func $rep (param i32) (result i32)))
    (import "rt" "drop" (func $drop (param i32)))
    (import "h" "log" (func $log (param i32 i32)))
    (import "h" "make" (func $make (param i32) (result i32)))
    (data (i32.const 0) "hello")
    (func (export "create") (param i32) (result i32) local.get 0 call $new)
    (func (export "get") (param i32) (result i32) local.get 0)
    (func (export "hello") i32.const 0 i32.const 5 call $log)
    (func (export "host-make") (param i32) (result i32) local.get 0 call $make)
  )
  (core instance $i (instantiate $main
    (with "m" (instance $m))
    (with "rt" (instance (export "new" (func $new)) (export "rep" (func $rep)) (export "drop" (func $drop))))
    (with "h" (instance (export "log" (func $log)) (export "make" (func $make))))))
  (export $Rx "thing" (type $R))
  (func (export "create") (param "v" u32) (result (own $Rx)) (canon lift (core func $i "create")))
  (func (export "get") (param "t" (borrow $Rx)) (result u32) (canon lift (core func $i "get")))
  (func (export "hello") (canon lift (core func $i "hello")))
  (func (export "host-make") (param "n" u32) (result (own $hr)) (canon lift (core func $i "host-make")))
)
