;; A stand-in for the tutorial's own guest: the same export and the same
;; iterative u64 loop (wrapping, as the tutorial's did), and about as small.
;; Used only to measure the tutorial's per-request pattern fairly: compiling
;; fastwasm's 74 KB guest per request would cost far more than the tutorial's.
(module
  (func (export "calculate_fibonacci") (param $n i32) (result i64)
    (local $a i64) (local $b i64) (local $t i64) (local $i i32)
    (if (i32.eqz (local.get $n)) (then (return (i64.const 0))))
    (local.set $b (i64.const 1))
    (local.set $i (i32.const 1))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $t (i64.add (local.get $a) (local.get $b)))
        (local.set $a (local.get $b))
        (local.set $b (local.get $t))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.get $b)))
