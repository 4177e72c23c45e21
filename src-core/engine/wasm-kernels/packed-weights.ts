import { tf } from '../tf.ts';
import { packedSize, packRight, type RightOperand } from './gemm.ts';
import { heapOffset, type WasmBackend } from './simd-module.ts';

/**
 * A weight matrix packed into the GEMM's panel layout, kept while the weights live:
 * a weight is multiplied several times between two optimiser steps (the critic's on
 * real and on fake images; the generator's in the critic's and in its own update),
 * and packing 3.3 M floats reads and writes 26 MB. Held as backend data, outside the
 * engine's tensor count, keyed by the data and the orientation it is used in; an
 * entry goes when its weights have been disposed (checked at every call), the oldest
 * when more than MAX_CACHED are held. Optimiser steps write new tensors, never the
 * old data in place, so a data id's contents do not change while it lives.
 */
const cache = new Map<object, Map<string, tf.TensorInfo>>();
const MAX_CACHED = 16;
/** Smaller weight matrices are packed by each product (the pack is cheap, the cache slot is not). */
const MIN_CACHED_FLOATS = 65_536;

/**
 * B [k, n] (stored [n, k] when transposed) as a GEMM's right operand: packed once per
 * weight version when it is a weight matrix worth caching, else read where it lies.
 */
export function rightOperand(backend: WasmBackend, b: tf.TensorInfo, transposed: boolean, k: number, n: number): RightOperand {
  return isCachedWeight(b) ? packedWeights(backend, b, transposed, k, n) : { at: heapOffset(backend, b), transposed };
}

/**
 * Whether `b` is a weight matrix worth caching packed: a trainable variable's data
 * (activations and gradients are used once; caching them would evict the weights).
 */
function isCachedWeight(b: tf.TensorInfo): boolean {
  if (b.shape.reduce((n, d) => n * d, 1) < MIN_CACHED_FLOATS) return false;
  const variables = tf.engine().state.registeredVariables;
  for (const name in variables) {
    if (variables[name]!.dataId === b.dataId) return true;
  }
  return false;
}

/** B [k, n] (stored [n, k] when transposed), packed once per weight version. */
function packedWeights(backend: WasmBackend, b: tf.TensorInfo, transposed: boolean, k: number, n: number): RightOperand {
  for (const [dataId, entries] of cache) {
    if (!backend.dataIdMap.has(dataId)) drop(dataId, entries, backend);
  }
  const key = `${transposed} ${k} ${n}`;
  const entries = cache.get(b.dataId) ?? new Map<string, tf.TensorInfo>();
  cache.delete(b.dataId);
  cache.set(b.dataId, entries); // most recently used last
  let packed = entries.get(key);
  if (!packed) {
    packed = backend.makeOutput([packedSize(k, n)], 'float32');
    packRight(backend, heapOffset(backend, b), transposed, k, n, heapOffset(backend, packed));
    entries.set(key, packed);
  }
  if (cache.size > MAX_CACHED) {
    const [oldest, old] = cache.entries().next().value as [object, Map<string, tf.TensorInfo>];
    drop(oldest, old, backend);
  }
  return { packed: heapOffset(backend, packed) };
}

function drop(dataId: object, entries: Map<string, tf.TensorInfo>, backend: WasmBackend): void {
  cache.delete(dataId);
  for (const packed of entries.values()) backend.disposeData(packed.dataId, true);
}
