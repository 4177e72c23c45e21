import type { tf } from '../tf.ts';
import * as binaries from './simd/elementwise.wasm.ts';
import { heapOffset, simdExports, type WasmBackend } from './simd-module.ts';
import { parallelFloats } from './simd-pool.ts';

/** simd/elementwise.wat (byte offsets, float32): the exports run on this thread alone. */
interface Exports {
  columnSums(x: number, out: number, rows: number, cols: number, mean: number): void;
  batchNorm(x: number, mean: number, variance: number, offset: number, scale: number,
    out: number, rows: number, channels: number, eps: number, scratch: number): void;
}

const kernels = (backend: WasmBackend) => simdExports<Exports>(backend, binaries);

/** LeakyReLU's gradient as one kernel: where(x > 0, dy, dy·alpha). Registered for wasm; see engine/gradients.ts. */
export const LEAKY_RELU_GRAD = 'GwbLeakyReluGrad';

type Args = { inputs: Record<string, tf.TensorInfo>; attrs: Record<string, unknown>; backend: WasmBackend };
const size = (t: tf.TensorInfo) => t.shape.reduce((a, d) => a * d, 1);

/** The wasm LeakyRelu is a scalar loop with a branch (1 ms for 409 k floats); the same select, 4 lanes at a time. */
function leakyReluConfig(original: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc = ({ inputs, attrs, backend }: Args) => {
    const { x } = inputs as { x: tf.TensorInfo };
    if (x.dtype !== 'float32') return original.kernelFunc({ inputs, attrs, backend } as never);
    const out = backend.makeOutput(x.shape, 'float32');
    const [xp, op] = [heapOffset(backend, x), heapOffset(backend, out)];
    parallelFloats(backend, size(x), (first, last) =>
      [{ binaries, name: 'leakyRelu', args: [xp + 4 * first, op + 4 * first, last - first, attrs.alpha as number] }]);
    return out;
  };
  return { ...original, kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}

function leakyReluGrad({ inputs, attrs, backend }: Args): tf.TensorInfo {
  const { dy, x } = inputs as { dy: tf.TensorInfo; x: tf.TensorInfo };
  const out = backend.makeOutput(x.shape, 'float32');
  const pointers = [heapOffset(backend, dy), heapOffset(backend, x), heapOffset(backend, out)];
  parallelFloats(backend, size(x), (first, last) =>
    [{ binaries, name: 'leakyReluGrad', args: [...pointers.map((p) => p + 4 * first), last - first, attrs.alpha as number] }]);
  return out;
}

/**
 * Add of two float32 tensors of one shape (gradients summed where a weight is used
 * twice: 3.3 M floats for the critic's dense layer), split over the threads. Any
 * broadcast goes to the original kernel.
 */
function addConfig(original: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc = (args: Args) => {
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const same = a.dtype === 'float32' && b.dtype === 'float32' && a.shape.length === b.shape.length && a.shape.every((d, i) => d === b.shape[i]);
    if (!same || size(a) < 1 << 16) return original.kernelFunc(args as never);
    const { backend } = args;
    const out = backend.makeOutput(a.shape, 'float32');
    const pointers = [heapOffset(backend, a), heapOffset(backend, b), heapOffset(backend, out)];
    parallelFloats(backend, size(a), (first, last) =>
      [{ binaries, name: 'add', args: [...pointers.map((p) => p + 4 * first), last - first] }]);
    return out;
  };
  return { ...original, kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}

/**
 * Sum and Mean over leading axes (batch norm's statistics and gradients, bias
 * gradients: [64, 10, 10, 64] over [0, 1, 2]). The wasm kernels first transpose the
 * reduced axes innermost, a full copy; column sums read the tensor once, adding
 * each column in the same order. Any other reduction goes to the original kernel.
 */
function reductionConfig(original: tf.KernelConfig, mean: boolean): tf.KernelConfig {
  const kernelFunc = (args: Args) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const { axis, keepDims } = args.attrs as { axis: number | number[]; keepDims: boolean };
    const rank = x.shape.length;
    // In the order given: tfjs adds the reduced elements in that axis order ([1, 0] is not [0, 1]).
    const axes = (Array.isArray(axis) ? axis : [axis]).map((a) => (a < 0 ? a + rank : a));
    const leading = axes.length > 0 && axes.length < rank && axes.every((a, i) => a === i);
    if (x.dtype !== 'float32' || !leading) return original.kernelFunc(args as never);
    const rows = x.shape.slice(0, axes.length).reduce((a, d) => a * d, 1);
    const kept = x.shape.slice(axes.length);
    const { backend } = args;
    const out = backend.makeOutput(keepDims ? [...axes.map(() => 1), ...kept] : kept, 'float32');
    const cols = kept.reduce((a, d) => a * d, 1);
    if (rows > 0) kernels(backend).columnSums(heapOffset(backend, x), heapOffset(backend, out), rows, cols, mean ? 1 : 0);
    return out;
  };
  return { ...original, kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}

/**
 * Batch normalisation with per-channel statistics over the last axis (every BN
 * layer of the thesis's nets): the wasm kernel is a scalar loop with four modulo
 * counters per element; this is the same arithmetic (its division and addition
 * in double precision) four channels at a time.
 * Other broadcasts, channel counts not a multiple of 4, or a missing scale or
 * offset go to the original.
 */
function batchNormConfig(original: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc = (args: Args) => {
    const { x, mean, variance, offset, scale } = args.inputs as Record<string, tf.TensorInfo | undefined>;
    const channels = x!.shape.at(-1) ?? 0;
    const perChannel = [mean, variance, offset, scale].every((t) => t !== undefined && t.dtype === 'float32' && size(t) === channels);
    if (x!.dtype !== 'float32' || channels % 4 !== 0 || channels === 0 || !perChannel) return original.kernelFunc(args as never);
    const { backend } = args;
    const out = backend.makeOutput(x!.shape, 'float32');
    const scratch = backend.makeOutput([2 * channels], 'float32'); // C doubles
    const at = (t: tf.TensorInfo | undefined) => heapOffset(backend, t!);
    kernels(backend).batchNorm(at(x), at(mean), at(variance), at(offset), at(scale), at(out), size(x!) / channels, channels,
      args.attrs.varianceEpsilon as number, at(scratch));
    backend.disposeData(scratch.dataId);
    return out;
  };
  return { ...original, kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}

/** The overrides, given the backend's own kernels (the fallbacks), and the new gradient kernel. */
export function elementwiseConfigs(get: (name: string) => tf.KernelConfig | undefined): tf.KernelConfig[] {
  const configs: tf.KernelConfig[] = [{ kernelName: LEAKY_RELU_GRAD, backendName: 'wasm', kernelFunc: leakyReluGrad as unknown as tf.KernelFunc }];
  const leaky = get('LeakyRelu');
  if (leaky) configs.push(leakyReluConfig(leaky));
  const sum = get('Sum');
  if (sum) configs.push(reductionConfig(sum, false));
  const mean = get('Mean');
  if (mean) configs.push(reductionConfig(mean, true));
  const add = get('Add');
  if (add) configs.push(addConfig(add));
  const batchNorm = get('FusedBatchNorm');
  if (batchNorm) configs.push(batchNormConfig(batchNorm));
  return configs;
}
