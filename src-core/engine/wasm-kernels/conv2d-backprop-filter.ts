import { tf, type Tensor4D } from '../tf.ts';
import { withTensors } from '../kernel-util.ts';
import { convGeometry, type ConvAttrs } from './conv-geometry.ts';

/**
 * dW of a NHWC convolution, which the wasm backend lacks, computed as one forward
 * convolution that XNNPACK runs:
 *   dW[kh, kw, ci, co] = Σ_{b, oh, ow} x[b, oh·s + kh − pad, ow·s + kw − pad, ci] · dy[b, oh, ow, co]
 * is a stride-1 convolution, dilated by the stride, of x seen as [CI, H', W', B]
 * (batch and channels swapped) with dy seen as a filter [OH, OW, B, CO]; its output
 * is [CI, KH, KW, CO], transposed back to [KH, KW, CI, CO].
 */
function conv2dBackpropFilter(args: tf.NamedAttrMap & { inputs: tf.NamedTensorInfoMap; attrs: tf.NamedAttrMap }): tf.TensorInfo {
  const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const attrs = args.attrs as unknown as ConvAttrs & { filterShape: [number, number, number, number] };
  return withTensors({ x, dy }, (t) => {
    const input = t.x as Tensor4D;
    const grad = t.dy as Tensor4D;
    const info = convGeometry(input.shape, attrs.filterShape, attrs);
    const [batch, height, width, inChannels] = input.shape;
    const { filterHeight, filterWidth, strideHeight, strideWidth, outHeight, outWidth } = info;
    const { top, left } = info.padInfo;
    // The rows and columns of x (after padding) that any filter tap reads.
    const spanH = (outHeight - 1) * strideHeight + filterHeight;
    const spanW = (outWidth - 1) * strideWidth + filterWidth;
    const padded = tf.pad(input, [
      [0, 0], [top, Math.max(0, spanH - top - height)], [left, Math.max(0, spanW - left - width)], [0, 0],
    ]);
    const window = tf.slice(padded, [0, 0, 0, 0], [batch, spanH, spanW, inChannels]);
    const swapped = tf.transpose(window, [3, 1, 2, 0]); // [CI, spanH, spanW, B]
    const gradFilter = tf.transpose(grad, [1, 2, 0, 3]) as Tensor4D; // [OH, OW, B, CO]
    const out = tf.conv2d(swapped as Tensor4D, gradFilter, 1, 'valid', 'NHWC', [strideHeight, strideWidth]);
    return tf.transpose(out, [1, 2, 0, 3]); // [KH, KW, CI, CO]
  });
}

export const conv2dBackpropFilterConfig: tf.KernelConfig = {
  kernelName: 'Conv2DBackpropFilter',
  backendName: 'wasm',
  kernelFunc: conv2dBackpropFilter as unknown as tf.KernelFunc,
};
