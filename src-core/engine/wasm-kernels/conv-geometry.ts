import { tf } from '../tf.ts';

export interface ConvAttrs {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat?: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/** Padding and output size of a NHWC convolution, as tfjs itself computes them. */
export function convGeometry(
  inShape: [number, number, number, number],
  filterShape: [number, number, number, number],
  attrs: ConvAttrs,
): tf.backend_util.Conv2DInfo {
  if (attrs.dataFormat === 'NCHW') {
    throw new Error('The wasm training kernels support NHWC only (every workbench model is NHWC).');
  }
  return tf.backend_util.computeConv2DInfo(
    inShape, filterShape, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode, false, 'channelsLast',
  );
}

/** At most this many floats (×4 bytes, 16 MB) of a patch or column matrix at once. */
let maxColumns = 1 << 22;

/** For tests: sets the column limit (a small one forces chunks of one image); returns the previous one. */
export function setColumnLimit(floats: number): number {
  const previous = maxColumns;
  maxColumns = floats;
  return previous;
}

/** Images per chunk when each image needs `perImage` column floats (the whole batch when it fits). */
export function imagesPerChunk(batch: number, perImage: number): number {
  return Math.max(1, Math.min(batch, Math.floor(maxColumns / perImage)));
}
