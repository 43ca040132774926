;; Kernels of the host engine, on vectors and matrices in this module's memory (byte offsets).
;;
;; - csrDot: y = A x for A in compressed sparse rows, each row summed in float64; returns xᵀy
;;   (in float64, of the stored float32 y).
;; - diaDot: y = A x for A stored by diagonals (DIA: Saad, Iterative Methods for Sparse Linear
;;   Systems, 2nd ed., §3.4), four rows at a time with f32x4: yᵢ = Σ_d val[d·n + i]·x[i + off_d],
;;   the ≤ ndiag products rounded and summed in float32. x must have zeros for max|off| floats on
;;   both sides (the host arena's padding): row i reads x[i + off] out of range, times a zero
;;   value. Returns xᵀy in float64.
;; - update: x += αp, r −= αq (float32), returns rᵀr in float64 — one CG step after the product.
;; - direction: p = r + βp (float32).
;; - luFactor: P A = L U with partial pivoting (Golub & Van Loan, Matrix Computations, 4th ed.,
;;   Alg. 3.4.1), in place on a row-major float64 n×n matrix, the same operations in the same
;;   order as the JavaScript loop in kernels/cpu/typedArrays.ts (so the same bits): perm gets
;;   the row order (int32), pivots the u_kk (float64); the row updates run two lanes of f64x2.
;; The float32 loops run four lanes at a time and finish the n mod 4 tail one lane at a time.
(module
  (memory (export "memory") 1)

  (func (export "csrDot") (param $n i32) (param $rowPtr i32) (param $col i32) (param $val i32)
      (param $x i32) (param $y i32) (result f64)
    (local $i i32) (local $e i32) (local $end i32) (local $s f64) (local $dot f64) (local $yi f32)
    (local.set $e (i32.load (local.get $rowPtr)))
    (block $done (loop $rows
      (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
      (local.set $end (i32.load (i32.add (local.get $rowPtr)
        (i32.shl (i32.add (local.get $i) (i32.const 1)) (i32.const 2)))))
      (local.set $s (f64.const 0))
      (block $rowDone (loop $row
        (br_if $rowDone (i32.ge_u (local.get $e) (local.get $end)))
        (local.set $s (f64.add (local.get $s) (f64.mul
          (f64.promote_f32 (f32.load (i32.add (local.get $val) (i32.shl (local.get $e) (i32.const 2)))))
          (f64.promote_f32 (f32.load (i32.add (local.get $x) (i32.shl
            (i32.load (i32.add (local.get $col) (i32.shl (local.get $e) (i32.const 2)))) (i32.const 2))))))))
        (local.set $e (i32.add (local.get $e) (i32.const 1)))
        (br $row)))
      (local.set $yi (f32.demote_f64 (local.get $s)))
      (f32.store (i32.add (local.get $y) (i32.shl (local.get $i) (i32.const 2))) (local.get $yi))
      (local.set $dot (f64.add (local.get $dot) (f64.mul
        (f64.promote_f32 (f32.load (i32.add (local.get $x) (i32.shl (local.get $i) (i32.const 2)))))
        (f64.promote_f32 (local.get $yi)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $rows)))
    (local.get $dot))

  ;; Σ over both lanes of a·b for the four float32 lanes of a and b, in float64.
  (func $dot4 (param $a v128) (param $b v128) (result v128)
    (f64x2.add
      (f64x2.mul (f64x2.promote_low_f32x4 (local.get $a)) (f64x2.promote_low_f32x4 (local.get $b)))
      (f64x2.mul
        (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $a) (local.get $a)))
        (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $b) (local.get $b))))))

  (func (export "diaDot") (param $n i32) (param $ndiag i32) (param $offsets i32) (param $val i32)
      (param $x i32) (param $y i32) (result f64)
    (local $i i32) (local $d i32) (local $n4 i32) (local $acc v128) (local $dots v128) (local $s f32)
    (local $dot f64) (local $xi f32)
    (local.set $n4 (i32.and (local.get $n) (i32.const -4)))
    (local.set $dots (f64x2.splat (f64.const 0)))
    (block $done (loop $rows
      (br_if $done (i32.ge_u (local.get $i) (local.get $n4)))
      (local.set $acc (f32x4.splat (f32.const 0)))
      (local.set $d (i32.const 0))
      (block $diagDone (loop $diag
        (br_if $diagDone (i32.ge_u (local.get $d) (local.get $ndiag)))
        (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul
          (v128.load (i32.add (local.get $val)
            (i32.shl (i32.add (i32.mul (local.get $d) (local.get $n)) (local.get $i)) (i32.const 2))))
          (v128.load (i32.add (local.get $x) (i32.shl (i32.add (local.get $i)
            (i32.load (i32.add (local.get $offsets) (i32.shl (local.get $d) (i32.const 2))))) (i32.const 2)))))))
        (local.set $d (i32.add (local.get $d) (i32.const 1)))
        (br $diag)))
      (v128.store (i32.add (local.get $y) (i32.shl (local.get $i) (i32.const 2))) (local.get $acc))
      (local.set $dots (f64x2.add (local.get $dots) (call $dot4
        (v128.load (i32.add (local.get $x) (i32.shl (local.get $i) (i32.const 2)))) (local.get $acc))))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $rows)))
    (local.set $dot (f64.add (f64x2.extract_lane 0 (local.get $dots)) (f64x2.extract_lane 1 (local.get $dots))))
    (block $tailDone (loop $tail
      (br_if $tailDone (i32.ge_u (local.get $i) (local.get $n)))
      (local.set $s (f32.const 0))
      (local.set $d (i32.const 0))
      (block $diagDone (loop $diag
        (br_if $diagDone (i32.ge_u (local.get $d) (local.get $ndiag)))
        (local.set $s (f32.add (local.get $s) (f32.mul
          (f32.load (i32.add (local.get $val)
            (i32.shl (i32.add (i32.mul (local.get $d) (local.get $n)) (local.get $i)) (i32.const 2))))
          (f32.load (i32.add (local.get $x) (i32.shl (i32.add (local.get $i)
            (i32.load (i32.add (local.get $offsets) (i32.shl (local.get $d) (i32.const 2))))) (i32.const 2)))))))
        (local.set $d (i32.add (local.get $d) (i32.const 1)))
        (br $diag)))
      (f32.store (i32.add (local.get $y) (i32.shl (local.get $i) (i32.const 2))) (local.get $s))
      (local.set $xi (f32.load (i32.add (local.get $x) (i32.shl (local.get $i) (i32.const 2)))))
      (local.set $dot (f64.add (local.get $dot) (f64.mul (f64.promote_f32 (local.get $xi)) (f64.promote_f32 (local.get $s)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $tail)))
    (local.get $dot))

  (func (export "update") (param $n i32) (param $x i32) (param $r i32) (param $p i32) (param $q i32)
      (param $alpha f64) (result f64)
    (local $o i32) (local $end4 i32) (local $end i32) (local $a f32) (local $av v128) (local $rv v128)
    (local $rrs v128) (local $rr f64) (local $ri f32)
    (local.set $a (f32.demote_f64 (local.get $alpha)))
    (local.set $av (f32x4.splat (local.get $a)))
    (local.set $rrs (f64x2.splat (f64.const 0)))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (local.set $end4 (i32.and (local.get $end) (i32.const -16)))
    (block $done (loop $lanes
      (br_if $done (i32.ge_u (local.get $o) (local.get $end4)))
      (v128.store (i32.add (local.get $x) (local.get $o)) (f32x4.add
        (v128.load (i32.add (local.get $x) (local.get $o)))
        (f32x4.mul (local.get $av) (v128.load (i32.add (local.get $p) (local.get $o))))))
      (local.set $rv (f32x4.sub
        (v128.load (i32.add (local.get $r) (local.get $o)))
        (f32x4.mul (local.get $av) (v128.load (i32.add (local.get $q) (local.get $o))))))
      (v128.store (i32.add (local.get $r) (local.get $o)) (local.get $rv))
      (local.set $rrs (f64x2.add (local.get $rrs) (call $dot4 (local.get $rv) (local.get $rv))))
      (local.set $o (i32.add (local.get $o) (i32.const 16)))
      (br $lanes)))
    (local.set $rr (f64.add (f64x2.extract_lane 0 (local.get $rrs)) (f64x2.extract_lane 1 (local.get $rrs))))
    (block $tailDone (loop $tail
      (br_if $tailDone (i32.ge_u (local.get $o) (local.get $end)))
      (f32.store (i32.add (local.get $x) (local.get $o)) (f32.add
        (f32.load (i32.add (local.get $x) (local.get $o)))
        (f32.mul (local.get $a) (f32.load (i32.add (local.get $p) (local.get $o))))))
      (local.set $ri (f32.sub
        (f32.load (i32.add (local.get $r) (local.get $o)))
        (f32.mul (local.get $a) (f32.load (i32.add (local.get $q) (local.get $o))))))
      (f32.store (i32.add (local.get $r) (local.get $o)) (local.get $ri))
      (local.set $rr (f64.add (local.get $rr) (f64.mul (f64.promote_f32 (local.get $ri)) (f64.promote_f32 (local.get $ri)))))
      (local.set $o (i32.add (local.get $o) (i32.const 4)))
      (br $tail)))
    (local.get $rr))

  (func (export "direction") (param $n i32) (param $p i32) (param $r i32) (param $beta f64)
    (local $o i32) (local $end4 i32) (local $end i32) (local $b f32) (local $bv v128)
    (local.set $b (f32.demote_f64 (local.get $beta)))
    (local.set $bv (f32x4.splat (local.get $b)))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (local.set $end4 (i32.and (local.get $end) (i32.const -16)))
    (block $done (loop $lanes
      (br_if $done (i32.ge_u (local.get $o) (local.get $end4)))
      (v128.store (i32.add (local.get $p) (local.get $o)) (f32x4.add
        (v128.load (i32.add (local.get $r) (local.get $o)))
        (f32x4.mul (local.get $bv) (v128.load (i32.add (local.get $p) (local.get $o))))))
      (local.set $o (i32.add (local.get $o) (i32.const 16)))
      (br $lanes)))
    (block $tailDone (loop $tail
      (br_if $tailDone (i32.ge_u (local.get $o) (local.get $end)))
      (f32.store (i32.add (local.get $p) (local.get $o)) (f32.add
        (f32.load (i32.add (local.get $r) (local.get $o)))
        (f32.mul (local.get $b) (f32.load (i32.add (local.get $p) (local.get $o))))))
      (local.set $o (i32.add (local.get $o) (i32.const 4)))
      (br $tail))))

  ;; Row k of m at byte offset m + 8·k·n.
  (func $row (param $m i32) (param $n i32) (param $k i32) (result i32)
    (i32.add (local.get $m) (i32.shl (i32.mul (local.get $k) (local.get $n)) (i32.const 3))))

  (func (export "luFactor") (param $n i32) (param $m i32) (param $perm i32) (param $pivots i32)
    (local $k i32) (local $i i32) (local $j i32) (local $best i32) (local $t i32)
    (local $rowK i32) (local $rowI i32) (local $rowB i32) (local $bytes i32) (local $o i32) (local $end2 i32)
    (local $pivot f64) (local $l f64) (local $a f64) (local $lv v128)
    (local.set $bytes (i32.shl (local.get $n) (i32.const 3)))
    (block $permDone (loop $permLoop
      (br_if $permDone (i32.ge_u (local.get $i) (local.get $n)))
      (i32.store (i32.add (local.get $perm) (i32.shl (local.get $i) (i32.const 2))) (local.get $i))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $permLoop)))
    (block $done (loop $columns
      (br_if $done (i32.ge_u (local.get $k) (local.get $n)))
      (local.set $rowK (call $row (local.get $m) (local.get $n) (local.get $k)))
      ;; The largest |m[i, k]| for i ≥ k; the first on ties, and NaN never wins (as in JS).
      (local.set $best (local.get $k))
      (local.set $i (i32.add (local.get $k) (i32.const 1)))
      (block $searchDone (loop $search
        (br_if $searchDone (i32.ge_u (local.get $i) (local.get $n)))
        (if (f64.gt
              (f64.abs (f64.load (i32.add (call $row (local.get $m) (local.get $n) (local.get $i)) (i32.shl (local.get $k) (i32.const 3)))))
              (f64.abs (f64.load (i32.add (call $row (local.get $m) (local.get $n) (local.get $best)) (i32.shl (local.get $k) (i32.const 3))))))
          (then (local.set $best (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $search)))
      (if (i32.ne (local.get $best) (local.get $k))
        (then
          (local.set $rowB (call $row (local.get $m) (local.get $n) (local.get $best)))
          (local.set $o (i32.const 0))
          (block $swapDone (loop $swap
            (br_if $swapDone (i32.ge_u (local.get $o) (local.get $bytes)))
            (local.set $a (f64.load (i32.add (local.get $rowK) (local.get $o))))
            (f64.store (i32.add (local.get $rowK) (local.get $o)) (f64.load (i32.add (local.get $rowB) (local.get $o))))
            (f64.store (i32.add (local.get $rowB) (local.get $o)) (local.get $a))
            (local.set $o (i32.add (local.get $o) (i32.const 8)))
            (br $swap)))
          (local.set $t (i32.load (i32.add (local.get $perm) (i32.shl (local.get $k) (i32.const 2)))))
          (i32.store (i32.add (local.get $perm) (i32.shl (local.get $k) (i32.const 2)))
            (i32.load (i32.add (local.get $perm) (i32.shl (local.get $best) (i32.const 2)))))
          (i32.store (i32.add (local.get $perm) (i32.shl (local.get $best) (i32.const 2))) (local.get $t))))
      (local.set $pivot (f64.load (i32.add (local.get $rowK) (i32.shl (local.get $k) (i32.const 3)))))
      (f64.store (i32.add (local.get $pivots) (i32.shl (local.get $k) (i32.const 3))) (local.get $pivot))
      (if (f64.ne (local.get $pivot) (f64.const 0))
        (then
          ;; Columns k+1 … n−1 of each row below: pairs from k+1, then the last one if n−k−1 is odd.
          (local.set $end2 (i32.add (i32.shl (i32.add (local.get $k) (i32.const 1)) (i32.const 3))
            (i32.and (i32.shl (i32.sub (i32.sub (local.get $n) (local.get $k)) (i32.const 1)) (i32.const 3)) (i32.const -16))))
          (local.set $i (i32.add (local.get $k) (i32.const 1)))
          (block $rowsDone (loop $rows
            (br_if $rowsDone (i32.ge_u (local.get $i) (local.get $n)))
            (local.set $rowI (call $row (local.get $m) (local.get $n) (local.get $i)))
            (local.set $l (f64.div (f64.load (i32.add (local.get $rowI) (i32.shl (local.get $k) (i32.const 3)))) (local.get $pivot)))
            (f64.store (i32.add (local.get $rowI) (i32.shl (local.get $k) (i32.const 3))) (local.get $l))
            (if (f64.ne (local.get $l) (f64.const 0))
              (then
                (local.set $lv (f64x2.splat (local.get $l)))
                (local.set $o (i32.shl (i32.add (local.get $k) (i32.const 1)) (i32.const 3)))
                (block $pairsDone (loop $pairs
                  (br_if $pairsDone (i32.ge_u (local.get $o) (local.get $end2)))
                  (v128.store (i32.add (local.get $rowI) (local.get $o)) (f64x2.sub
                    (v128.load (i32.add (local.get $rowI) (local.get $o)))
                    (f64x2.mul (local.get $lv) (v128.load (i32.add (local.get $rowK) (local.get $o))))))
                  (local.set $o (i32.add (local.get $o) (i32.const 16)))
                  (br $pairs)))
                (if (i32.lt_u (local.get $o) (local.get $bytes))
                  (then
                    (f64.store (i32.add (local.get $rowI) (local.get $o)) (f64.sub
                      (f64.load (i32.add (local.get $rowI) (local.get $o)))
                      (f64.mul (local.get $l) (f64.load (i32.add (local.get $rowK) (local.get $o))))))))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $rows)))))
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (br $columns))))
)
