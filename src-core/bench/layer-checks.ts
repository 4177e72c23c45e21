import { tf, type Tensor4D } from '../engine/tf.ts';

/**
 * Every convolution and dense layer of the thesis's networks (SPEC §2–§9, with the
 * 64² face variants), as the conformance tests and `bench gpu` exercise them: forward
 * and both gradients on a candidate backend against a reference backend.
 * conv: input [H, W, Cin] → Cout with a k×k kernel, stride s, padding.
 * deconv layers are listed as the forward convolution whose input-gradient they are:
 * a deconv from [h, w, a] to [H, W, b] is conv [H, W, b] → a.
 */
export interface ConvShape {
  name: string;
  h: number;
  cin: number;
  cout: number;
  k: number;
  s: number;
  pad: 'same' | 'valid';
}

const faceConvs = (S: number): ConvShape[] => [
  { name: `face${S} D conv1`, h: S, cin: 3, cout: 32, k: 5, s: 2, pad: 'same' },
  { name: `face${S} D conv2`, h: S / 2, cin: 32, cout: 64, k: 5, s: 2, pad: 'same' },
  { name: `face${S} D conv3`, h: S / 4, cin: 64, cout: 128, k: 5, s: 2, pad: 'same' },
  { name: `face${S} D conv4`, h: S / 8, cin: 128, cout: 256, k: 5, s: 2, pad: 'same' },
  { name: `face${S} G deconv1`, h: S / 8, cin: 128, cout: 256, k: 5, s: 2, pad: 'same' },
  { name: `face${S} G deconv2`, h: S / 4, cin: 64, cout: 128, k: 5, s: 2, pad: 'same' },
  { name: `face${S} G deconv3`, h: S / 2, cin: 32, cout: 64, k: 5, s: 2, pad: 'same' },
  { name: `face${S} G deconv4`, h: S, cin: 3, cout: 32, k: 5, s: 2, pad: 'same' },
  { name: `face${S} G deconv4 (smoothing)`, h: S, cin: 16, cout: 32, k: 5, s: 2, pad: 'same' },
  { name: `face${S} G smoothing conv`, h: S, cin: 16, cout: 3, k: 5, s: 1, pad: 'same' },
  { name: `face${S} FC-G (a) smoothing conv`, h: S, cin: 3, cout: 3, k: 5, s: 1, pad: 'same' },
  { name: `face${S} FC-G (b) deconv1`, h: S / 2, cin: 16, cout: 4, k: 5, s: 2, pad: 'same' },
  { name: `face${S} FC-G (b) deconv2`, h: S, cin: 8, cout: 16, k: 5, s: 2, pad: 'same' },
  { name: `face${S} FC-G (b) conv`, h: S, cin: 8, cout: 3, k: 5, s: 1, pad: 'same' },
];

export const THESIS_CONVS: ConvShape[] = [
  { name: 'recogniser conv1', h: 20, cin: 1, cout: 20, k: 5, s: 1, pad: 'valid' },
  { name: 'recogniser conv2', h: 8, cin: 20, cout: 50, k: 5, s: 1, pad: 'valid' },
  { name: 'captcha D conv1', h: 20, cin: 1, cout: 64, k: 5, s: 2, pad: 'same' },
  { name: 'captcha D conv2', h: 10, cin: 64, cout: 128, k: 5, s: 2, pad: 'same' },
  { name: 'captcha G deconv1', h: 10, cin: 64, cout: 128, k: 5, s: 2, pad: 'same' },
  { name: 'captcha G deconv2', h: 20, cin: 1, cout: 64, k: 5, s: 2, pad: 'same' },
  { name: 'captcha G deconv2 (smoothing)', h: 20, cin: 16, cout: 64, k: 5, s: 2, pad: 'same' },
  { name: 'captcha G smoothing conv', h: 20, cin: 16, cout: 1, k: 5, s: 1, pad: 'same' },
  ...faceConvs(64),
  ...faceConvs(128),
];

/** Dense layers as [in, out]. */
export const THESIS_DENSES: [string, number, number][] = [
  ['recogniser fc1', 200, 500], ['recogniser fc2', 500, 32],
  ['captcha D fc1', 3200, 1024], ['captcha D fc2', 1024, 1], ['captcha D fc2 (labels)', 1056, 1],
  ['captcha G fc1', 128, 1024], ['captcha G fc1 (labels)', 160, 1024], ['captcha G fc2', 1024, 3200],
  ['captcha FC D fc1', 400, 500], ['captcha FC D fc2', 500, 1], ['captcha FC G fc1', 128, 500], ['captcha FC G fc2', 500, 400],
  ['face128 D fc', 16384, 1], ['face128 G fc', 128, 16384], ['face64 D fc', 4096, 1], ['face64 G fc', 128, 4096],
  ['face128 FC D fc1', 49152, 1024], ['face128 FC G fc2', 1024, 49152], ['face128 FC-G (b) fc', 128, 4096],
  ['face64 FC D fc1', 12288, 1024], ['face64 FC G fc2', 1024, 12288], ['face64 FC-G (b) fc', 128, 1024],
  ['FC D/G fc 1024', 128, 1024],
];

