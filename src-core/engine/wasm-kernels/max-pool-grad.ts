import type { tf } from '../tf.ts';
import * as binaries from './simd/elementwise.wasm.ts';
import { backendMemory, heapOffset, type WasmBackend } from './simd-module.ts';
import { MIN_PART_FLOATS, parallel } from './simd-pool.ts';

type Args = { inputs: Record<string, tf.TensorInfo>; attrs: Record<string, unknown>; backend: WasmBackend };

const isTwo = (v: unknown) => v === 2 || (Array.isArray(v) && v.length === 2 && v[0] === 2 && v[1] === 2);

/**
 * MaxPool's gradient for the 2 × 2, stride-2 pools of the recognisers (models/layers.ts maxPool2),
 * NHWC: one SIMD pass (simd/elementwise.wat maxPoolGrad2) split over the threads by window rows.
 * tfjs's wasm kernel took 119 ms of a 300 ms training step of the sequence recogniser (batch 32:
 * [32, 32, 128, 32] and [32, 16, 64, 64]), and sends a window's gradient to its first input when
 * every input is ≤ 0 (a maximum started at FLT_MIN, not −∞); this one sends it to the largest input,
 * the last of equals, as tfjs's does whenever the maximum is positive (so after a ReLU the two agree
 * bit for bit). Other pools go to the original kernel.
 */
export function maxPoolGradConfig(original: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc = (args: Args) => {
    const { dy, input } = args.inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
    const { filterSize, strides, pad } = args.attrs;
    if (input.dtype !== 'float32' || input.shape.length !== 4 || !isTwo(filterSize) || !isTwo(strides)) return original.kernelFunc(args as never);
    const [B, H, W, C] = input.shape as [number, number, number, number];
    const even = H % 2 === 0 && W % 2 === 0;
    // 'same' pads nothing when both sides are even; an odd side under 'same' would pad, which this pass does not.
    if (!(pad === 'valid' || pad === 0 || (pad === 'same' && even))) return original.kernelFunc(args as never);
    const { backend } = args;
    const OH = Math.floor(H / 2);
    const OW = Math.floor(W / 2);
    const dx = backend.makeOutput(input.shape, 'float32');
    const [xp, dyp, dxp] = [heapOffset(backend, input), heapOffset(backend, dy), heapOffset(backend, dx)];
    // A last row or column outside every window gets no gradient.
    if (!even) new Float32Array(backendMemory(backend).buffer, dxp, B * H * W * C).fill(0);
    // Parts of whole window rows; below MIN_PART_FLOATS of input a part is not worth a helper.
    const minRows = Math.ceil(MIN_PART_FLOATS / (2 * W * C));
    parallel(backend, B * OH, 1, minRows, (first, last) => [
      { binaries, name: 'maxPoolGrad2', args: [xp, dyp, dxp, first, last, OH, OW, H, W, C] },
    ]);
    return dx;
  };
  return { ...original, kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}
