;; Element-wise kernels and reductions in 128-bit SIMD on tfjs's own wasm memory
;; (imported; MEMORY is replaced as in optimizer-updates.wat). Pointers are byte
;; offsets of float32 arrays. Each computes the same IEEE float32 operations, in the
;; same order, as the tfjs kernels (or chain of kernels) it replaces, so the results
;; are bit-identical to them.
(module
  (import "env" "memory" MEMORY)

  ;; LeakyReLU: out = x < 0 ? alpha·x : x (tfjs's LeakyRelu kernel).
  (func (export "leakyRelu") (param $x i32) (param $out i32) (param $n i32) (param $alpha f32)
    (local $i i32) (local $end i32) (local $v v128) (local $A v128) (local $s f32)
    (local.set $A (f32x4.splat (local.get $alpha)))
    (local.set $end (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2)))
    (block $done
      (loop $vec
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $v (v128.load (i32.add (local.get $x) (local.get $i))))
        (v128.store (i32.add (local.get $out) (local.get $i))
          (v128.bitselect (f32x4.mul (local.get $A) (local.get $v)) (local.get $v)
            (f32x4.lt (local.get $v) (v128.const f32x4 0 0 0 0))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $vec)))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (block $tail_done
      (loop $tail
        (br_if $tail_done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $s (f32.load (i32.add (local.get $x) (local.get $i))))
        (f32.store (i32.add (local.get $out) (local.get $i))
          (select (f32.mul (local.get $alpha) (local.get $s)) (local.get $s) (f32.lt (local.get $s) (f32.const 0))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $tail))))

;; out = a + b for n floats (same shapes: tfjs's Add without broadcasting).
  (func (export "add") (param $a i32) (param $b i32) (param $out i32) (param $n i32)
    (local $i i32) (local $end i32)
    (local.set $end (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2)))
    (block $done
      (loop $vec
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (v128.store (i32.add (local.get $out) (local.get $i))
          (f32x4.add (v128.load (i32.add (local.get $a) (local.get $i))) (v128.load (i32.add (local.get $b) (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $vec)))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (block $tail_done
      (loop $tail
        (br_if $tail_done (i32.ge_u (local.get $i) (local.get $end)))
        (f32.store (i32.add (local.get $out) (local.get $i))
          (f32.add (f32.load (i32.add (local.get $a) (local.get $i))) (f32.load (i32.add (local.get $b) (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $tail))))

  ;; LeakyReLU's gradient: out = x > 0 ? dy : dy·alpha (tfjs's where(x > 0, dy, dy·alpha),
  ;; three kernels and a bool mask, in one pass).
  (func (export "leakyReluGrad") (param $dy i32) (param $x i32) (param $out i32) (param $n i32) (param $alpha f32)
    (local $i i32) (local $end i32) (local $g v128) (local $A v128) (local $s f32)
    (local.set $A (f32x4.splat (local.get $alpha)))
    (local.set $end (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2)))
    (block $done
      (loop $vec
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $g (v128.load (i32.add (local.get $dy) (local.get $i))))
        (v128.store (i32.add (local.get $out) (local.get $i))
          (v128.bitselect (local.get $g) (f32x4.mul (local.get $g) (local.get $A))
            (f32x4.gt (v128.load (i32.add (local.get $x) (local.get $i))) (v128.const f32x4 0 0 0 0))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $vec)))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (block $tail_done
      (loop $tail
        (br_if $tail_done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $s (f32.load (i32.add (local.get $dy) (local.get $i))))
        (f32.store (i32.add (local.get $out) (local.get $i))
          (select (local.get $s) (f32.mul (local.get $s) (local.get $alpha))
            (f32.gt (f32.load (i32.add (local.get $x) (local.get $i))) (f32.const 0))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $tail))))

  ;; Column sums of a [rows, cols] matrix: out[c] = ((0 + x[0, c]) + x[1, c]) + … in row
  ;; order, the order tfjs's Sum adds a reduced axis in after moving it innermost (a
  ;; transpose this pass does not need). Then out[c] /= rows when $mean (tfjs's Mean).
  (func (export "columnSums") (param $x i32) (param $out i32) (param $rows i32) (param $cols i32) (param $mean i32)
    (local $r i32) (local $i i32) (local $end4 i32) (local $end i32) (local $src i32) (local $N v128)
    (memory.fill (local.get $out) (i32.const 0) (i32.shl (local.get $cols) (i32.const 2)))
    (local.set $end4 (i32.shl (i32.and (local.get $cols) (i32.const -4)) (i32.const 2)))
    (local.set $end (i32.shl (local.get $cols) (i32.const 2)))
    (local.set $src (local.get $x))
    (block $r_done
      (loop $r_loop
        (br_if $r_done (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $i (i32.const 0))
        (block $done
          (loop $vec
            (br_if $done (i32.ge_u (local.get $i) (local.get $end4)))
            (v128.store (i32.add (local.get $out) (local.get $i))
              (f32x4.add (v128.load (i32.add (local.get $out) (local.get $i))) (v128.load (i32.add (local.get $src) (local.get $i)))))
            (local.set $i (i32.add (local.get $i) (i32.const 16)))
            (br $vec)))
        (block $tail_done
          (loop $tail
            (br_if $tail_done (i32.ge_u (local.get $i) (local.get $end)))
            (f32.store (i32.add (local.get $out) (local.get $i))
              (f32.add (f32.load (i32.add (local.get $out) (local.get $i))) (f32.load (i32.add (local.get $src) (local.get $i)))))
            (local.set $i (i32.add (local.get $i) (i32.const 4)))
            (br $tail)))
        (local.set $src (i32.add (local.get $src) (local.get $end)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $r_loop)))
    (if (local.get $mean) (then
      (local.set $N (f32x4.splat (f32.convert_i32_u (local.get $rows))))
      (local.set $i (i32.const 0))
      (block $done
        (loop $vec
          (br_if $done (i32.ge_u (local.get $i) (local.get $end4)))
          (v128.store (i32.add (local.get $out) (local.get $i))
            (f32x4.div (v128.load (i32.add (local.get $out) (local.get $i))) (local.get $N)))
          (local.set $i (i32.add (local.get $i) (i32.const 16)))
          (br $vec)))
      (block $tail_done
        (loop $tail
          (br_if $tail_done (i32.ge_u (local.get $i) (local.get $end)))
          (f32.store (i32.add (local.get $out) (local.get $i))
            (f32.div (f32.load (i32.add (local.get $out) (local.get $i))) (f32.convert_i32_u (local.get $rows))))
          (local.set $i (i32.add (local.get $i) (i32.const 4)))
          (br $tail))))))
;; Batch normalisation with per-channel statistics, x [rows, C], as tfjs's
  ;; FusedBatchNorm kernel computes it (read from its wasm): nf = √(variance + eps)
  ;; in float32, kept as a double; out = float32(offset + float32((x − mean)·scale) / nf)
  ;; with the division and the addition in double precision. $nf is scratch for C
  ;; doubles. Needs C a multiple of 4.
  (func (export "batchNorm") (param $x i32) (param $mean i32) (param $var i32) (param $offset i32) (param $scale i32)
    (param $out i32) (param $rows i32) (param $C i32) (param $eps f32) (param $nf i32)
    (local $r i32) (local $i i32) (local $rowBytes i32) (local $src i32) (local $dst i32)
    (local $t v128) (local $o v128)
    (local.set $rowBytes (i32.shl (local.get $C) (i32.const 2)))
    (block $done
      (loop $each
        (br_if $done (i32.ge_u (local.get $i) (local.get $rowBytes)))
        (f64.store (i32.add (local.get $nf) (i32.shl (local.get $i) (i32.const 1)))
          (f64.promote_f32 (f32.sqrt (f32.add (f32.load (i32.add (local.get $var) (local.get $i))) (local.get $eps)))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $each)))
    (local.set $src (local.get $x))
    (local.set $dst (local.get $out))
    (block $r_done
      (loop $r_loop
        (br_if $r_done (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $i (i32.const 0))
        (block $done
          (loop $vec
            (br_if $done (i32.ge_u (local.get $i) (local.get $rowBytes)))
            (local.set $t (f32x4.mul
              (f32x4.sub (v128.load (i32.add (local.get $src) (local.get $i))) (v128.load (i32.add (local.get $mean) (local.get $i))))
              (v128.load (i32.add (local.get $scale) (local.get $i)))))
            (local.set $o (v128.load (i32.add (local.get $offset) (local.get $i))))
            (v128.store (i32.add (local.get $dst) (local.get $i))
              (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
                (f32x4.demote_f64x2_zero (f64x2.add (f64x2.promote_low_f32x4 (local.get $o))
                  (f64x2.div (f64x2.promote_low_f32x4 (local.get $t))
                    (v128.load (i32.add (local.get $nf) (i32.shl (local.get $i) (i32.const 1)))))))
                (f32x4.demote_f64x2_zero (f64x2.add (f64x2.promote_low_f32x4 (call $high (local.get $o)))
                  (f64x2.div (f64x2.promote_low_f32x4 (call $high (local.get $t)))
                    (v128.load (i32.add (local.get $nf) (i32.add (i32.shl (local.get $i) (i32.const 1)) (i32.const 16)))))))))
            (local.set $i (i32.add (local.get $i) (i32.const 16)))
            (br $vec)))
        (local.set $src (i32.add (local.get $src) (local.get $rowBytes)))
        (local.set $dst (i32.add (local.get $dst) (local.get $rowBytes)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $r_loop))))

  ;; Lanes 2 and 3 moved to 0 and 1 (for promote_low).
  (func $high (param $v v128) (result v128)
    (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $v) (local.get $v)))
  ;; Batch norm's backward pass, x and dy [rows, C] (C a multiple of 4), in two passes.
  ;; First the column sums sums[c] = Σ dy and sums[C + c] = Σ dy·(x − mean), rows in order.
  (func (export "batchNormGradSums") (param $dy i32) (param $x i32) (param $mean i32) (param $sums i32)
    (param $rows i32) (param $C i32)
    (local $r i32) (local $i i32) (local $rowBytes i32) (local $g i32) (local $src i32) (local $gv v128)
    (local.set $rowBytes (i32.shl (local.get $C) (i32.const 2)))
    (memory.fill (local.get $sums) (i32.const 0) (i32.shl (local.get $rowBytes) (i32.const 1)))
    (local.set $g (local.get $dy))
    (local.set $src (local.get $x))
    (block $r_done (loop $r_loop
      (br_if $r_done (i32.ge_u (local.get $r) (local.get $rows)))
      (local.set $i (i32.const 0))
      (block $done (loop $vec
        (br_if $done (i32.ge_u (local.get $i) (local.get $rowBytes)))
        (local.set $gv (v128.load (i32.add (local.get $g) (local.get $i))))
        (v128.store (i32.add (local.get $sums) (local.get $i))
          (f32x4.add (v128.load (i32.add (local.get $sums) (local.get $i))) (local.get $gv)))
        (v128.store (i32.add (i32.add (local.get $sums) (local.get $rowBytes)) (local.get $i))
          (f32x4.add (v128.load (i32.add (i32.add (local.get $sums) (local.get $rowBytes)) (local.get $i)))
            (f32x4.mul (local.get $gv)
              (f32x4.sub (v128.load (i32.add (local.get $src) (local.get $i))) (v128.load (i32.add (local.get $mean) (local.get $i)))))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $vec)))
      (local.set $g (i32.add (local.get $g) (local.get $rowBytes)))
      (local.set $src (i32.add (local.get $src) (local.get $rowBytes)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $r_loop))))

  ;; Then dx = a·dy + s·(x − mean) + b with per-channel coefficients coef = [a (C), s (C), b (C)].
  (func (export "batchNormGradDx") (param $dy i32) (param $x i32) (param $mean i32) (param $coef i32) (param $dx i32)
    (param $rows i32) (param $C i32)
    (local $r i32) (local $i i32) (local $rowBytes i32) (local $g i32) (local $src i32) (local $dst i32)
    (local.set $rowBytes (i32.shl (local.get $C) (i32.const 2)))
    (local.set $g (local.get $dy))
    (local.set $src (local.get $x))
    (local.set $dst (local.get $dx))
    (block $r_done (loop $r_loop
      (br_if $r_done (i32.ge_u (local.get $r) (local.get $rows)))
      (local.set $i (i32.const 0))
      (block $done (loop $vec
        (br_if $done (i32.ge_u (local.get $i) (local.get $rowBytes)))
        (v128.store (i32.add (local.get $dst) (local.get $i))
          (f32x4.add
            (f32x4.add
              (f32x4.mul (v128.load (i32.add (local.get $coef) (local.get $i))) (v128.load (i32.add (local.get $g) (local.get $i))))
              (f32x4.mul (v128.load (i32.add (i32.add (local.get $coef) (local.get $rowBytes)) (local.get $i)))
                (f32x4.sub (v128.load (i32.add (local.get $src) (local.get $i))) (v128.load (i32.add (local.get $mean) (local.get $i))))))
            (v128.load (i32.add (i32.add (local.get $coef) (i32.shl (local.get $rowBytes) (i32.const 1))) (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $vec)))
      (local.set $g (i32.add (local.get $g) (local.get $rowBytes)))
      (local.set $src (i32.add (local.get $src) (local.get $rowBytes)))
      (local.set $dst (i32.add (local.get $dst) (local.get $rowBytes)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $r_loop))))
  ;; MaxPool's gradient for 2 × 2 windows at stride 2 without padding, NHWC: each window's dy goes
  ;; to its largest input, the last of equals (as tfjs's wasm MaxPoolGrad on the ReLU outputs it
  ;; follows here), and 0 to the other three. Window rows [first, last) of the batch (OH an image,
  ;; each two input rows of W pixels and OW windows, C floats a pixel); an odd image's last row or
  ;; column is outside every window and left to the caller.
  (func (export "maxPoolGrad2") (param $x i32) (param $dy i32) (param $dx i32) (param $first i32) (param $last i32)
    (param $OH i32) (param $OW i32) (param $H i32) (param $W i32) (param $C i32)
    (local $r i32) (local $o i32) (local $i i32) (local $px i32) (local $rowBytes i32) (local $vecEnd i32) (local $row i32)
    (local $p00 i32) (local $p10 i32) (local $d00 i32) (local $d10 i32) (local $q i32) (local $k i32)
    (local $best v128) (local $g v128) (local $s1 v128) (local $s2 v128) (local $s3 v128)
    (local $fbest f32) (local $fg f32)
    (local.set $px (i32.shl (local.get $C) (i32.const 2)))
    (local.set $rowBytes (i32.mul (local.get $W) (local.get $px)))
    (local.set $vecEnd (i32.shl (i32.and (local.get $C) (i32.const -4)) (i32.const 2)))
    (local.set $r (local.get $first))
    (local.set $q (i32.add (local.get $dy) (i32.mul (local.get $first) (i32.mul (local.get $OW) (local.get $px)))))
    (block $r_done (loop $r_loop
      (br_if $r_done (i32.ge_u (local.get $r) (local.get $last)))
      ;; The window row's first input row: image r / OH, row 2 (r mod OH) of it.
      (local.set $row (i32.add (i32.mul (i32.div_u (local.get $r) (local.get $OH)) (local.get $H))
        (i32.shl (i32.rem_u (local.get $r) (local.get $OH)) (i32.const 1))))
      (local.set $o (i32.const 0))
      (block $o_done (loop $o_loop
        (br_if $o_done (i32.ge_u (local.get $o) (local.get $OW)))
        ;; The window's top-left pixel: that row, column 2o.
        (local.set $k (i32.add (i32.mul (local.get $row) (local.get $rowBytes))
          (i32.mul (local.get $o) (i32.shl (local.get $px) (i32.const 1)))))
        (local.set $p00 (i32.add (local.get $x) (local.get $k)))
        (local.set $p10 (i32.add (local.get $p00) (local.get $rowBytes)))
        (local.set $d00 (i32.add (local.get $dx) (local.get $k)))
        (local.set $d10 (i32.add (local.get $d00) (local.get $rowBytes)))
        (local.set $i (i32.const 0))
        (block $done (loop $vec
          (br_if $done (i32.ge_u (local.get $i) (local.get $vecEnd)))
          (local.set $best (v128.load (i32.add (local.get $p00) (local.get $i))))
          (local.set $g (v128.load (i32.add (local.get $p00) (i32.add (local.get $px) (local.get $i)))))
          (local.set $s1 (f32x4.ge (local.get $g) (local.get $best)))
          (local.set $best (v128.bitselect (local.get $g) (local.get $best) (local.get $s1)))
          (local.set $g (v128.load (i32.add (local.get $p10) (local.get $i))))
          (local.set $s2 (f32x4.ge (local.get $g) (local.get $best)))
          (local.set $best (v128.bitselect (local.get $g) (local.get $best) (local.get $s2)))
          (local.set $s3 (f32x4.ge (v128.load (i32.add (local.get $p10) (i32.add (local.get $px) (local.get $i)))) (local.get $best)))
          (local.set $g (v128.load (i32.add (local.get $q) (local.get $i))))
          (v128.store (i32.add (local.get $d10) (i32.add (local.get $px) (local.get $i))) (v128.and (local.get $g) (local.get $s3)))
          (v128.store (i32.add (local.get $d10) (local.get $i)) (v128.and (local.get $g) (v128.andnot (local.get $s2) (local.get $s3))))
          (local.set $s2 (v128.or (local.get $s2) (local.get $s3)))
          (v128.store (i32.add (local.get $d00) (i32.add (local.get $px) (local.get $i)))
            (v128.and (local.get $g) (v128.andnot (local.get $s1) (local.get $s2))))
          (v128.store (i32.add (local.get $d00) (local.get $i)) (v128.andnot (local.get $g) (v128.or (local.get $s1) (local.get $s2))))
          (local.set $i (i32.add (local.get $i) (i32.const 16)))
          (br $vec)))
        (block $tail_done (loop $tail
          (br_if $tail_done (i32.ge_u (local.get $i) (local.get $px)))
          ;; k: the winner (0–3, row-major), as above one channel at a time.
          (local.set $k (i32.const 0))
          (local.set $fbest (f32.load (i32.add (local.get $p00) (local.get $i))))
          (local.set $fg (f32.load (i32.add (local.get $p00) (i32.add (local.get $px) (local.get $i)))))
          (if (f32.ge (local.get $fg) (local.get $fbest)) (then (local.set $k (i32.const 1)) (local.set $fbest (local.get $fg))))
          (local.set $fg (f32.load (i32.add (local.get $p10) (local.get $i))))
          (if (f32.ge (local.get $fg) (local.get $fbest)) (then (local.set $k (i32.const 2)) (local.set $fbest (local.get $fg))))
          (local.set $fg (f32.load (i32.add (local.get $p10) (i32.add (local.get $px) (local.get $i)))))
          (if (f32.ge (local.get $fg) (local.get $fbest)) (then (local.set $k (i32.const 3))))
          (local.set $fg (f32.load (i32.add (local.get $q) (local.get $i))))
          (f32.store (i32.add (local.get $d00) (local.get $i)) (select (local.get $fg) (f32.const 0) (i32.eq (local.get $k) (i32.const 0))))
          (f32.store (i32.add (local.get $d00) (i32.add (local.get $px) (local.get $i))) (select (local.get $fg) (f32.const 0) (i32.eq (local.get $k) (i32.const 1))))
          (f32.store (i32.add (local.get $d10) (local.get $i)) (select (local.get $fg) (f32.const 0) (i32.eq (local.get $k) (i32.const 2))))
          (f32.store (i32.add (local.get $d10) (i32.add (local.get $px) (local.get $i))) (select (local.get $fg) (f32.const 0) (i32.eq (local.get $k) (i32.const 3))))
          (local.set $i (i32.add (local.get $i) (i32.const 4)))
          (br $tail)))
        (local.set $q (i32.add (local.get $q) (local.get $px)))
        (local.set $o (i32.add (local.get $o) (i32.const 1)))
        (br $o_loop)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $r_loop))))
)
