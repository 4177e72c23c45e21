import type { ImageSet } from '../data/image-set.ts';
import { BatchSampler } from '../data/sampler.ts';
import { disposeNetwork } from '../models/network.ts';
import type { GanJobConfig } from '../presets/types.ts';
import type { Db } from '../store/open.ts';
import type { GeneratedBatch } from '../training/job.ts';
import { featureStats, frechetFromStats, recognizerOutputs, scoresFromProbabilities, type FeatureStats } from '../metrics/captcha-metrics.ts';
import { meanPairwiseMsSsim, slicedWasserstein, type FaceImages } from '../metrics/face-metrics.ts';
import { recognizerForRun, type Recognizer } from './reference-recognizer.ts';

export interface Evaluator {
  /** Where the feature extractor came from (for the run's log). */
  source: string;
  evaluate(batch: GeneratedBatch): Promise<Record<string, number>>;
  /**
   * The same metrics on real images not in the reference set, keyed `real_<metric>`:
   * what a perfect generator would score, shown beside every quality figure.
   */
  reference(count: number): Promise<Record<string, number>>;
  dispose(): void;
}

/** Seeds of the two real samples: the reference set, and the held-apart one `reference()` measures. */
const REFERENCE_SEED = 424242;
const HELD_APART_SEED = 171717;

/** Real images drawn (seeded) from the data, with their classes when labelled. */
function realSample(data: ImageSet, count: number, seed = REFERENCE_SEED): { images: Float32Array; labels: Int32Array | null; count: number } {
  const n = Math.min(count, data.count);
  return { ...new BatchSampler(data, n, seed).next(), count: n };
}

const asReference = (values: Record<string, number>) => Object.fromEntries(Object.entries(values).map(([k, v]) => [`real_${k}`, v]));

/**
 * Metrics of a GAN run, measured every `evalEvery` iterations on a fixed noise batch:
 * captchas — legibility, class entropy, inception-style score, conditional accuracy,
 * Fréchet distance of recogniser features; faces — SWD against real faces and the
 * mean pairwise MS-SSIM of the generated ones.
 */
export async function createEvaluator(config: GanJobConfig, data: ImageSet, home: string, db?: Db): Promise<Evaluator> {
  if (config.architecture.startsWith('captcha')) {
    const { net, source } = await recognizerForRun(home, db, config.data as { source: string; id?: number });
    const real = realSample(data, 1000);
    const realStats: FeatureStats = featureStats((await recognizerOutputs(net, real.images, real.count)).features, real.count, 500);
    return {
      source,
      evaluate: (b) => captchaMetrics(net, realStats, b),
      reference: async (count) => {
        const apart = realSample(data, count, HELD_APART_SEED);
        return asReference(await captchaMetrics(net, realStats, { pixels: apart.images, count: apart.count, size: data.height, channels: 1, requested: apart.labels }));
      },
      dispose: () => disposeNetwork(net),
    };
  }
  const sample = realSample(data, 64);
  const real: FaceImages = { pixels: sample.images, count: sample.count, size: data.height };
  const faceMetrics = (pixels: Float32Array, count: number) => {
    const fake: FaceImages = { pixels, count, size: data.height };
    return { swd: slicedWasserstein(real, fake, { patchesPerImage: 32, directions: 64, seed: 1 }).mean, ms_ssim: meanPairwiseMsSsim(fake, 32, 1) };
  };
  return {
    source: `${real.count} real faces`,
    evaluate: async (b) => faceMetrics(b.pixels, b.count),
    reference: async (count) => {
      const apart = realSample(data, count, HELD_APART_SEED);
      return asReference(faceMetrics(apart.images, apart.count));
    },
    dispose: () => {},
  };
}

async function captchaMetrics(net: Recognizer, realStats: FeatureStats, b: GeneratedBatch): Promise<Record<string, number>> {
  const { probs, features } = await recognizerOutputs(net, b.pixels, b.count);
  const s = scoresFromProbabilities(probs, b.count, net.outputShape[0]!, b.requested ?? undefined);
  return {
    legibility: s.legibility,
    class_entropy: s.classEntropy,
    inception_score: s.inceptionScore,
    ...(s.conditionalAccuracy !== undefined ? { conditional_accuracy: s.conditionalAccuracy } : {}),
    frechet: frechetFromStats(realStats, featureStats(features, b.count, 500)),
  };
}
