/**
 * The segmentation-free captcha recogniser: a CNN over the whole normalised captcha,
 * its feature columns read left to right as a sequence, temporal convolutions across
 * neighbouring columns, and per-column class scores (the alphabet plus CTC's blank).
 * No cutting into tiles: characters may sit anywhere, unevenly spaced.
 *
 *   [B, H, W, 1] (H = 32, W a multiple of the column width c; the job resizes captchas to it)
 *   → conv3 32 → BN → ReLU → pool 2 → [B, H/2, W/2, 32]
 *   → conv3 64 → BN → ReLU → pool 2 → [B, H/4, W/4, 64]
 *   → columns: transpose → [B, T = W/c, (c/4) · H/4 · 64] → fc 128 → BN → ReLU (per column;
 *     c = 8 joins two neighbouring 4-pixel columns' features)
 *   → 2 × (temporal conv 5 → ReLU, added to its input)  [B, 1, T, 128]       (each sees 9 columns more)
 *   → fc (classes + 1) per column → scores [B, T, classes + 1] (blank = the last)
 *
 * Batch norm (learnable; moving averages when reading) shortens CTC's initial plateau,
 * where the model emits only blanks, several-fold on a few hundred captchas. Columns of
 * 8 pixels (T = 16 for a 200 × 50 captcha) end it almost at once (docs/benchmarks.md);
 * 4 stays for stored recognisers and for texts too long for W/8 columns.
 * A 1-D conv stack rather than a BiLSTM: on the wasm backend it is one GEMM per layer
 * instead of T dependent small matrix products each way (docs/benchmarks.md).
 */
import { tf, type Tensor } from '../engine/tf.ts';
import type { ColumnWidth } from '../presets/vocabulary.ts';
import type { Rng } from '../util/rng.ts';
import { ParamBuilder, batchNorm, conv, dense, maxPool2, relu, temporalConv } from './layers.ts';
import type { Network } from './network.ts';

export const SEQUENCE_INPUT_HEIGHT = 32;
const FEATURES = 128;
const TEMPORAL_KERNEL = 5;

/** The width a captcha of `width × height` is resized to at the model's height (a multiple of `columnWidth`, so columns are whole). */
export function sequenceInputWidth(width: number, height: number, columnWidth: ColumnWidth): number {
  return Math.max(2 * columnWidth, Math.round((width * SEQUENCE_INPUT_HEIGHT) / height / columnWidth) * columnWidth);
}

/** The column width stored weights were trained with: the column layer's inputs are (c/4) · H/4 · 64. */
export function columnWidthOf(weights: Record<string, { shape: number[] }>): ColumnWidth {
  const kernel = Object.entries(weights).find(([name]) => name.endsWith('columns/kernel'));
  return kernel?.[1].shape[0] === 2 * (SEQUENCE_INPUT_HEIGHT / 4) * 64 ? 8 : 4;
}

/** Builds the recogniser for `classes` symbols at input width `width` (height SEQUENCE_INPUT_HEIGHT). Output [B, width/columnWidth, classes + 1]. */
export function buildSequenceRecognizer(rng: Rng, classes: number, width: number, columnWidth: ColumnWidth): Network & { columns: number } {
  if (width % columnWidth !== 0) throw new Error(`the sequence recogniser takes widths in multiples of ${columnWidth}, not ${width}`);
  // He initialisation (ReLU layers, residual temporal convs): a fixed std would grow activations ≈ 6× a layer here.
  const pb = new ParamBuilder(rng);
  pb.kernelInit = 'he';
  const H = SEQUENCE_INPUT_HEIGHT;
  const T = width / columnWidth;
  /** Features per column: the 4-pixel columns' (H/4 rows × 64 channels), one or two side by side. */
  const columnFeatures = (columnWidth / 4) * (H / 4) * 64;
  // No biases before a batch norm (its β is the bias).
  pb.biases = false;
  const c1 = conv(pb, 'conv1', 3, 1, 1, 32);
  const bn1 = batchNorm(pb, 'bn1', 32);
  const c2 = conv(pb, 'conv2', 3, 1, 32, 64);
  const bn2 = batchNorm(pb, 'bn2', 64);
  const columnFc = dense(pb, 'columns', columnFeatures, FEATURES);
  const bn3 = batchNorm(pb, 'bn3', FEATURES);
  pb.biases = true;
  const t1 = temporalConv(pb, 'temporal1', TEMPORAL_KERNEL, FEATURES, FEATURES);
  const t2 = temporalConv(pb, 'temporal2', TEMPORAL_KERNEL, FEATURES, FEATURES);
  const head = dense(pb, 'scores', FEATURES, classes + 1);
  return {
    name: 'captcha-sequence-recognizer',
    inputShape: [H, width, 1],
    outputShape: [T, classes + 1],
    labelClasses: 0,
    params: pb.params,
    columns: T,
    apply(x: Tensor, ctx): Tensor {
      const B = x.shape[0]!;
      let h = maxPool2(relu(bn1(c1(x, ctx), ctx), ctx), ctx);
      h = maxPool2(relu(bn2(c2(h, ctx), ctx), ctx), ctx); // [B, H/4, W/4, 64]
      // [B, W/4, H/4, 64] row-major: c/4 neighbouring 4-pixel columns are contiguous, one row of the reshape.
      const cols = tf.reshape(tf.transpose(h, [0, 2, 1, 3]), [B * T, columnFeatures]);
      let seq = tf.reshape(relu(bn3(columnFc(cols, ctx), ctx), ctx), [B, 1, T, FEATURES]);
      seq = tf.add(seq, relu(t1(seq, ctx), ctx));
      seq = tf.add(seq, relu(t2(seq, ctx), ctx));
      return tf.reshape(head(tf.reshape(seq, [B * T, FEATURES]), ctx), [B, T, classes + 1]);
    },
  };
}
