import { tf, type Tensor } from '../tf.ts';
import { withTensors } from '../kernel-util.ts';
import { heapOffset, type WasmBackend } from './simd-module.ts';
import { transposedWeights } from './transposed-weights.ts';
import { gemm } from './gemm.ts';

/**
 * The wasm BatchMatMul runs XNNPACK only when neither operand is transposed and a
 * scalar loop (≈ 0.7 GFLOP/s) otherwise; every dense layer's backward pass asks for
 * a transposed operand. Transposing explicitly first is far cheaper than that loop,
 * and which operand to move matters: C = A·Bᵀ can also be computed as (B·Aᵀ)ᵀ,
 * which copies the small activations instead of the large weight matrix
 * (dx = dy·Wᵀ: B·(in + out) floats instead of in·out). Without a transposed
 * operand, a large weight matrix on the right is moved to the left (see
 * packingDominates).
 */
export function batchMatMulConfig(original: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc = (args: { inputs: tf.NamedTensorInfoMap; attrs: tf.NamedAttrMap; backend: tf.KernelBackend }) => {
    const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean };
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const size = (x: tf.TensorInfo) => x.shape.reduce((n, d) => n * d, 1);
    const rows = a.shape[a.shape.length - (transposeA ? 1 : 2)]!;
    const cols = b.shape[b.shape.length - (transposeB ? 2 : 1)]!;
    const batch = Math.max(size(a) / (a.shape.at(-1)! * a.shape.at(-2)!), size(b) / (b.shape.at(-1)! * b.shape.at(-2)!));
    const backend = args.backend as unknown as WasmBackend;
    const depth = a.shape[a.shape.length - (transposeA ? 2 : 1)]!;
    if (batch === 1 && depth > 0 && rows * cols > 4 && a.dtype === 'float32' && b.dtype === 'float32') {
      return gemmMatMul(a, b, { rows, cols, depth, transposeA, transposeB }, backend);
    }
    if (!transposeA && !transposeB) {
      if (batch !== 1 || !packingDominates(size(a), size(b), rows * cols)) return original.kernelFunc(args);
      return withTensors({ a }, (t) => transposedBack(original.kernelFunc({
        inputs: { a: transposedWeights(b, backend), b: swapLastTwo(t.a!) }, backend: args.backend, attrs: args.attrs,
      }) as tf.TensorInfo));
    }
    // Floats copied by each plan: transpose the operands as asked, or compute Cᵀ from the
    // other orientation of each operand and transpose the (often small) result.
    const direct = (transposeA ? size(a) : 0) + (transposeB ? size(b) : 0);
    const swapped = (transposeA ? 0 : size(a)) + (transposeB ? 0 : size(b)) + batch * rows * cols;
    const plain = (left: tf.TensorInfo, right: tf.TensorInfo) => original.kernelFunc({
      inputs: { a: left, b: right }, backend: args.backend, attrs: { ...args.attrs, transposeA: false, transposeB: false },
    }) as tf.TensorInfo;
    return withTensors({ a, b }, (t) => {
      if (direct <= swapped) {
        // A large right operand is a layer's weights (a transposed convolution's, for one): transposed once per version.
        const right = !transposeB ? t.b! : batch === 1 && size(b) >= 65_536 ? transposedWeights(b, backend) : swapLastTwo(t.b!);
        return plain(transposeA ? swapLastTwo(t.a!) : t.a!, right);
      }
      // Cᵀ = op(B)ᵀ · op(A)ᵀ, where op(X)ᵀ is X itself when X was to be transposed.
      return transposedBack(plain(transposeB ? t.b! : swapLastTwo(t.b!), transposeA ? t.a! : swapLastTwo(t.a!)));
    });
  };
  return { ...original, kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}

/** One product on simd/gemm.wat, which packs either orientation of each operand itself. */
function gemmMatMul(
  a: tf.TensorInfo, b: tf.TensorInfo,
  p: { rows: number; cols: number; depth: number; transposeA: boolean; transposeB: boolean },
  backend: WasmBackend,
): tf.TensorInfo {
  const leading = (a.shape.length >= b.shape.length ? a.shape : b.shape).slice(0, -2);
  const c = backend.makeOutput([...leading, p.rows, p.cols], 'float32');
  gemm(backend, { at: heapOffset(backend, a), transposed: p.transposeA }, { at: heapOffset(backend, b), transposed: p.transposeB },
    heapOffset(backend, c), p.rows, p.cols, p.depth);
  return c;
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

/**
 * XNNPACK packs the right operand (the "weights") by a strided gather, ≈ 9 ns a float,
 * and tfjs caches the packed copy by tensor: a dense layer's weights are new after
 * every optimiser step, so x·W repacks all of W each time (28 ms for 3.3 M floats
 * against a 7 ms GEMM). Computing (Wᵀ·xᵀ)ᵀ instead packs only the activations;
 * a transpose costs a fraction of a pack.
 */
function packingDominates(aSize: number, bSize: number, outSize: number): boolean {
  return bSize >= 65_536 && bSize >= 4 * (aSize + outSize);
}
