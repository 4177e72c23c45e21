import * as binaries from './simd/gemm.wasm.ts';
import { heapOffset, type WasmBackend } from './simd-module.ts';
import { maxThreads, parallel } from './simd-pool.ts';

/** A matrix operand: its byte offset in the wasm memory, and whether it is stored transposed. */
export interface Operand { at: number; transposed: boolean }

/** Rows of A packed at once: 4 M floats (16 MB); a taller A goes in chunks of rows. */
const PACKED_FLOATS = 1 << 22;
/** A part is worth a helper's wake-up (≈ 50 µs) from about 4 MFLOP. */
const MIN_PART_FLOPS = 4e6;

/**
 * C [m, n] = A · B (simd/gemm.wat) for A [m, k] (stored [k, m] when transposed),
 * B [k, n] (stored [n, k] when transposed), C row-major at byte offset c. The packed
 * copy of A is shared by the threads; each packs its own panels of B. Split by column
 * panels (8 columns) when there are enough of them, otherwise by blocks of 4 rows;
 * every element of C is the same k-sum whatever the split: the same bits on any
 * thread count.
 */
export function gemm(backend: WasmBackend, a: Operand, b: Operand, c: number, m: number, n: number, k: number): void {
  if (m < 1 || n < 1 || k < 1) throw new Error(`gemm: empty product ${m}×${k}·${k}×${n}`);
  const [aRowStride, aDepthStride] = a.transposed ? [4, 4 * m] : [4 * k, 4];
  const [bDepthStride, bColStride] = b.transposed ? [4, 4 * k] : [4 * n, 4];
  const chunk = Math.max(4, Math.floor(PACKED_FLOATS / k / 4) * 4);
  const packed = backend.makeOutput([Math.ceil(Math.min(m, chunk) / 4) * 4 * k], 'float32');
  const scratch = backend.makeOutput([maxThreads(backend) * (8 * k + 32)], 'float32');
  const pa = heapOffset(backend, packed);
  const scratchAt = (index: number) => heapOffset(backend, scratch) + index * 4 * (8 * k + 32);
  try {
    for (let m0 = 0; m0 < m; m0 += chunk) {
      const rows = Math.min(chunk, m - m0);
      const aAt = a.at + m0 * aRowStride;
      const blocks = Math.ceil(rows / 4) * 4;
      parallel(backend, blocks, 4, Math.ceil((1 << 18) / k), (first, last) => [
        { binaries, name: 'packA', args: [aAt, aRowStride, aDepthStride, pa, k, rows, first, last] },
      ]);
      const product = (m1: number, m2: number, n0: number, n1: number, index: number) => [{
        binaries, name: 'gemm',
        args: [pa, b.at, bDepthStride, bColStride, c + 4 * m0 * n, 4 * n, k, rows, n, m1, m2, n0, n1, scratchAt(index)],
      }];
      if (n >= 64) parallel(backend, n, 8, Math.ceil(MIN_PART_FLOPS / (2 * rows * k)), (n0, n1, i) => product(0, blocks, n0, n1, i));
      else parallel(backend, blocks, 4, Math.ceil(MIN_PART_FLOPS / (2 * n * k)), (m1, m2, i) => product(m1, m2, 0, n, i));
    }
  } finally {
    backend.disposeData(packed.dataId);
    backend.disposeData(scratch.dataId);
  }
}
