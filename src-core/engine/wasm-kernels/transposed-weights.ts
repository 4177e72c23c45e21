import type { tf } from '../tf.ts';
import { transposeMatrix } from './layout.ts';
import { heapOffset, type WasmBackend } from './simd-module.ts';

/**
 * Wᵀ for each weight matrix seen, kept while W lives: a weight is multiplied
 * several times between two optimiser steps (the critic's on real and on fake
 * images; the generator's in the critic's and in its own update), and transposing
 * 3.3 M floats costs ≈ 4 ms. Held as backend data, outside the engine's tensor
 * count; an entry goes when its W has been disposed (checked at every call), the
 * oldest when more than MAX_CACHED are held.
 */
const cache = new Map<object, tf.TensorInfo>();
const MAX_CACHED = 16;

export function transposedWeights(w: tf.TensorInfo, backend: WasmBackend): tf.TensorInfo {
  for (const [dataId, wT] of cache) {
    if (!backend.dataIdMap.has(dataId)) drop(dataId, wT, backend);
  }
  const [rows, cols] = w.shape.slice(-2) as [number, number];
  const hit = cache.get(w.dataId);
  // The same data may be seen under another shape (a reshaped filter).
  if (hit && hit.shape.at(-2) === cols && hit.shape.at(-1) === rows) return hit;
  if (hit) drop(w.dataId, hit, backend);
  const wT = backend.makeOutput([...w.shape.slice(0, -2), cols, rows], 'float32');
  transposeMatrix(backend, heapOffset(backend, w), heapOffset(backend, wT), rows, cols);
  cache.set(w.dataId, wT);
  if (cache.size > MAX_CACHED) {
    const [oldest, oldT] = cache.entries().next().value as [object, tf.TensorInfo];
    drop(oldest, oldT, backend);
  }
  return wT;
}

function drop(dataId: object, wT: tf.TensorInfo, backend: WasmBackend): void {
  cache.delete(dataId);
  backend.disposeData(wT.dataId, true);
}

