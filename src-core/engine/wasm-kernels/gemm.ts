import type { tf } from '../tf.ts';
import * as binaries from './simd/gemm.wasm.ts';
import { heapOffset, type WasmBackend } from './simd-module.ts';
import { maxThreads, parallel, type SimdCall } from './simd-pool.ts';

/**
 * The left operand A [m, k] of a product, as the call that packs its rows [first, last)
 * of the `rows` from row `from` on into blocks of four at `dst` (simd/gemm.wat).
 */
export type LeftOperand = (dst: number, from: number, rows: number, first: number, last: number) => SimdCall;

/** A matrix at a byte offset, [m, k] row-major (or stored [k, m] when transposed). */
export function matrix(at: number, transposed: boolean, m: number, k: number): LeftOperand {
  const [rowStride, depthStride] = transposed ? [4, 4 * m] : [4 * k, 4];
  return (dst, from, rows, first, last) => ({
    binaries, name: 'packA', args: [at + from * rowStride, rowStride, depthStride, dst, k, rows, first, last],
  });
}

/**
 * The right operand B [k, n]: a matrix at a byte offset (stored [n, k] when
 * transposed), or already packed into panels (packedRight).
 */
export type RightOperand = { at: number; transposed: boolean } | { packed: number };

/** Rows of A packed at once: 256 Ki floats (1 MB, half a core's L2), so that every panel of B passes over A in cache; a taller A goes in chunks of rows. */
const PACKED_FLOATS = 1 << 18;
/** Packed B up to this many floats (256 KB) is multiplied row block by row block (gemmByRows). */
const BY_ROWS_FLOATS = 1 << 16;
/** Chunks of a tall A one thread takes in one round. */
const CHUNKS_PER_JOB = 16;
/** A part is worth a helper's wake-up (≈ 50 µs) from about 4 MFLOP. */
const MIN_PART_FLOPS = 4e6;
/** Floats of packing a part is worth a helper for. */
const MIN_PART_PACK = 1 << 18;

/**
 * C [m, n] = A · B (simd/gemm.wat), C row-major at byte offset c. The packed copy of
 * A is shared by the threads, and so is B's when B is packed whole (a cached weight
 * matrix, or any B stored [k, n]: packed reading its rows in order); a transposed B
 * is packed a panel at a time by the thread that uses it. Split by column panels
 * (8 columns) when there are enough of them, otherwise by blocks of 4 rows (and so
 * are a small B's products and a tall A's, below); every element of C is the same
 * k-sum whatever the split: the same bits on any thread count.
 */
export function gemm(backend: WasmBackend, a: LeftOperand, b: RightOperand, c: number, m: number, n: number, k: number): void {
  if (m < 1 || n < 1 || k < 1) throw new Error(`gemm: empty product ${m}×${k}·${k}×${n}`);
  const temporaries: tf.TensorInfo[] = [];
  const temporary = (floats: number) => {
    const t = backend.makeOutput([floats], 'float32');
    temporaries.push(t);
    return heapOffset(backend, t);
  };
  const chunk = Math.max(4, Math.floor(PACKED_FLOATS / k / 4) * 4);
  const threads = maxThreads(backend);
  // One pass over A's rows suffices when its packed copy fits the cache; then all threads share it.
  const oneChunk = m <= chunk;
  try {
    const scratch = temporary(threads * (8 * k + 32));
    const scratchAt = (index: number) => scratch + index * 4 * (8 * k + 32);
    let pb = 0;
    let bStrides = [0, 0];
    if ('packed' in b) pb = b.packed;
    else if (!b.transposed || !oneChunk) pb = packRight(backend, b.at, b.transposed, k, n, temporary(packedSize(k, n)));
    else bStrides = [4, 4 * k];
    const bAt = 'at' in b ? b.at : 0;
    const product = (pa: number, from: number, rows: number, m0: number, m1: number, n0: number, n1: number, index: number): SimdCall => ({
      binaries, name: 'gemm',
      args: [pa, bAt, ...bStrides, c + 4 * from * n, 4 * n, k, rows, n, m0, m1, n0, n1, scratchAt(index), pb],
    });
    if (oneChunk) {
      const blocks = Math.ceil(m / 4) * 4;
      const pa = temporary(blocks * k);
      parallel(backend, blocks, 4, Math.ceil(MIN_PART_PACK / k), (first, last) => [a(pa, 0, m, first, last)]);
      if (packedSize(k, n) <= BY_ROWS_FLOATS) {
        // A small B (a weight gradient's: K is the batch): row blocks outermost, so C — the
        // large operand then — is written row after row, while all of packed B stays in cache.
        if (!pb) pb = packRight(backend, bAt, true, k, n, temporary(packedSize(k, n)));
        parallel(backend, blocks, 4, Math.ceil(MIN_PART_FLOPS / (2 * n * k)), (m0, m1, i) => [{
          binaries, name: 'gemmByRows', args: [pa, pb, c, 4 * n, k, m, n, m0, m1, scratchAt(i)],
        }]);
      } else if (n >= 64) {
        parallel(backend, n, 8, Math.ceil(MIN_PART_FLOPS / (2 * m * k)), (n0, n1, i) => [product(pa, 0, m, 0, blocks, n0, n1, i)]);
      } else {
        parallel(backend, blocks, 4, Math.ceil(MIN_PART_FLOPS / (2 * n * k)), (m0, m1, i) => [product(pa, 0, m, m0, m1, 0, n, i)]);
      }
      return;
    }
    // A tall A: each thread takes a range of rows, packs it a cache-sized chunk at a
    // time into its own buffer and multiplies that chunk by every panel of the shared B
    // (at most CHUNKS_PER_JOB chunks a thread per round: a helper's job has room for so many calls).
    const own = temporary(threads * chunk * k);
    const span = threads * chunk * CHUNKS_PER_JOB;
    for (let start = 0; start < m; start += span) {
      parallel(backend, Math.min(span, m - start), 4, Math.ceil(MIN_PART_FLOPS / (2 * n * k)), (first, last, i) => {
        const calls: SimdCall[] = [];
        for (let from = start + first; from < start + last; from += chunk) {
          const rows = Math.min(chunk, start + last - from);
          const blocks = Math.ceil(rows / 4) * 4;
          const pa = own + 4 * i * chunk * k;
          calls.push(a(pa, from, rows, 0, blocks), product(pa, from, rows, 0, blocks, 0, n, i));
        }
        return calls;
      });
    }
  } finally {
    for (const t of temporaries) backend.disposeData(t.dataId);
  }
}

/** Floats of B [k, n] packed into panels of 8 columns. */
export function packedSize(k: number, n: number): number {
  return Math.ceil(n / 8) * 8 * k;
}

/** Packs all of B [k, n] (stored [n, k] when transposed) into panels at dst; returns dst. */
export function packRight(backend: WasmBackend, at: number, transposed: boolean, k: number, n: number, dst: number): number {
  if (transposed) {
    parallel(backend, n, 8, Math.ceil(MIN_PART_PACK / k), (n0, n1) => [
      { binaries, name: 'packPanels', args: [at, 4, 4 * k, dst, k, n, n0, n1] },
    ]);
  } else {
    parallel(backend, k, 2, Math.ceil(MIN_PART_PACK / n), (k0, k1) => [
      { binaries, name: 'packB', args: [at, 4 * n, dst, k, n, k0, k1] },
    ]);
  }
  return dst;
}
