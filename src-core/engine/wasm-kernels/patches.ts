import type { tf } from '../tf.ts';
import * as binaries from './simd/gemm.wasm.ts';
import type { LeftOperand } from './gemm.ts';
import { backendMemory, heapOffset, type WasmBackend } from './simd-module.ts';

/**
 * A convolution's patch matrix as a GEMM operand, packed straight from x (simd/gemm.wat
 * packPatches / packPatchesT) instead of being written out by an im2col pass:
 * A[p, (ky, kx, c)] = x[b, oy·sh − top + ky, ox·sw − left + kx, c] for the output
 * position p = (b, oy, ox), zero in the padding. It needs a channel count that is a
 * multiple of 4 (patchesFit).
 */
export function patchesFit(info: tf.backend_util.Conv2DInfo): boolean {
  return info.inChannels % 4 === 0 && info.dilationHeight === 1 && info.dilationWidth === 1;
}

/** Rows are positions, k = (tap, channel): a forward convolution's left operand. */
export function patches(backend: WasmBackend, info: tf.backend_util.Conv2DInfo, x: number, zero: number): LeftOperand {
  const table = heapOffset(backend, pixelTable(backend, info));
  const taps = info.filterHeight * info.filterWidth;
  return (dst, from, rows, first, last) => ({
    binaries, name: 'packPatches', args: [x, table + 4 * from * taps, taps, info.inChannels, zero, dst, rows, first, last],
  });
}

/** Rows are (tap, channel), k = positions: a filter gradient's left operand. */
export function patchesT(backend: WasmBackend, info: tf.backend_util.Conv2DInfo, x: number): LeftOperand {
  const table = heapOffset(backend, pixelTable(backend, info));
  const taps = info.filterHeight * info.filterWidth;
  const positions = info.batchSize * info.outHeight * info.outWidth;
  return (dst, from, _rows, first, last) => ({
    binaries, name: 'packPatchesT', args: [x, table, taps, info.inChannels, dst, positions, from, first, last],
  });
}

/** `count` zero floats (the padding's source), as backend data the caller disposes. */
export function zeros(backend: WasmBackend, count: number): tf.TensorInfo {
  const zero = backend.makeOutput([count], 'float32');
  new Float32Array(backendMemory(backend).buffer, heapOffset(backend, zero), count).fill(0);
  return zero;
}

/**
 * table[p·T + t]: the byte offset from x of position p's pixel under tap t, or −1 in
 * the padding. Kept per geometry (a training step meets each a few times; the
 * largest, CelebA 128²'s first critic layer, is 1.6 M entries).
 */
const tables = new Map<string, { backend: WasmBackend; table: tf.TensorInfo }>();
const MAX_TABLES = 8;

function pixelTable(backend: WasmBackend, info: tf.backend_util.Conv2DInfo): tf.TensorInfo {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, filterHeight, filterWidth, strideHeight, strideWidth } = info;
  const { top, left } = info.padInfo;
  const key = [batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, filterHeight, filterWidth, strideHeight, strideWidth, top, left].join();
  const hit = tables.get(key);
  if (hit?.backend === backend && backend.dataIdMap.has(hit.table.dataId)) return hit.table;
  const taps = filterHeight * filterWidth;
  const table = backend.makeOutput([batchSize * outHeight * outWidth * taps], 'int32');
  const entries = new Int32Array(backendMemory(backend).buffer, heapOffset(backend, table), batchSize * outHeight * outWidth * taps);
  let e = 0;
  for (let b = 0; b < batchSize; b++) {
    for (let oy = 0; oy < outHeight; oy++) {
      for (let ox = 0; ox < outWidth; ox++) {
        for (let ky = 0; ky < filterHeight; ky++) {
          const iy = oy * strideHeight - top + ky;
          for (let kx = 0; kx < filterWidth; kx++) {
            const ix = ox * strideWidth - left + kx;
            const inside = iy >= 0 && iy < inHeight && ix >= 0 && ix < inWidth;
            entries[e++] = inside ? 4 * inChannels * ((b * inHeight + iy) * inWidth + ix) : -1;
          }
        }
      }
    }
  }
  tables.set(key, { backend, table });
  if (tables.size > MAX_TABLES) {
    const [oldest, old] = tables.entries().next().value as [string, { backend: WasmBackend; table: tf.TensorInfo }];
    tables.delete(oldest);
    old.backend.disposeData(old.table.dataId, true);
  }
  return table;
}
