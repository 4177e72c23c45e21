import type { tf } from '../tf.ts';

type Typed = Float32Array | Int32Array | Uint8Array;

interface HeapBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Typed;
}

/**
 * Tile in place in the output's memory. The wasm Tile kernel computes every output
 * element's source index; tfjs's batch-norm gradient and broadcasts tile per-channel
 * values to the activations' full shape. Here the input is copied to the start of
 * the output, then each axis, innermost first, repeats the blocks built so far:
 * from the last block backwards, so a block is moved before anything is written
 * over it. Every copy is copyWithin on the heap (memmove); nothing else is allocated.
 */
function tileInPlace(out: Typed, values: Typed, shape: number[], reps: number[]): void {
  out.set(values);
  let inner = 1;
  let outer = values.length;
  for (let axis = shape.length - 1; axis >= 0; axis--) {
    const dim = shape[axis]!;
    const r = reps[axis]!;
    inner *= dim;
    outer /= dim;
    if (r === 1) continue;
    // `outer` blocks of `inner` elements become `outer` blocks of `inner · r`.
    for (let o = outer - 1; o >= 0; o--) {
      const src = o * inner;
      const dst = o * inner * r;
      out.copyWithin(dst, src, src + inner);
      for (let k = 1; k < r; k++) out.copyWithin(dst + k * inner, dst, dst + inner);
    }
    inner *= r;
  }
}

export function tileConfig(original: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc = (args: { inputs: tf.NamedTensorInfoMap; attrs: tf.NamedAttrMap; backend: HeapBackend }) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const reps = (args.attrs as { reps: number[] }).reps;
    if (x.dtype === 'string' || x.dtype === 'complex64') return original.kernelFunc(args as never);
    const { backend } = args;
    const out = backend.makeOutput(x.shape.map((d, i) => d * reps[i]!), x.dtype);
    // Views taken after the allocation (it may grow the memory and detach older views).
    if (x.shape.every((d) => d > 0)) tileInPlace(backend.typedArrayFromHeap(out), backend.typedArrayFromHeap(x), x.shape, reps);
    return out;
  };
  return { ...original, kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}
