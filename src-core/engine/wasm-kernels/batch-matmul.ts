import { tf, type Tensor } from '../tf.ts';
import { withTensors } from '../kernel-util.ts';
import { heapOffset, type WasmBackend } from './simd-module.ts';
import { gemm, matrix } from './gemm.ts';
import { rightOperand } from './packed-weights.ts';

/**
 * A single product (every dense layer's, and the convolutions' that go through
 * one) runs on simd/gemm.wat: fused multiply-adds, every thread, either orientation
 * of each operand read where it lies, a large right operand (a layer's weights)
 * packed once per weight version. Batched products keep the backend's kernel, which
 * runs XNNPACK only when neither operand is transposed and a scalar loop (≈ 0.7
 * GFLOP/s) otherwise: their transposed operands are transposed explicitly first, or
 * Cᵀ = op(B)ᵀ·op(A)ᵀ is computed when that copies fewer floats.
 */
export function batchMatMulConfig(original: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc = (args: { inputs: tf.NamedTensorInfoMap; attrs: tf.NamedAttrMap; backend: tf.KernelBackend }) => {
    const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean };
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const size = (x: tf.TensorInfo) => x.shape.reduce((n, d) => n * d, 1);
    const rows = a.shape[a.shape.length - (transposeA ? 1 : 2)]!;
    const cols = b.shape[b.shape.length - (transposeB ? 2 : 1)]!;
    const depth = a.shape[a.shape.length - (transposeA ? 2 : 1)]!;
    const batch = Math.max(size(a) / (a.shape.at(-1)! * a.shape.at(-2)!), size(b) / (b.shape.at(-1)! * b.shape.at(-2)!));
    const backend = args.backend as unknown as WasmBackend;
    if (batch === 1 && rows * cols * depth > 0 && a.dtype === 'float32' && b.dtype === 'float32') {
      const right = rightOperand(backend, b, transposeB, depth, cols);
      const leading = (a.shape.length >= b.shape.length ? a.shape : b.shape).slice(0, -2);
      const c = backend.makeOutput([...leading, rows, cols], 'float32');
      gemm(backend, matrix(heapOffset(backend, a), transposeA, rows, depth), right, heapOffset(backend, c), rows, cols, depth);
      return c;
    }
    if (!transposeA && !transposeB) return original.kernelFunc(args);
    // Floats copied by each plan: transpose the operands as asked, or compute Cᵀ from the
    // other orientation of each operand and transpose the (often small) result.
    const direct = (transposeA ? size(a) : 0) + (transposeB ? size(b) : 0);
    const swapped = (transposeA ? 0 : size(a)) + (transposeB ? 0 : size(b)) + batch * rows * cols;
    const plain = (left: tf.TensorInfo, right: tf.TensorInfo) => original.kernelFunc({
      inputs: { a: left, b: right }, backend: args.backend, attrs: { ...args.attrs, transposeA: false, transposeB: false },
    }) as tf.TensorInfo;
    return withTensors({ a, b }, (t) => {
      if (direct <= swapped) return plain(transposeA ? swapLastTwo(t.a!) : t.a!, transposeB ? swapLastTwo(t.b!) : t.b!);
      // Cᵀ = op(B)ᵀ · op(A)ᵀ, where op(X)ᵀ is X itself when X was to be transposed.
      return transposedBack(plain(transposeB ? t.b! : swapLastTwo(t.b!), transposeA ? t.a! : swapLastTwo(t.a!)));
    });
  };
  return { ...original, kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}

/** C from the Cᵀ a kernel returned (the kernel's output is disposed). */
function transposedBack(cT: tf.TensorInfo): Tensor {
  const asTensor = tf.engine().makeTensorFromTensorInfo(cT);
  const result = swapLastTwo(asTensor);
  asTensor.dispose();
  return result;
}

function swapLastTwo(x: Tensor): Tensor {
  const perm = x.shape.map((_, i) => i);
  const r = perm.length;
  [perm[r - 2], perm[r - 1]] = [perm[r - 1]!, perm[r - 2]!];
  return tf.transpose(x, perm);
}
