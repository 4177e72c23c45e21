/**
 * Where tfjs-backend-webgpu 4.22 is wrong or not reproducible for training, fixed through
 * the kernel registry (as the wasm backend's missing training kernels are).
 *
 * The matrix product's split-K program. For a small product over a long shared axis —
 * at most 8 output tiles of 32 × 32, batch 1, shared axis ≥ 2,000 — the backend picks
 * MatMulSplitKProgram: the shared axis is cut into 128-long slices, and each slice's part
 * is added into the output with an emulated float atomicAdd. Two faults:
 * - **Wrong with a transposed right operand.** The program reads the right operand as
 *   vec4s along its last axis (when the shared axis and the output width are multiples
 *   of 4). When that operand is transposed, its last axis is the shared one, not the
 *   output's columns, so the sums mix the wrong elements: relative error ≈ 1 against
 *   the cpu backend. MatMulPackedProgram refuses vec4 when transposed (`&& !transposeB`);
 *   split-K does not. It is the input gradient of every dense layer with ≥ 2,000 units
 *   whose input is at most ≈ 128 wide: dy [B × K] · Wᵀ with W [in × K] — the face
 *   generators' first layer (128 → 4,096 / 16,384). Not SwiftShader's: the shader reads
 *   the wrong addresses on any GPU.
 * - **Not reproducible.** Float additions in whatever order the slices' atomics land
 *   give different roundings from run to run on a real GPU, so neither two runs from
 *   one seed nor a resumed run would continue exactly.
 * So every product the backend would split is run by MatMulSmallOutputSizeProgram, the
 * program it picks for the same small outputs over shorter shared axes: one thread per
 * output element, a fixed summation order, transposes read element by element. These
 * products are small (≤ 8 tiles of output); the slower program costs little.
 */
import { overrideKernel } from './kernel-util.ts';
import { tf } from './tf.ts';

/** tfjs-backend-webgpu's MatMulProgramType values (webgpu_util.ts). */
const SPLIT_K = 1;
const SMALL_OUTPUT_SIZE = 2;
const PROGRAM_FLAG = 'WEBGPU_MATMUL_PROGRAM_TYPE';
const THRESHOLD_FLAG = 'WEBGPU_THRESHOLD_TO_INCREASE_WORKGROUPS_FOR_MATMUL';

/** The product's sizes as BatchMatMul_impl.ts derives them. */
export interface ProductShape {
  batch: number;
  /** Output rows, output columns, shared axis. */
  m: number;
  n: number;
  k: number;
}

export function productShape(a: readonly number[], b: readonly number[], transposeA: boolean, transposeB: boolean): ProductShape {
  const outer = (s: readonly number[]) => s.slice(0, -2).reduce((x, y) => x * y, 1);
  return {
    batch: Math.max(outer(a), outer(b)),
    m: a.at(transposeA ? -1 : -2)!,
    n: b.at(transposeB ? -2 : -1)!,
    k: a.at(transposeA ? -2 : -1)!,
  };
}

/**
 * Whether the backend's own choice (BatchMatMul_impl.ts, program type flag unset) is the
 * split-K program: few 32 × 32 output tiles (`threshold`: 8, or 16 on Intel's 12th-generation
 * GPUs, or the threshold flag), more than 128 outputs, batch 1, shared axis ≥ 2,000.
 */
export function picksSplitK({ batch, m, n, k }: ProductShape, threshold: number): boolean {
  const tiles = batch * Math.ceil(m / 32) * Math.ceil(n / 32);
  const fewTiles = tiles <= threshold || (m <= 8 && tiles <= threshold * 2);
  return fewTiles && batch * m * n > 128 && batch === 1 && k >= 2000;
}

type KernelArgs = { inputs: tf.NamedTensorInfoMap; attrs: tf.NamedAttrMap; backend: tf.KernelBackend };

/** `original` (BatchMatMul or _FusedMatMul), with what it would split run by the small-output program. */
function withoutSplitK(original: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc = (args: KernelArgs) => {
    const env = tf.env();
    const forced = env.getNumber(PROGRAM_FLAG);
    // A program chosen on purpose is kept, except split-K itself.
    if (forced >= 0 && forced !== SPLIT_K) return original.kernelFunc(args);
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean };
    const flagThreshold = env.getNumber(THRESHOLD_FLAG);
    const threshold = flagThreshold > 0 ? flagThreshold : (args.backend as unknown as { thresholdToIncreaseWorkgroups: number }).thresholdToIncreaseWorkgroups;
    if (forced !== SPLIT_K && !picksSplitK(productShape(a.shape, b.shape, transposeA, transposeB), threshold)) return original.kernelFunc(args);
    env.set(PROGRAM_FLAG, SMALL_OUTPUT_SIZE);
    try {
      return original.kernelFunc(args);
    } finally {
      env.set(PROGRAM_FLAG, forced);
    }
  };
  return { ...original, kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}

let registered = false;

/** Registers the fixes; call once tfjs-backend-webgpu is imported (its kernels registered). Idempotent. */
export function registerWebgpuKernelFixes(): void {
  if (registered) return;
  for (const name of ['BatchMatMul', '_FusedMatMul']) {
    const original = tf.getKernel(name, 'webgpu');
    if (!original) throw new Error(`tfjs-backend-webgpu registered no ${name} kernel`);
    overrideKernel(withoutSplitK(original));
  }
  registered = true;
}
