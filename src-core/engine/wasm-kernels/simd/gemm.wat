;; A float32 GEMM in 128-bit SIMD on tfjs's own wasm memory (MEMORY is replaced as in
;; optimizer-updates.wat), for the training kernels' matrix products:
;;   C[m, n] = Σ_k A[m, k] · B[k, n]      (C [M, N] row-major, ldc bytes a row)
;; Both operands are first packed (GotoBLAS's layout): A into blocks of four rows,
;; [⌈M/4⌉][K][4], B a panel of eight columns at a time, [K][8], so the inner loop reads
;; both contiguously — read in place, rows a power of two apart would map to a few
;; cache sets and thrash. Each operand is packed from either orientation (A [M, K] or
;; Aᵀ [K, M]; B [K, N] or Bᵀ [N, K]), so no kernel transposes anything first; edges
;; are padded with zeros and the edge tiles of C written through a scratch tile.
;;
;; f32x4.relaxed_madd is a fused multiply-add where the CPU has one (x86 FMA3, Arm
;; NEON): twice the work per instruction of XNNPACK's mul + add. The build script
;; also assembles an "unfused" copy, (f32x4.add (f32x4.mul a b) c) in its place, for
;; engines without relaxed SIMD. Every element of C is its k-sum in ascending k
;; whichever tile or thread computes it, so a split over threads gives the same bits.
(module
  (import "env" "memory" MEMORY)

  ;; Packs rows [m0, m1) of A (m0 a multiple of 4; rows ≥ $rows are zeros) into blocks
  ;; at $dst (block b at $dst + b·K·16). A[m, k] lies at $a + m·$rs + k·$cs: $rs = 4 for
  ;; Aᵀ stored [K, M] (four rows at one k are one vector), $cs = 4 for A stored [M, K]
  ;; (four k of four rows are a 4×4 transpose).
  (func (export "packA") (param $a i32) (param $rs i32) (param $cs i32) (param $dst i32)
    (param $k i32) (param $rows i32) (param $m0 i32) (param $m1 i32)
    (local $m i32) (local $kk i32) (local $k4 i32) (local $src i32) (local $d i32)
    (local.set $k4 (i32.and (local.get $k) (i32.const -4)))
    (local.set $m (local.get $m0))
    (block $done
      (loop $blocks
        (br_if $done (i32.ge_u (local.get $m) (local.get $m1)))
        (local.set $src (i32.add (local.get $a) (i32.mul (local.get $m) (local.get $rs))))
        (local.set $d (i32.add (local.get $dst) (i32.shl (i32.mul (local.get $m) (local.get $k)) (i32.const 2))))
        (if (i32.gt_u (i32.add (local.get $m) (i32.const 4)) (local.get $rows))
          (then (call $packEdge (local.get $src) (local.get $rs) (local.get $cs) (local.get $d) (i32.const 4)
            (i32.sub (local.get $rows) (local.get $m)) (i32.const 0) (local.get $k)))
          (else (if (i32.eq (local.get $rs) (i32.const 4))
            (then
              (local.set $kk (i32.const 0))
              (block $k_done
                (loop $ks
                  (br_if $k_done (i32.ge_u (local.get $kk) (local.get $k)))
                  (v128.store (i32.add (local.get $d) (i32.shl (local.get $kk) (i32.const 4)))
                    (v128.load (i32.add (local.get $src) (i32.mul (local.get $kk) (local.get $cs)))))
                  (local.set $kk (i32.add (local.get $kk) (i32.const 1)))
                  (br $ks))))
            (else
              (local.set $kk (i32.const 0))
              (block $k_done
                (loop $ks
                  (br_if $k_done (i32.ge_u (local.get $kk) (local.get $k4)))
                  (call $transpose4 (i32.add (local.get $src) (i32.shl (local.get $kk) (i32.const 2))) (local.get $rs)
                    (i32.add (local.get $d) (i32.shl (local.get $kk) (i32.const 4))) (i32.const 16))
                  (local.set $kk (i32.add (local.get $kk) (i32.const 4)))
                  (br $ks)))
              (call $packEdge (local.get $src) (local.get $rs) (local.get $cs) (local.get $d) (i32.const 4)
                (i32.const 4) (local.get $k4) (local.get $k))))))
        (local.set $m (i32.add (local.get $m) (i32.const 4)))
        (br $blocks))))

  ;; A convolution's patch matrix (NHWC), packed without being written out:
  ;; A[p, (t, c)] = x[position p's pixel under tap t, channel c], zero in the padding.
  ;; $table[p·T + t] is that pixel's byte offset from $x (−1 in the padding), for the
  ;; T = $taps filter taps; $ci (channels) a multiple of 4, K = T·$ci.

  ;; For the forward pass (A as it is): rows [m0, m1) of A (positions; rows ≥ $rows are
  ;; zeros) in blocks as packA's: per tap, four positions' channel vectors transposed
  ;; ($zero: $ci zeros, read for the padding).
  (func (export "packPatches") (param $x i32) (param $table i32) (param $taps i32) (param $ci i32) (param $zero i32)
    (param $dst i32) (param $rows i32) (param $m0 i32) (param $m1 i32)
    (local $m i32) (local $t i32) (local $c i32) (local $d i32) (local $cBytes i32)
    (local $s0 i32) (local $s1 i32) (local $s2 i32) (local $s3 i32)
    (local $v0 v128) (local $v1 v128) (local $v2 v128) (local $v3 v128)
    (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128)
    (local.set $cBytes (i32.shl (local.get $ci) (i32.const 2)))
    (local.set $m (local.get $m0))
    (block $done
      (loop $blocks
        (br_if $done (i32.ge_u (local.get $m) (local.get $m1)))
        (local.set $d (i32.add (local.get $dst) (i32.mul (i32.mul (local.get $m) (local.get $taps)) (local.get $cBytes))))
        (local.set $t (i32.const 0))
        (block $taps_done
          (loop $tap
            (br_if $taps_done (i32.ge_u (local.get $t) (local.get $taps)))
            (local.set $s0 (call $pixel (local.get $x) (local.get $table) (local.get $taps) (local.get $zero) (local.get $rows) (local.get $m) (local.get $t)))
            (local.set $s1 (call $pixel (local.get $x) (local.get $table) (local.get $taps) (local.get $zero) (local.get $rows) (i32.add (local.get $m) (i32.const 1)) (local.get $t)))
            (local.set $s2 (call $pixel (local.get $x) (local.get $table) (local.get $taps) (local.get $zero) (local.get $rows) (i32.add (local.get $m) (i32.const 2)) (local.get $t)))
            (local.set $s3 (call $pixel (local.get $x) (local.get $table) (local.get $taps) (local.get $zero) (local.get $rows) (i32.add (local.get $m) (i32.const 3)) (local.get $t)))
            (local.set $c (i32.const 0))
            ;; a 4×4 transpose as in $transpose4, written out (four rows at four addresses): this
            ;; loop packs every float of the patch matrix
            (block $c_done
              (loop $channels
                (br_if $c_done (i32.ge_u (local.get $c) (local.get $cBytes)))
                (local.set $v0 (v128.load (i32.add (local.get $s0) (local.get $c))))
                (local.set $v1 (v128.load (i32.add (local.get $s1) (local.get $c))))
                (local.set $v2 (v128.load (i32.add (local.get $s2) (local.get $c))))
                (local.set $v3 (v128.load (i32.add (local.get $s3) (local.get $c))))
                (local.set $t0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $v0) (local.get $v1)))
                (local.set $t1 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $v0) (local.get $v1)))
                (local.set $t2 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $v2) (local.get $v3)))
                (local.set $t3 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $v2) (local.get $v3)))
                (v128.store (local.get $d)
                  (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t0) (local.get $t2)))
                (v128.store offset=16 (local.get $d)
                  (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t0) (local.get $t2)))
                (v128.store offset=32 (local.get $d)
                  (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t1) (local.get $t3)))
                (v128.store offset=48 (local.get $d)
                  (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t1) (local.get $t3)))
                (local.set $d (i32.add (local.get $d) (i32.const 64)))
                (local.set $c (i32.add (local.get $c) (i32.const 16)))
                (br $channels)))
            (local.set $t (i32.add (local.get $t) (i32.const 1)))
            (br $tap)))
        (local.set $m (i32.add (local.get $m) (i32.const 4)))
        (br $blocks))))

  ;; Address of position $p's pixel under tap $t ($zero in the padding and past $rows).
  (func $pixel (param $x i32) (param $table i32) (param $taps i32) (param $zero i32) (param $rows i32) (param $p i32) (param $t i32) (result i32)
    (local $e i32)
    (if (i32.ge_u (local.get $p) (local.get $rows)) (then (return (local.get $zero))))
    (local.set $e (i32.load (i32.add (local.get $table) (i32.shl (i32.add (i32.mul (local.get $p) (local.get $taps)) (local.get $t)) (i32.const 2)))))
    (select (local.get $zero) (i32.add (local.get $x) (local.get $e)) (i32.lt_s (local.get $e) (i32.const 0))))

  ;; For the filter gradient (Aᵀ: rows are (tap, channel), K = $positions): rows
  ;; [m0, m1) from row $base on, four channels of one tap a block — one vector a position.
  (func (export "packPatchesT") (param $x i32) (param $table i32) (param $taps i32) (param $ci i32)
    (param $dst i32) (param $positions i32) (param $base i32) (param $m0 i32) (param $m1 i32)
    (local $m i32) (local $t i32) (local $c i32) (local $p i32) (local $d i32) (local $e i32) (local $tBytes i32)
    (local $pBytes i32)
    (local.set $pBytes (i32.shl (local.get $taps) (i32.const 2)))
    (local.set $m (local.get $m0))
    (block $done
      (loop $blocks
        (br_if $done (i32.ge_u (local.get $m) (local.get $m1)))
        (local.set $t (i32.div_u (i32.add (local.get $base) (local.get $m)) (local.get $ci)))
        (local.set $c (i32.shl (i32.rem_u (i32.add (local.get $base) (local.get $m)) (local.get $ci)) (i32.const 2)))
        (local.set $d (i32.add (local.get $dst) (i32.shl (i32.mul (local.get $m) (local.get $positions)) (i32.const 2))))
        (local.set $e (i32.add (local.get $table) (i32.shl (local.get $t) (i32.const 2))))
        (local.set $p (i32.const 0))
        (block $p_done
          (loop $position
            (br_if $p_done (i32.ge_u (local.get $p) (local.get $positions)))
            (local.set $tBytes (i32.load (local.get $e)))
            (v128.store (local.get $d)
              (if (result v128) (i32.lt_s (local.get $tBytes) (i32.const 0))
                (then (v128.const i32x4 0 0 0 0))
                (else (v128.load (i32.add (i32.add (local.get $x) (local.get $tBytes)) (local.get $c))))))
            (local.set $d (i32.add (local.get $d) (i32.const 16)))
            (local.set $e (i32.add (local.get $e) (local.get $pBytes)))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (br $position)))
        (local.set $m (i32.add (local.get $m) (i32.const 4)))
        (br $blocks))))

  ;; Packs rows [k0, k1) of B stored [K, N] (rows $ldb bytes apart) into all its
  ;; panels at once (panel j at $dst + j·K·32; columns ≥ N zeros), reading B in order —
  ;; a panel at a time would read 32 bytes a row, rows a power of two apart, which
  ;; thrashes the caches and the TLB when B is a large weight matrix. Sixteen panels at
  ;; a time (512 bytes of each row), two rows at a time (a whole cache line a panel), so
  ;; that the writes go to sixteen pages, not to one for each of the N/8 panels.
  (func (export "packB") (param $b i32) (param $ldb i32) (param $dst i32) (param $k i32) (param $cols i32)
    (param $k0 i32) (param $k1 i32)
    (local $kk i32) (local $j i32) (local $g i32) (local $gEnd i32) (local $src i32) (local $d i32) (local $full i32)
    (local $panel i32) (local $two i32)
    (local.set $full (i32.shr_u (local.get $cols) (i32.const 3)))
    (local.set $panel (i32.shl (local.get $k) (i32.const 5)))
    (block $groups_done
      (loop $groups
        (br_if $groups_done (i32.ge_u (local.get $g) (local.get $full)))
        (local.set $gEnd (select (i32.add (local.get $g) (i32.const 16)) (local.get $full)
          (i32.lt_u (i32.add (local.get $g) (i32.const 16)) (local.get $full))))
        (local.set $kk (local.get $k0))
        (block $rows_done
          (loop $rows
            (br_if $rows_done (i32.ge_u (local.get $kk) (local.get $k1)))
            (local.set $src (i32.add (i32.add (local.get $b) (i32.mul (local.get $kk) (local.get $ldb))) (i32.shl (local.get $g) (i32.const 5))))
            (local.set $d (i32.add (i32.add (local.get $dst) (i32.shl (local.get $kk) (i32.const 5))) (i32.mul (local.get $g) (local.get $panel))))
            (local.set $two (i32.lt_u (i32.add (local.get $kk) (i32.const 1)) (local.get $k1)))
            (local.set $j (local.get $g))
            (block $panels_done
              (loop $panels
                (br_if $panels_done (i32.ge_u (local.get $j) (local.get $gEnd)))
                (v128.store (local.get $d) (v128.load (local.get $src)))
                (v128.store offset=16 (local.get $d) (v128.load offset=16 (local.get $src)))
                (if (local.get $two) (then
                  (v128.store offset=32 (local.get $d) (v128.load (i32.add (local.get $src) (local.get $ldb))))
                  (v128.store offset=48 (local.get $d) (v128.load offset=16 (i32.add (local.get $src) (local.get $ldb))))))
                (local.set $src (i32.add (local.get $src) (i32.const 32)))
                (local.set $d (i32.add (local.get $d) (local.get $panel)))
                (local.set $j (i32.add (local.get $j) (i32.const 1)))
                (br $panels)))
            (local.set $kk (i32.add (i32.add (local.get $kk) (i32.const 1)) (local.get $two)))
            (br $rows)))
        (local.set $g (local.get $gEnd))
        (br $groups)))
    ;; the last, partial panel (N not a multiple of 8)
    (if (i32.and (local.get $cols) (i32.const 7))
      (then (call $packEdge (i32.add (i32.add (local.get $b) (i32.mul (local.get $k0) (local.get $ldb))) (i32.shl (local.get $full) (i32.const 5)))
        (i32.const 4) (local.get $ldb)
        (i32.add (i32.add (local.get $dst) (i32.shl (local.get $k0) (i32.const 5))) (i32.mul (local.get $full) (local.get $panel)))
        (i32.const 8) (i32.and (local.get $cols) (i32.const 7)) (i32.const 0) (i32.sub (local.get $k1) (local.get $k0))))))

  ;; Packs the panels of columns [n0, n1) (n0 a multiple of 8) of B[k, n] at
  ;; $b + k·$rs + n·$cs, as gemm would one at a time, into panel layout at $dst.
  (func (export "packPanels") (param $b i32) (param $rs i32) (param $cs i32) (param $dst i32) (param $k i32)
    (param $cols i32) (param $n0 i32) (param $n1 i32)
    (local $n i32)
    (local.set $n (local.get $n0))
    (block $done
      (loop $panels
        (br_if $done (i32.ge_u (local.get $n) (local.get $n1)))
        (call $packPanel (local.get $b) (local.get $rs) (local.get $cs)
          (i32.add (local.get $dst) (i32.shl (i32.mul (local.get $n) (local.get $k)) (i32.const 2))) (local.get $k) (local.get $n)
          (select (i32.sub (local.get $cols) (local.get $n)) (i32.const 8) (i32.lt_u (i32.sub (local.get $cols) (local.get $n)) (i32.const 8))))
        (local.set $n (i32.add (local.get $n) (i32.const 8)))
        (br $panels))))

  ;; C[:, n0:n1] for the row blocks [m0, m1) of packed A at $pa (n0 a multiple of 8, m0
  ;; of 4). B's panels are at $packedB (packB) or, when it is 0, packed here one at a
  ;; time from B[k, n] at $b + k·$rs + n·$cs ($rs = 4: Bᵀ stored [N, K], eight rows
  ;; read in order). $scratch: K·8 + 32 floats of this thread's own (a packed panel, an
  ;; edge tile). The column panel is the outer loop: its K × 8 floats stay in cache
  ;; while every row block of A passes.
  (func (export "gemm") (param $pa i32) (param $b i32) (param $rs i32) (param $cs i32) (param $c i32) (param $ldc i32)
    (param $k i32) (param $rows i32) (param $cols i32) (param $m0 i32) (param $m1 i32) (param $n0 i32) (param $n1 i32)
    (param $scratch i32) (param $packedB i32)
    (local $n i32) (local $m i32) (local $edge i32) (local $width i32) (local $height i32) (local $pc i32) (local $panel i32)
    (local.set $edge (i32.add (local.get $scratch) (i32.shl (local.get $k) (i32.const 5))))
    (local.set $n (local.get $n0))
    (block $panels_done
      (loop $panels
        (br_if $panels_done (i32.ge_u (local.get $n) (local.get $n1)))
        (local.set $width (select (i32.sub (local.get $cols) (local.get $n)) (i32.const 8)
          (i32.lt_u (i32.sub (local.get $cols) (local.get $n)) (i32.const 8))))
        (if (local.get $packedB)
          (then (local.set $panel (i32.add (local.get $packedB) (i32.shl (i32.mul (local.get $n) (local.get $k)) (i32.const 2)))))
          (else
            (local.set $panel (local.get $scratch))
            (call $packPanel (local.get $b) (local.get $rs) (local.get $cs) (local.get $scratch) (local.get $k) (local.get $n) (local.get $width))))
        (local.set $m (local.get $m0))
        (block $rows_done
          (loop $blocks
            (br_if $rows_done (i32.ge_u (local.get $m) (local.get $m1)))
            (local.set $height (i32.sub (local.get $rows) (local.get $m)))
            (local.set $pc (i32.add (i32.add (local.get $c) (i32.mul (local.get $m) (local.get $ldc))) (i32.shl (local.get $n) (i32.const 2))))
            (if (i32.and (i32.ge_u (local.get $height) (i32.const 4)) (i32.eq (local.get $width) (i32.const 8)))
              (then (call $tile (i32.add (local.get $pa) (i32.shl (i32.mul (local.get $m) (local.get $k)) (i32.const 2)))
                (local.get $panel) (local.get $pc) (local.get $ldc) (local.get $k)))
              (else
                (call $tile (i32.add (local.get $pa) (i32.shl (i32.mul (local.get $m) (local.get $k)) (i32.const 2)))
                  (local.get $panel) (local.get $edge) (i32.const 32) (local.get $k))
                (call $unpackEdge (local.get $edge) (local.get $pc) (local.get $ldc)
                  (select (local.get $height) (i32.const 4) (i32.lt_u (local.get $height) (i32.const 4))) (local.get $width))))
            (local.set $m (i32.add (local.get $m) (i32.const 4)))
            (br $blocks)))
        (local.set $n (i32.add (local.get $n) (i32.const 8)))
        (br $panels))))

  ;; gemm with the loops the other way round, for B packed whole ($packedB) and a short
  ;; K: rows [m0, m1) of C a block of four at a time, each across all its columns, so C
  ;; is written a whole row after another (a weight gradient's 13 MB of C dominates when
  ;; K is the batch) while all of packed B stays in cache.
  (func (export "gemmByRows") (param $pa i32) (param $packedB i32) (param $c i32) (param $ldc i32)
    (param $k i32) (param $rows i32) (param $cols i32) (param $m0 i32) (param $m1 i32) (param $scratch i32)
    (local $n i32) (local $m i32) (local $width i32) (local $height i32) (local $pc i32) (local $block i32)
    (local.set $m (local.get $m0))
    (block $rows_done
      (loop $blocks
        (br_if $rows_done (i32.ge_u (local.get $m) (local.get $m1)))
        (local.set $height (i32.sub (local.get $rows) (local.get $m)))
        (local.set $block (i32.add (local.get $pa) (i32.shl (i32.mul (local.get $m) (local.get $k)) (i32.const 2))))
        (local.set $n (i32.const 0))
        (block $panels_done
          (loop $panels
            (br_if $panels_done (i32.ge_u (local.get $n) (local.get $cols)))
            (local.set $width (select (i32.sub (local.get $cols) (local.get $n)) (i32.const 8)
              (i32.lt_u (i32.sub (local.get $cols) (local.get $n)) (i32.const 8))))
            (local.set $pc (i32.add (i32.add (local.get $c) (i32.mul (local.get $m) (local.get $ldc))) (i32.shl (local.get $n) (i32.const 2))))
            (if (i32.and (i32.ge_u (local.get $height) (i32.const 4)) (i32.eq (local.get $width) (i32.const 8)))
              (then (call $tile (local.get $block) (i32.add (local.get $packedB) (i32.shl (i32.mul (local.get $n) (local.get $k)) (i32.const 2)))
                (local.get $pc) (local.get $ldc) (local.get $k)))
              (else
                (call $tile (local.get $block) (i32.add (local.get $packedB) (i32.shl (i32.mul (local.get $n) (local.get $k)) (i32.const 2)))
                  (local.get $scratch) (i32.const 32) (local.get $k))
                (call $unpackEdge (local.get $scratch) (local.get $pc) (local.get $ldc)
                  (select (local.get $height) (i32.const 4) (i32.lt_u (local.get $height) (i32.const 4))) (local.get $width))))
            (local.set $n (i32.add (local.get $n) (i32.const 8)))
            (br $panels)))
        (local.set $m (i32.add (local.get $m) (i32.const 4)))
        (br $blocks))))

  ;; Packs the panel of columns n … n + $width − 1 of B (as gemm takes it) at $dst.
  (func $packPanel (param $b i32) (param $rs i32) (param $cs i32) (param $dst i32) (param $k i32) (param $n i32) (param $width i32)
    (local $src i32) (local $kk i32) (local $k4 i32)
    (local.set $k4 (i32.and (local.get $k) (i32.const -4)))
    (local.set $src (i32.add (local.get $b) (i32.mul (local.get $n) (local.get $cs))))
    (if (i32.lt_u (local.get $width) (i32.const 8))
      (then (call $packEdge (local.get $src) (local.get $cs) (local.get $rs) (local.get $dst) (i32.const 8)
        (local.get $width) (i32.const 0) (local.get $k)))
      (else
        (if (i32.eq (local.get $cs) (i32.const 4))
          (then
            (loop $ks
              (v128.store (i32.add (local.get $dst) (i32.shl (local.get $kk) (i32.const 5)))
                (v128.load (local.get $src)))
              (v128.store offset=16 (i32.add (local.get $dst) (i32.shl (local.get $kk) (i32.const 5)))
                (v128.load offset=16 (local.get $src)))
              (local.set $src (i32.add (local.get $src) (local.get $rs)))
              (local.set $kk (i32.add (local.get $kk) (i32.const 1)))
              (br_if $ks (i32.lt_u (local.get $kk) (local.get $k)))))
          (else
            (block $k_done
              (loop $ks
                (br_if $k_done (i32.ge_u (local.get $kk) (local.get $k4)))
                (call $transpose4 (i32.add (local.get $src) (i32.shl (local.get $kk) (i32.const 2))) (local.get $cs)
                  (i32.add (local.get $dst) (i32.shl (local.get $kk) (i32.const 5))) (i32.const 32))
                (call $transpose4 (i32.add (i32.add (local.get $src) (i32.shl (local.get $cs) (i32.const 2))) (i32.shl (local.get $kk) (i32.const 2)))
                  (local.get $cs) (i32.add (i32.add (local.get $dst) (i32.const 16)) (i32.shl (local.get $kk) (i32.const 5))) (i32.const 32))
                (local.set $kk (i32.add (local.get $kk) (i32.const 4)))
                (br $ks)))
            (call $packEdge (local.get $src) (local.get $cs) (local.get $rs) (local.get $dst) (i32.const 8)
              (i32.const 8) (local.get $k4) (local.get $k)))))))

  ;; One 4 × 8 tile of C from a packed block of A ($pa, 4 floats a k) and a packed
  ;; panel of B ($pb, 8 floats a k): eight vector accumulators (c<row><half>), two
  ;; vectors of B and one broadcast float of A live — eleven of x86's sixteen registers.
  (func $tile (param $pa i32) (param $pb i32) (param $pc i32) (param $ldc i32) (param $k i32)
    (local $end i32) (local $a v128) (local $b0 v128) (local $b1 v128)
    (local $c00 v128) (local $c01 v128) (local $c10 v128) (local $c11 v128)
    (local $c20 v128) (local $c21 v128) (local $c30 v128) (local $c31 v128)
    (local.set $end (i32.add (local.get $pb) (i32.shl (local.get $k) (i32.const 5))))
    (loop $step
      (local.set $b0 (v128.load (local.get $pb)))
      (local.set $b1 (v128.load offset=16 (local.get $pb)))
      (local.set $a (v128.load32_splat (local.get $pa)))
      (local.set $c00 (f32x4.relaxed_madd (local.get $a) (local.get $b0) (local.get $c00)))
      (local.set $c01 (f32x4.relaxed_madd (local.get $a) (local.get $b1) (local.get $c01)))
      (local.set $a (v128.load32_splat offset=4 (local.get $pa)))
      (local.set $c10 (f32x4.relaxed_madd (local.get $a) (local.get $b0) (local.get $c10)))
      (local.set $c11 (f32x4.relaxed_madd (local.get $a) (local.get $b1) (local.get $c11)))
      (local.set $a (v128.load32_splat offset=8 (local.get $pa)))
      (local.set $c20 (f32x4.relaxed_madd (local.get $a) (local.get $b0) (local.get $c20)))
      (local.set $c21 (f32x4.relaxed_madd (local.get $a) (local.get $b1) (local.get $c21)))
      (local.set $a (v128.load32_splat offset=12 (local.get $pa)))
      (local.set $c30 (f32x4.relaxed_madd (local.get $a) (local.get $b0) (local.get $c30)))
      (local.set $c31 (f32x4.relaxed_madd (local.get $a) (local.get $b1) (local.get $c31)))
      (local.set $pa (i32.add (local.get $pa) (i32.const 16)))
      (local.set $pb (i32.add (local.get $pb) (i32.const 32)))
      (br_if $step (i32.lt_u (local.get $pb) (local.get $end))))
    (v128.store (local.get $pc) (local.get $c00))
    (v128.store offset=16 (local.get $pc) (local.get $c01))
    (local.set $pc (i32.add (local.get $pc) (local.get $ldc)))
    (v128.store (local.get $pc) (local.get $c10))
    (v128.store offset=16 (local.get $pc) (local.get $c11))
    (local.set $pc (i32.add (local.get $pc) (local.get $ldc)))
    (v128.store (local.get $pc) (local.get $c20))
    (v128.store offset=16 (local.get $pc) (local.get $c21))
    (local.set $pc (i32.add (local.get $pc) (local.get $ldc)))
    (v128.store (local.get $pc) (local.get $c30))
    (v128.store offset=16 (local.get $pc) (local.get $c31)))

  ;; Four 16-byte rows $ss bytes apart from $s stored transposed at $d, $d + $ds, … (two
  ;; rounds of shuffles, as in layout.wat).
  (func $transpose4 (param $s i32) (param $ss i32) (param $d i32) (param $ds i32)
    (local $v0 v128) (local $v1 v128) (local $v2 v128) (local $v3 v128)
    (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128)
    (local.set $v0 (v128.load (local.get $s)))
    (local.set $v1 (v128.load (i32.add (local.get $s) (local.get $ss))))
    (local.set $v2 (v128.load (i32.add (local.get $s) (i32.shl (local.get $ss) (i32.const 1)))))
    (local.set $v3 (v128.load (i32.add (local.get $s) (i32.mul (local.get $ss) (i32.const 3)))))
    ;; [a0 b0 a1 b1] [a2 b2 a3 b3] [c0 d0 c1 d1] [c2 d2 c3 d3]
    (local.set $t0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $v0) (local.get $v1)))
    (local.set $t1 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $v0) (local.get $v1)))
    (local.set $t2 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $v2) (local.get $v3)))
    (local.set $t3 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $v2) (local.get $v3)))
    ;; [a0 b0 c0 d0] … [a3 b3 c3 d3]
    (v128.store (local.get $d)
      (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t0) (local.get $t2)))
    (v128.store (i32.add (local.get $d) (local.get $ds))
      (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t0) (local.get $t2)))
    (v128.store (i32.add (local.get $d) (i32.shl (local.get $ds) (i32.const 1)))
      (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t1) (local.get $t3)))
    (v128.store (i32.add (local.get $d) (i32.mul (local.get $ds) (i32.const 3)))
      (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t1) (local.get $t3))))

  ;; Packs k in [k0, k1) of $width lines (rows of A, columns of B) one float at a time:
  ;; line j, step k from $src + j·$js + k·$ks to $dst + (k·$width + j)·4, zeros for
  ;; j ≥ $valid. For the edges the vector loops leave.
  (func $packEdge (param $src i32) (param $js i32) (param $ks i32) (param $dst i32) (param $width i32)
    (param $valid i32) (param $k0 i32) (param $k1 i32)
    (local $kk i32) (local $j i32)
    (local.set $kk (local.get $k0))
    (block $k_done
      (loop $ks_loop
        (br_if $k_done (i32.ge_u (local.get $kk) (local.get $k1)))
        (local.set $j (i32.const 0))
        (block $j_done
          (loop $js_loop
            (br_if $j_done (i32.ge_u (local.get $j) (local.get $width)))
            (f32.store (i32.add (local.get $dst) (i32.shl (i32.add (i32.mul (local.get $kk) (local.get $width)) (local.get $j)) (i32.const 2)))
              (if (result f32) (i32.lt_u (local.get $j) (local.get $valid))
                (then (f32.load (i32.add (local.get $src)
                  (i32.add (i32.mul (local.get $j) (local.get $js)) (i32.mul (local.get $kk) (local.get $ks))))))
                (else (f32.const 0))))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $js_loop)))
        (local.set $kk (i32.add (local.get $kk) (i32.const 1)))
        (br $ks_loop))))

  ;; The top-left $height × $width floats of a 4 × 8 edge tile into C.
  (func $unpackEdge (param $tile i32) (param $pc i32) (param $ldc i32) (param $height i32) (param $width i32)
    (local $r i32) (local $j i32)
    (block $r_done
      (loop $rows
        (br_if $r_done (i32.ge_u (local.get $r) (local.get $height)))
        (local.set $j (i32.const 0))
        (block $j_done
          (loop $cols
            (br_if $j_done (i32.ge_u (local.get $j) (local.get $width)))
            (f32.store (i32.add (i32.add (local.get $pc) (i32.mul (local.get $r) (local.get $ldc))) (i32.shl (local.get $j) (i32.const 2)))
              (f32.load (i32.add (local.get $tile) (i32.shl (i32.add (i32.shl (local.get $r) (i32.const 3)) (local.get $j)) (i32.const 2)))))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $cols)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rows)))))
