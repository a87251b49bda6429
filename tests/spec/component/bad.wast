;; A component script of wrong expectations: each judged command must fail, with what was
;; expected and what came back.
(component
  (core module $m (func (export "one") (result i32) (i32.const 1)))
  (core instance $i (instantiate $m))
  (func (export "one") (result u32) (canon lift (core func $i "one"))))
(assert_return (invoke "one") (u32.const 2))
(assert_trap (invoke "one") "unreachable")
(assert_invalid
  (component (core module $m))
  "this component is valid")
(assert_malformed
  (component (core module $m))
  "this component is well-formed")
(assert_return (invoke "missing") (u32.const 1))
