;; Data movement for the wasm training kernels in 128-bit SIMD, run on tfjs's own
;; wasm memory (imported; MEMORY is replaced as in optimizer-updates.wat). Pointers
;; are byte offsets of float32 arrays. Nothing here rounds: transposes move floats,
;; col2im adds them in the same order as a scalar loop would.
(module
  (import "env" "memory" MEMORY)

  ;; dst[c, r] = src[r, c] for a [rows, cols] matrix, rows [r0, r1) of it (r0 a
  ;; multiple of 4; a helper thread takes the other rows). 4×4 blocks are transposed in
  ;; registers (two rounds of shuffles), visited in tiles of 64 rows × 8 columns so
  ;; that the rows read and the 8 rows written stay in cache (wider tiles write to
  ;; more rows 4 KiB apart than L1 has ways when rows = 1024); the edges (rows or cols not a
  ;; multiple of 4) are copied one float at a time.
  (func (export "transposeRows") (param $src i32) (param $dst i32) (param $rows i32) (param $cols i32)
    (param $first i32) (param $last i32)
    (local $rows4 i32) (local $cols4 i32) (local $srcRow i32) (local $dstRow i32)
    (local $r0 i32) (local $c0 i32) (local $r i32) (local $c i32) (local $rEnd i32) (local $cEnd i32)
    (local $p i32) (local $q i32)
    (local $v0 v128) (local $v1 v128) (local $v2 v128) (local $v3 v128)
    (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128)
    ;; SIMD rows end at the last multiple of 4 of the matrix, or at $last
    (local.set $rows4 (i32.and (local.get $rows) (i32.const -4)))
    (if (i32.lt_u (local.get $last) (local.get $rows4)) (then (local.set $rows4 (local.get $last))))
    (local.set $r0 (local.get $first))
    (local.set $cols4 (i32.and (local.get $cols) (i32.const -4)))
    (local.set $srcRow (i32.shl (local.get $cols) (i32.const 2)))
    (local.set $dstRow (i32.shl (local.get $rows) (i32.const 2)))
    (block $r0_done
      (loop $r0_loop
        (br_if $r0_done (i32.ge_u (local.get $r0) (local.get $rows4)))
        (local.set $rEnd (select (i32.add (local.get $r0) (i32.const 64)) (local.get $rows4)
          (i32.lt_u (i32.add (local.get $r0) (i32.const 64)) (local.get $rows4))))
        (local.set $c0 (i32.const 0))
        (block $c0_done
          (loop $c0_loop
            (br_if $c0_done (i32.ge_u (local.get $c0) (local.get $cols4)))
            (local.set $cEnd (select (i32.add (local.get $c0) (i32.const 8)) (local.get $cols4)
              (i32.lt_u (i32.add (local.get $c0) (i32.const 8)) (local.get $cols4))))
            (local.set $r (local.get $r0))
            (block $r_done
              (loop $r_loop
                (br_if $r_done (i32.ge_u (local.get $r) (local.get $rEnd)))
                (local.set $p (i32.add (local.get $src)
                  (i32.shl (i32.add (i32.mul (local.get $r) (local.get $cols)) (local.get $c0)) (i32.const 2))))
                (local.set $q (i32.add (local.get $dst)
                  (i32.shl (i32.add (i32.mul (local.get $c0) (local.get $rows)) (local.get $r)) (i32.const 2))))
                (local.set $c (local.get $c0))
                (block $c_done
                  (loop $c_loop
                    (br_if $c_done (i32.ge_u (local.get $c) (local.get $cEnd)))
                    (local.set $v0 (v128.load (local.get $p)))
                    (local.set $v1 (v128.load (i32.add (local.get $p) (local.get $srcRow))))
                    (local.set $v2 (v128.load (i32.add (local.get $p) (i32.shl (local.get $srcRow) (i32.const 1)))))
                    (local.set $v3 (v128.load (i32.add (local.get $p) (i32.mul (local.get $srcRow) (i32.const 3)))))
                    ;; [a0 b0 a1 b1] [a2 b2 a3 b3] [c0 d0 c1 d1] [c2 d2 c3 d3]
                    (local.set $t0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $v0) (local.get $v1)))
                    (local.set $t1 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $v0) (local.get $v1)))
                    (local.set $t2 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $v2) (local.get $v3)))
                    (local.set $t3 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $v2) (local.get $v3)))
                    ;; [a0 b0 c0 d0] … [a3 b3 c3 d3]
                    (v128.store (local.get $q)
                      (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t0) (local.get $t2)))
                    (v128.store (i32.add (local.get $q) (local.get $dstRow))
                      (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t0) (local.get $t2)))
                    (v128.store (i32.add (local.get $q) (i32.shl (local.get $dstRow) (i32.const 1)))
                      (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t1) (local.get $t3)))
                    (v128.store (i32.add (local.get $q) (i32.mul (local.get $dstRow) (i32.const 3)))
                      (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t1) (local.get $t3)))
                    (local.set $p (i32.add (local.get $p) (i32.const 16)))
                    (local.set $q (i32.add (local.get $q) (i32.shl (local.get $dstRow) (i32.const 2))))
                    (local.set $c (i32.add (local.get $c) (i32.const 4)))
                    (br $c_loop)))
                (local.set $r (i32.add (local.get $r) (i32.const 4)))
                (br $r_loop)))
            (local.set $c0 (i32.add (local.get $c0) (i32.const 8)))
            (br $c0_loop)))
        (local.set $r0 (i32.add (local.get $r0) (i32.const 64)))
        (br $r0_loop)))
    ;; the matrix's last rows % 4 rows if they are in [first, last), every column
    (call $copyT (local.get $src) (local.get $dst) (local.get $rows) (local.get $cols)
      (select (local.get $rows4) (local.get $first) (i32.gt_u (local.get $rows4) (local.get $first))) (local.get $last)
      (i32.const 0) (local.get $cols))
    ;; the last cols % 4 columns of the SIMD rows
    (call $copyT (local.get $src) (local.get $dst) (local.get $rows) (local.get $cols)
      (local.get $first) (local.get $rows4) (local.get $cols4) (local.get $cols)))

  ;; dst[c, r] = src[r, c] for r in [r0, r1), c in [c0, c1), one float at a time.
  (func $copyT (param $src i32) (param $dst i32) (param $rows i32) (param $cols i32)
    (param $r0 i32) (param $r1 i32) (param $c0 i32) (param $c1 i32)
    (local $r i32) (local $c i32)
    (local.set $r (local.get $r0))
    (block $r_done
      (loop $r_loop
        (br_if $r_done (i32.ge_u (local.get $r) (local.get $r1)))
        (local.set $c (local.get $c0))
        (block $c_done
          (loop $c_loop
            (br_if $c_done (i32.ge_u (local.get $c) (local.get $c1)))
            (f32.store
              (i32.add (local.get $dst) (i32.shl (i32.add (i32.mul (local.get $c) (local.get $rows)) (local.get $r)) (i32.const 2)))
              (f32.load
                (i32.add (local.get $src) (i32.shl (i32.add (i32.mul (local.get $r) (local.get $cols)) (local.get $c)) (i32.const 2)))))
            (local.set $c (i32.add (local.get $c) (i32.const 1)))
            (br $c_loop)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $r_loop))))

  ;; dst[i] += src[i] for n floats (4 at a time, then the rest).
  (func $accumulate (param $dst i32) (param $src i32) (param $n i32)
    (local $i i32) (local $end i32)
    (local.set $end (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2)))
    (block $done
      (loop $vec
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (v128.store (i32.add (local.get $dst) (local.get $i))
          (f32x4.add (v128.load (i32.add (local.get $dst) (local.get $i))) (v128.load (i32.add (local.get $src) (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $vec)))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (block $tail_done
      (loop $tail
        (br_if $tail_done (i32.ge_u (local.get $i) (local.get $end)))
        (f32.store (i32.add (local.get $dst) (local.get $i))
          (f32.add (f32.load (i32.add (local.get $dst) (local.get $i))) (f32.load (i32.add (local.get $src) (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $tail))))

  ;; The geometry of a convolution, set once per call by "geometry" (wasm calls take
  ;; few parameters comfortably): x [batch, height, width, ci] (NHWC), a [kh, kw]
  ;; window at stride (sh, sw) with padding (top, left), output [batch, oh, ow, ·].
  (global $batch (mut i32) (i32.const 0)) (global $height (mut i32) (i32.const 0))
  (global $width (mut i32) (i32.const 0)) (global $ci (mut i32) (i32.const 0))
  (global $oh (mut i32) (i32.const 0)) (global $ow (mut i32) (i32.const 0))
  (global $kh (mut i32) (i32.const 0)) (global $kw (mut i32) (i32.const 0))
  (global $sh (mut i32) (i32.const 0)) (global $sw (mut i32) (i32.const 0))
  (global $top (mut i32) (i32.const 0)) (global $left (mut i32) (i32.const 0))
  (func (export "geometry")
    (param i32 i32 i32 i32) (param i32 i32) (param i32 i32) (param i32 i32) (param i32 i32)
    (global.set $batch (local.get 0)) (global.set $height (local.get 1))
    (global.set $width (local.get 2)) (global.set $ci (local.get 3))
    (global.set $oh (local.get 4)) (global.set $ow (local.get 5))
    (global.set $kh (local.get 6)) (global.set $kw (local.get 7))
    (global.set $sh (local.get 8)) (global.set $sw (local.get 9))
    (global.set $top (local.get 10)) (global.set $left (local.get 11)))

  ;; col2im: dx = 0, then for every output position p = (n, y, x) and tap (ky, kx)
  ;; inside the image, dx[n, y·sh − top + ky, x·sw − left + kx, :] += cols[p, ky, kx, :]
  ;; (cols [batch·oh·ow, kh·kw·ci]), in that order; images [first, last) only (each
  ;; image's dx is written by its own positions alone).
  (func (export "col2im") (param $cols i32) (param $dx i32) (param $first i32) (param $last i32)
    (local $n i32) (local $imageBytes i32) (local $to i32) (local $from i32) (local $y i32) (local $x i32) (local $ky i32) (local $kx i32)
    (local $iy i32) (local $ix i32) (local $src i32) (local $rowBase i32) (local $tapBytes i32)
    (local.set $imageBytes (i32.shl (i32.mul (global.get $height) (i32.mul (global.get $width) (global.get $ci))) (i32.const 2)))
    (memory.fill (i32.add (local.get $dx) (i32.mul (local.get $first) (local.get $imageBytes))) (i32.const 0)
      (i32.mul (i32.sub (local.get $last) (local.get $first)) (local.get $imageBytes)))
    (local.set $tapBytes (i32.shl (global.get $ci) (i32.const 2)))
    (local.set $src (i32.add (local.get $cols) (i32.mul (local.get $first)
      (i32.mul (i32.mul (global.get $oh) (global.get $ow)) (i32.mul (i32.mul (global.get $kh) (global.get $kw)) (local.get $tapBytes))))))
    (local.set $n (local.get $first))
    (block $n_done (loop $n_loop
      (br_if $n_done (i32.ge_u (local.get $n) (local.get $last)))
      (local.set $y (i32.const 0))
      (block $y_done (loop $y_loop
        (br_if $y_done (i32.ge_u (local.get $y) (global.get $oh)))
        (local.set $x (i32.const 0))
        (block $x_done (loop $x_loop
          (br_if $x_done (i32.ge_u (local.get $x) (global.get $ow)))
          (local.set $ky (i32.const 0))
          (block $ky_done (loop $ky_loop
            (br_if $ky_done (i32.ge_u (local.get $ky) (global.get $kh)))
            (local.set $iy (i32.add (i32.sub (i32.mul (local.get $y) (global.get $sh)) (global.get $top)) (local.get $ky)))
            ;; (iy as unsigned) < height also rejects iy < 0
            (if (i32.lt_u (local.get $iy) (global.get $height)) (then
              (local.set $rowBase (i32.mul (i32.add (i32.mul (local.get $n) (global.get $height)) (local.get $iy)) (global.get $width)))
              (local.set $kx (i32.const 0))
              (block $kx_done (loop $kx_loop
                (br_if $kx_done (i32.ge_u (local.get $kx) (global.get $kw)))
                (local.set $ix (i32.add (i32.sub (i32.mul (local.get $x) (global.get $sw)) (global.get $left)) (local.get $kx)))
                (if (i32.lt_u (local.get $ix) (global.get $width)) (then
                  (local.set $to (i32.add (local.get $dx) (i32.mul (i32.add (local.get $rowBase) (local.get $ix)) (local.get $tapBytes))))
                  (local.set $from (i32.add (local.get $src)
                    (i32.mul (i32.add (i32.mul (local.get $ky) (global.get $kw)) (local.get $kx)) (local.get $tapBytes))))
                  ;; one channel (the generator's output layer): a single add, no call
                  (if (i32.eq (global.get $ci) (i32.const 1))
                    (then (f32.store (local.get $to) (f32.add (f32.load (local.get $to)) (f32.load (local.get $from)))))
                    (else (call $accumulate (local.get $to) (local.get $from) (global.get $ci))))))
                (local.set $kx (i32.add (local.get $kx) (i32.const 1)))
                (br $kx_loop)))))
            (local.set $ky (i32.add (local.get $ky) (i32.const 1)))
            (br $ky_loop)))
          (local.set $src (i32.add (local.get $src) (i32.mul (i32.mul (global.get $kh) (global.get $kw)) (local.get $tapBytes))))
          (local.set $x (i32.add (local.get $x) (i32.const 1)))
          (br $x_loop)))
        (local.set $y (i32.add (local.get $y) (i32.const 1)))
        (br $y_loop)))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br $n_loop))))

  ;; The filter gradient of a thin input (the first layer: kh·kw·ci taps, few), with
  ;; no patch matrix: dw[tap, co] = Σ_p x[pixel of p at tap] · dy[p, co], the sum in
  ;; position order p = 0, 1, … (taps in the padding add nothing). dw is [taps, CO].
  ;; For each tap and block of 32 output channels, eight accumulators stay in
  ;; registers over all positions. Channels [first, last) (multiples of 32, as is CO),
  ;; so a helper thread takes the others and the sums are the same on any thread count.
  (func (export "thinFilterGrad") (param $xs i32) (param $dy i32) (param $dw i32) (param $co i32)
    (param $first i32) (param $last i32)
    (local $tap i32) (local $taps i32) (local $ky i32) (local $kx i32) (local $c i32) (local $j i32)
    (local $n i32) (local $y i32) (local $x i32) (local $iy i32) (local $ix i32) (local $g i32) (local $rowBytes i32)
    (local $v v128) (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $a4 v128) (local $a5 v128) (local $a6 v128) (local $a7 v128)
    (local.set $taps (i32.mul (i32.mul (global.get $kh) (global.get $kw)) (global.get $ci)))
    (local.set $rowBytes (i32.shl (local.get $co) (i32.const 2)))
    (block $tap_done (loop $tap_loop
      (br_if $tap_done (i32.ge_u (local.get $tap) (local.get $taps)))
      ;; tap = (ky·kw + kx)·ci + c
      (local.set $c (i32.rem_u (local.get $tap) (global.get $ci)))
      (local.set $kx (i32.rem_u (i32.div_u (local.get $tap) (global.get $ci)) (global.get $kw)))
      (local.set $ky (i32.div_u (local.get $tap) (i32.mul (global.get $ci) (global.get $kw))))
      (local.set $j (local.get $first))
      (block $j_done (loop $j_loop
        (br_if $j_done (i32.ge_u (local.get $j) (local.get $last)))
        (local.set $a0 (v128.const i32x4 0 0 0 0)) (local.set $a1 (v128.const i32x4 0 0 0 0))
        (local.set $a2 (v128.const i32x4 0 0 0 0)) (local.set $a3 (v128.const i32x4 0 0 0 0))
        (local.set $a4 (v128.const i32x4 0 0 0 0)) (local.set $a5 (v128.const i32x4 0 0 0 0))
        (local.set $a6 (v128.const i32x4 0 0 0 0)) (local.set $a7 (v128.const i32x4 0 0 0 0))
        ;; dy[0, j]; positions walked as (n, y, x) counters
        (local.set $g (i32.add (local.get $dy) (i32.shl (local.get $j) (i32.const 2))))
        (local.set $n (i32.const 0))
        (block $n_done (loop $n_loop
          (br_if $n_done (i32.ge_u (local.get $n) (global.get $batch)))
          (local.set $y (i32.const 0))
          (block $y_done (loop $y_loop
            (br_if $y_done (i32.ge_u (local.get $y) (global.get $oh)))
            (local.set $iy (i32.add (i32.sub (i32.mul (local.get $y) (global.get $sh)) (global.get $top)) (local.get $ky)))
            (if (i32.ge_u (local.get $iy) (global.get $height))
              (then (local.set $g (i32.add (local.get $g) (i32.mul (global.get $ow) (local.get $rowBytes)))))
              (else
                (local.set $x (i32.const 0))
                (block $x_done (loop $x_loop
                  (br_if $x_done (i32.ge_u (local.get $x) (global.get $ow)))
                  (local.set $ix (i32.add (i32.sub (i32.mul (local.get $x) (global.get $sw)) (global.get $left)) (local.get $kx)))
                  (if (i32.lt_u (local.get $ix) (global.get $width)) (then
                    (local.set $v (v128.load32_splat (i32.add (local.get $xs) (i32.shl (i32.add (i32.mul
                      (i32.add (i32.mul (i32.add (i32.mul (local.get $n) (global.get $height)) (local.get $iy)) (global.get $width)) (local.get $ix))
                      (global.get $ci)) (local.get $c)) (i32.const 2)))))
                    (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $v) (v128.load (local.get $g)))))
                    (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $v) (v128.load offset=16 (local.get $g)))))
                    (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $v) (v128.load offset=32 (local.get $g)))))
                    (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $v) (v128.load offset=48 (local.get $g)))))
                    (local.set $a4 (f32x4.add (local.get $a4) (f32x4.mul (local.get $v) (v128.load offset=64 (local.get $g)))))
                    (local.set $a5 (f32x4.add (local.get $a5) (f32x4.mul (local.get $v) (v128.load offset=80 (local.get $g)))))
                    (local.set $a6 (f32x4.add (local.get $a6) (f32x4.mul (local.get $v) (v128.load offset=96 (local.get $g)))))
                    (local.set $a7 (f32x4.add (local.get $a7) (f32x4.mul (local.get $v) (v128.load offset=112 (local.get $g)))))))
                  (local.set $g (i32.add (local.get $g) (local.get $rowBytes)))
                  (local.set $x (i32.add (local.get $x) (i32.const 1)))
                  (br $x_loop)))))
            (local.set $y (i32.add (local.get $y) (i32.const 1)))
            (br $y_loop)))
          (local.set $n (i32.add (local.get $n) (i32.const 1)))
          (br $n_loop)))
        ;; dw[tap, j … j + 31]
        (local.set $g (i32.add (local.get $dw) (i32.shl (i32.add (i32.mul (local.get $tap) (local.get $co)) (local.get $j)) (i32.const 2))))
        (v128.store (local.get $g) (local.get $a0))
        (v128.store offset=16 (local.get $g) (local.get $a1))
        (v128.store offset=32 (local.get $g) (local.get $a2))
        (v128.store offset=48 (local.get $g) (local.get $a3))
        (v128.store offset=64 (local.get $g) (local.get $a4))
        (v128.store offset=80 (local.get $g) (local.get $a5))
        (v128.store offset=96 (local.get $g) (local.get $a6))
        (v128.store offset=112 (local.get $g) (local.get $a7))
        (local.set $j (i32.add (local.get $j) (i32.const 32)))
        (br $j_loop)))
      (local.set $tap (i32.add (local.get $tap) (i32.const 1)))
      (br $tap_loop)))))