/** Seeded data: values in [−1, 1) (xorshift32), the same on every backend and machine. */
export function seeded(shape: number[], seed: number): Float32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = ((s >>> 0) / 4294967296) * 2 - 1;
  }
  return out;
}

/** max |a − b| / max(max |a|, floor): the relative error the conformance checks bound. */
export function relativeError(a: Float32Array, b: Float32Array, floor = 1e-30): number {
  if (a.length !== b.length) return Infinity;
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(a[i]!));
  }
  return diff / Math.max(scale, floor);
}

/** Forward conv, its input gradient (Conv2DBackpropInput) and filter gradient (Conv2DBackpropFilter). */
export function convAndGradients(c: ConvShape, batch = 2) {
  return () => {
    const x = tf.tensor4d(seeded([batch, c.h, c.h, c.cin], 1), [batch, c.h, c.h, c.cin]);
    const w = tf.tensor4d(seeded([c.k, c.k, c.cin, c.cout], 2), [c.k, c.k, c.cin, c.cout]);
    const y = tf.conv2d(x, w, c.s, c.pad);
    const dy = tf.tensor(seeded(y.shape, 3), y.shape);
    const f = (...[a, b]: tf.Tensor[]) => tf.sum(tf.mul(tf.conv2d(a as Tensor4D, b as Tensor4D, c.s, c.pad), dy));
    const [dx, dw] = tf.grads(f)([x, w]);
    return [y, dx!, dw!];
  };
}

/** A transposed convolution (the generator's deconv), and its gradients. */
export function deconvAndGradients(c: ConvShape, batch = 2) {
  return () => {
    const outH = Math.ceil(c.h / c.s);
    const x = tf.tensor4d(seeded([batch, outH, outH, c.cout], 4), [batch, outH, outH, c.cout]);
    const w = tf.tensor4d(seeded([c.k, c.k, c.cin, c.cout], 5), [c.k, c.k, c.cin, c.cout]);
    const shape: [number, number, number, number] = [batch, c.h, c.h, c.cin];
    const y = tf.conv2dTranspose(x, w, shape, c.s, c.pad);
    const dy = tf.tensor(seeded(y.shape, 6), y.shape);
    const [dx, dw] = tf.grads((...[a, b]: tf.Tensor[]) => tf.sum(tf.mul(tf.conv2dTranspose(a as Tensor4D, b as Tensor4D, shape, c.s, c.pad), dy)))([x, w]);
    return [y, dx!, dw!];
  };
}

/**
 * Forward and both gradients at every thesis layer shape, each a check to hold against
 * the cpu backend. A deconv is the input-gradient of a conv of the same geometry, so one
 * check of forward + dx + dW per distinct geometry covers every conv and deconv layer.
 * The 128² face layers have the 64² layers' channels, kernels and strides at twice the
 * size and cost the cpu reference minutes: `long` includes them (one always runs).
 */
export function thesisLayerChecks(long: boolean): { name: string; f: () => tf.Tensor[] }[] {
  const convs = THESIS_CONVS.filter((c) => long || !c.name.startsWith('face128') || c.name === 'face128 D conv1');
  const denses = THESIS_DENSES.filter(([name]) => long || !name.startsWith('face128'));
  const byGeometry = new Map<string, ConvShape[]>();
  for (const c of convs) {
    const key = `[${c.h}×${c.h}×${c.cin}] k${c.k} s${c.s} ${c.pad} → ${c.cout}`;
    byGeometry.set(key, [...(byGeometry.get(key) ?? []), c]);
  }
  const checks = [...byGeometry].map(([geometry, layers]) => ({
    name: `conv + dx + dW — ${geometry} (${layers.map((l) => l.name).join('; ')})`,
    // The cpu backend's reference dW is a scalar loop (seconds at 128²): batch 1 there.
    f: convAndGradients(layers[0]!, layers[0]!.h >= 64 ? 1 : 2),
  }));
  checks.push({ name: 'the deconv op path (conv2dTranspose forward and gradients) — captcha G deconv1', f: deconvAndGradients(THESIS_CONVS.find((c) => c.name === 'captcha G deconv1')!) });
  for (const [name, inUnits, outUnits] of denses) {
    checks.push({
      name: `dense ${name} ${inUnits}→${outUnits}: forward and both gradients (transposed matmuls)`,
      f: () => {
        const x = tf.tensor2d(seeded([4, inUnits], 7), [4, inUnits]);
        const w = tf.tensor2d(seeded([inUnits, outUnits], 8), [inUnits, outUnits]);
        const dy = tf.tensor2d(seeded([4, outUnits], 9), [4, outUnits]);
        const [dx, dw] = tf.grads((...[a, b]: tf.Tensor[]) => tf.sum(tf.mul(tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D), dy)))([x, w]);
        return [tf.matMul(x, w), dx!, dw!];
      },
    });
  }
  return checks;
}
