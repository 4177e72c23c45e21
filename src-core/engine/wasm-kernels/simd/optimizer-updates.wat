;; One-pass optimiser updates in 128-bit SIMD, run on tfjs's own wasm memory
;; (imported; MEMORY is replaced by "(memory 1 65536 shared)" for the threaded
;; backend and "(memory 1)" for the single-threaded one). Pointers are byte offsets
;; of float32 arrays of n elements; every operation is the same IEEE float32
;; operation, in the same order, as TF1's Adam / RMSProp written with tf ops, so the
;; results are bit-identical to them.
(module
  (import "env" "memory" MEMORY)

  ;; m' = m·b1 + g·c1;  v' = v·b2 + (g·g)·c2;  w' = w − (m'·lr) / (√v' + eps)
  (func (export "adam")
    (param $w i32) (param $g i32) (param $m i32) (param $v i32)
    (param $wo i32) (param $mo i32) (param $vo i32) (param $n i32)
    (param $b1 f32) (param $c1 f32) (param $b2 f32) (param $c2 f32) (param $lr f32) (param $eps f32)
    (local $i i32) (local $end i32) (local $gv v128) (local $mv v128) (local $vv v128)
    (local $B1 v128) (local $C1 v128) (local $B2 v128) (local $C2 v128) (local $LR v128) (local $EPS v128)
    (local $gs f32) (local $ms f32) (local $vs f32)
    (local.set $B1 (f32x4.splat (local.get $b1)))
    (local.set $C1 (f32x4.splat (local.get $c1)))
    (local.set $B2 (f32x4.splat (local.get $b2)))
    (local.set $C2 (f32x4.splat (local.get $c2)))
    (local.set $LR (f32x4.splat (local.get $lr)))
    (local.set $EPS (f32x4.splat (local.get $eps)))
    ;; byte offset where the 4-wide part ends
    (local.set $end (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2)))
    (block $done
      (loop $vec
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $gv (v128.load (i32.add (local.get $g) (local.get $i))))
        (local.set $mv (f32x4.add
          (f32x4.mul (v128.load (i32.add (local.get $m) (local.get $i))) (local.get $B1))
          (f32x4.mul (local.get $gv) (local.get $C1))))
        (local.set $vv (f32x4.add
          (f32x4.mul (v128.load (i32.add (local.get $v) (local.get $i))) (local.get $B2))
          (f32x4.mul (f32x4.mul (local.get $gv) (local.get $gv)) (local.get $C2))))
        (v128.store (i32.add (local.get $mo) (local.get $i)) (local.get $mv))
        (v128.store (i32.add (local.get $vo) (local.get $i)) (local.get $vv))
        (v128.store (i32.add (local.get $wo) (local.get $i))
          (f32x4.sub
            (v128.load (i32.add (local.get $w) (local.get $i)))
            (f32x4.div
              (f32x4.mul (local.get $mv) (local.get $LR))
              (f32x4.add (f32x4.sqrt (local.get $vv)) (local.get $EPS)))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $vec)))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (block $tail_done
      (loop $tail
        (br_if $tail_done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $gs (f32.load (i32.add (local.get $g) (local.get $i))))
        (local.set $ms (f32.add
          (f32.mul (f32.load (i32.add (local.get $m) (local.get $i))) (local.get $b1))
          (f32.mul (local.get $gs) (local.get $c1))))
        (local.set $vs (f32.add
          (f32.mul (f32.load (i32.add (local.get $v) (local.get $i))) (local.get $b2))
          (f32.mul (f32.mul (local.get $gs) (local.get $gs)) (local.get $c2))))
        (f32.store (i32.add (local.get $mo) (local.get $i)) (local.get $ms))
        (f32.store (i32.add (local.get $vo) (local.get $i)) (local.get $vs))
        (f32.store (i32.add (local.get $wo) (local.get $i))
          (f32.sub
            (f32.load (i32.add (local.get $w) (local.get $i)))
            (f32.div
              (f32.mul (local.get $ms) (local.get $lr))
              (f32.add (f32.sqrt (local.get $vs)) (local.get $eps)))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $tail))))

  ;; s' = s·d + (g·g)·c;  w' = w − (g·lr) / √(s' + eps)
  (func (export "rmsprop")
    (param $w i32) (param $g i32) (param $s i32) (param $wo i32) (param $so i32) (param $n i32)
    (param $d f32) (param $c f32) (param $lr f32) (param $eps f32)
    (local $i i32) (local $end i32) (local $gv v128) (local $sv v128)
    (local $D v128) (local $C v128) (local $LR v128) (local $EPS v128) (local $gs f32) (local $ss f32)
    (local.set $D (f32x4.splat (local.get $d)))
    (local.set $C (f32x4.splat (local.get $c)))
    (local.set $LR (f32x4.splat (local.get $lr)))
    (local.set $EPS (f32x4.splat (local.get $eps)))
    (local.set $end (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2)))
    (block $done
      (loop $vec
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $gv (v128.load (i32.add (local.get $g) (local.get $i))))
        (local.set $sv (f32x4.add
          (f32x4.mul (v128.load (i32.add (local.get $s) (local.get $i))) (local.get $D))
          (f32x4.mul (f32x4.mul (local.get $gv) (local.get $gv)) (local.get $C))))
        (v128.store (i32.add (local.get $so) (local.get $i)) (local.get $sv))
        (v128.store (i32.add (local.get $wo) (local.get $i))
          (f32x4.sub
            (v128.load (i32.add (local.get $w) (local.get $i)))
            (f32x4.div
              (f32x4.mul (local.get $gv) (local.get $LR))
              (f32x4.sqrt (f32x4.add (local.get $sv) (local.get $EPS))))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $vec)))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (block $tail_done
      (loop $tail
        (br_if $tail_done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $gs (f32.load (i32.add (local.get $g) (local.get $i))))
        (local.set $ss (f32.add
          (f32.mul (f32.load (i32.add (local.get $s) (local.get $i))) (local.get $d))
          (f32.mul (f32.mul (local.get $gs) (local.get $gs)) (local.get $c))))
        (f32.store (i32.add (local.get $so) (local.get $i)) (local.get $ss))
        (f32.store (i32.add (local.get $wo) (local.get $i))
          (f32.sub
            (f32.load (i32.add (local.get $w) (local.get $i)))
            (f32.div
              (f32.mul (local.get $gs) (local.get $lr))
              (f32.sqrt (f32.add (local.get $ss) (local.get $eps))))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $tail)))))
