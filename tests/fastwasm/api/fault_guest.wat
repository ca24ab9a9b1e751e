;; A guest that speaks the fastwasm ABI but misbehaves on purpose:
;; fib_iterative(13) traps, (14) loops for ever, (15) grows memory past any cap,
;; (16) recurses until the stack overflows. Every other n gets the right F(n).
(module
  (memory (export "memory") 1)
  (func $fib (param $n i32) (result i64)
    (local $a i64) (local $b i64) (local $t i64)
    (local.set $b (i64.const 1))
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $t (i64.add (local.get $a) (local.get $b)))
        (local.set $a (local.get $b))
        (local.set $b (local.get $t))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $next)))
    (local.get $a))
  (func $deep (param i64) (result i64)
    (i64.add (call $deep (i64.add (local.get 0) (i64.const 1))) (i64.const 1)))
  (func (export "fib_iterative") (param $n i32) (result i64)
    (if (i32.eq (local.get $n) (i32.const 13)) (then unreachable))
    (if (i32.eq (local.get $n) (i32.const 14)) (then (loop $spin (br $spin))))
    (if (i32.eq (local.get $n) (i32.const 15)) (then (drop (memory.grow (i32.const 60000)))))
    (if (i32.eq (local.get $n) (i32.const 16)) (then (drop (call $deep (i64.const 0)))))
    (call $fib (local.get $n)))
  (func (export "fib_recursive") (param i32) (result i64) (call $fib (local.get 0)))
  (func (export "fib_fast_doubling") (param i32) (result i64) (call $fib (local.get 0)))
  (func (export "calculate_fibonacci") (param i32) (result i64) (call $fib (local.get 0)))
  ;; Digits are not offered: error code 2 (U64_OVERFLOW) for every call.
  (func (export "fib_decimal") (param i32 i32) (result i64) (i64.const 2))
  (func (export "fib_decimal_free") (param i32 i32))
  (func (export "fastwasm_abi_version") (result i32) (i32.const 1)))
