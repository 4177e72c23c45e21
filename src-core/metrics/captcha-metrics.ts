import { tf } from '../engine/tf.ts';
import type { Network } from '../models/network.ts';
import { frechetDistance, meanAndCovariance, symmetricSqrt } from './linalg.ts';

/**
 * Captcha quality measured with the workbench's own recogniser as the feature
 * extractor (TF-GAN's mnist_score / mnist_frechet_distance pattern; nothing downloaded).
 */
export interface CaptchaScores {
  /** Share of generated characters whose top class probability is ≥ 0.9. */
  legibility: number;
  /** Entropy (nats) of the histogram of predicted classes: 0 when every sample reads the same (mode collapse). */
  classEntropy: number;
  /** exp(E_x KL(p(y|x) ‖ p(y))): 1 for collapse, up to the number of classes. */
  inceptionScore: number;
  /** Share read as the class that was asked for (label-conditioned nets only). */
  conditionalAccuracy?: number;
  /** Fréchet distance between real and generated penultimate-layer features (500-d). */
  frechetDistance?: number;
}

/** The legibility threshold of the top class probability. */
export const LEGIBLE = 0.9;

/** Scores from class probabilities [n, classes] (and, optionally, requested classes). */
export function scoresFromProbabilities(probs: Float32Array, n: number, classes: number, requested?: Int32Array): CaptchaScores {
  let legible = 0;
  let right = 0;
  const histogram = new Float64Array(classes);
  const marginal = new Float64Array(classes);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 0; c < classes; c++) {
      const p = probs[i * classes + c]!;
      marginal[c]! += p / n;
      if (p > probs[i * classes + best]!) best = c;
    }
    histogram[best]! += 1;
    if (probs[i * classes + best]! >= LEGIBLE) legible += 1;
    if (requested && requested[i] === best) right += 1;
  }
  let entropy = 0;
  for (const count of histogram) if (count > 0) entropy -= (count / n) * Math.log(count / n);
  let kl = 0;
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < classes; c++) {
      const p = probs[i * classes + c]!;
      if (p > 0) kl += (p * (Math.log(p) - Math.log(marginal[c]!))) / n;
    }
  }
  return {
    legibility: legible / n, classEntropy: entropy, inceptionScore: Math.exp(kl),
    ...(requested ? { conditionalAccuracy: right / n } : {}),
  };
}

export interface FeatureStats {
  mean: Float64Array;
  cov: Float64Array;
  d: number;
  /** Σ^½, computed the first time this set is the reference of a Fréchet distance. */
  sqrtCov?: Float64Array;
}

/** Gaussian statistics of features [n, d] (reusable for the real set across evaluations). */
export function featureStats(features: Float32Array, n: number, d: number): FeatureStats {
  return { ...meanAndCovariance(features, n, d), d };
}

/** Fréchet distance of `b` from the reference `a` (whose Σ^½ is kept for the next call). */
export function frechetFromStats(a: FeatureStats, b: FeatureStats): number {
  a.sqrtCov ??= symmetricSqrt(a.cov, a.d);
  return frechetDistance(a.mean, a.cov, b.mean, b.cov, a.d, a.sqrtCov);
}

/**
 * Recogniser outputs for tiles [n, 20, 20, 1]: class probabilities and 500-d penultimate
 * features, read back asynchronously (WebGPU has no synchronous read in Node).
 */
export async function recognizerOutputs(net: Network & { penultimate: Network['apply'] }, tiles: Float32Array, n: number, batch = 256) {
  const probs = new Float32Array(n * net.outputShape[0]!);
  const features = new Float32Array(n * 500);
  for (let i = 0; i < n; i += batch) {
    const size = Math.min(batch, n - i);
    const [p, f] = tf.tidy(() => {
      const x = tf.tensor4d(tiles.subarray(i * 400, (i + size) * 400), [size, 20, 20, 1]);
      return [tf.softmax(net.apply(x, { training: false })), net.penultimate(x, { training: false })];
    });
    probs.set((await p!.data()) as Float32Array, i * net.outputShape[0]!);
    features.set((await f!.data()) as Float32Array, i * 500);
    tf.dispose([p!, f!]);
  }
  return { probs, features };
}
