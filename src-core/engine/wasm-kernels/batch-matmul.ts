import { tf, type Tensor } from '../tf.ts';
import { withTensors } from '../kernel-util.ts';

/**
 * The wasm BatchMatMul runs XNNPACK only when neither operand is transposed and a
 * scalar loop (≈ 0.7 GFLOP/s) otherwise; every dense layer's backward pass asks for
 * a transposed operand. Transposing explicitly first is far cheaper than that loop.
 */
export function batchMatMulConfig(original: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc = (args: { inputs: tf.NamedTensorInfoMap; attrs: tf.NamedAttrMap; backend: tf.KernelBackend }) => {
    const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean };
    if (!transposeA && !transposeB) return original.kernelFunc(args);
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    return withTensors({ a, b }, (t) => {
      const left = transposeA ? swapLastTwo(t.a!) : t.a!;
      const right = transposeB ? swapLastTwo(t.b!) : t.b!;
      return original.kernelFunc({
        inputs: { a: left, b: right }, backend: args.backend, attrs: { ...args.attrs, transposeA: false, transposeB: false },
      }) as tf.TensorInfo;
    });
  };
  return { ...original, kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}

function swapLastTwo(x: Tensor): Tensor {
  const perm = x.shape.map((_, i) => i);
  const r = perm.length;
  [perm[r - 2], perm[r - 1]] = [perm[r - 1]!, perm[r - 2]!];
  return tf.transpose(x, perm);
}
