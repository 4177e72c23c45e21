import { tf } from '../tf.ts';
import { valuesOf, withTensors } from '../kernel-util.ts';

type Typed = Float32Array | Int32Array | Uint8Array;

/**
 * Tile as block copies. The wasm Tile kernel computes every output element's
 * source index; tfjs's FusedBatchNorm gradient tiles the per-channel scale to the
 * activations' full shape (six times per captcha-DCGAN iteration, ≈ 70 ms of it).
 * Tiling one axis at a time, innermost first, repeats contiguous blocks with
 * TypedArray.set, which is memcpy.
 */
export function tileValues(values: Typed, shape: number[], reps: number[]): Typed {
  // Always a fresh array: `values` may be a view of the wasm heap.
  let data = reps.every((r) => r === 1) ? values.slice() : values;
  const current = shape.slice();
  for (let axis = shape.length - 1; axis >= 0; axis--) {
    const r = reps[axis]!;
    if (r === 1) continue;
    const inner = current.slice(axis).reduce((a, b) => a * b, 1);
    const outer = data.length / inner;
    const next = new (data.constructor as new (n: number) => Typed)(data.length * r);
    for (let o = 0; o < outer; o++) {
      const block = data.subarray(o * inner, (o + 1) * inner);
      for (let k = 0; k < r; k++) next.set(block, (o * r + k) * inner);
    }
    current[axis]! *= r;
    data = next;
  }
  return data;
}

export function tileConfig(original: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc = (args: { inputs: tf.NamedTensorInfoMap; attrs: tf.NamedAttrMap; backend: tf.KernelBackend }) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const reps = (args.attrs as { reps: number[] }).reps;
    if (x.dtype === 'string' || x.dtype === 'complex64') return original.kernelFunc(args);
    return withTensors({ x }, (t) => {
      // tileValues copies out of the heap view before anything new is allocated on the heap.
      const values = valuesOf(t.x!) as Typed;
      return tf.tensor(tileValues(values, t.x!.shape, reps), t.x!.shape.map((d, i) => d * reps[i]!), t.x!.dtype);
    });
  };
  return { ...original, kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}
