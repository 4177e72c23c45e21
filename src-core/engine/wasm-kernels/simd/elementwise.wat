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
          (br $tail)))))))
