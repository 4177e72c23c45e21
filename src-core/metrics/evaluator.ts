import type { ImageSet } from '../data/image-set.ts';
import { BatchSampler } from '../data/sampler.ts';
import { disposeNetwork } from '../models/network.ts';
import type { GanJobConfig } from '../presets/types.ts';
import type { Db } from '../store/open.ts';
import { featureStats, frechetFromStats, recognizerOutputs, scoresFromProbabilities, type FeatureStats } from './captcha-metrics.ts';
import { meanPairwiseMsSsim, slicedWasserstein, type FaceImages } from './face-metrics.ts';
import { recognizerForRun, type Recognizer } from './reference-recognizer.ts';

/** Generated samples to measure: images [n, H, W, C] in [0, 1] and, for conditioned nets, the classes asked for. */
export interface GeneratedBatch {
  pixels: Float32Array;
  count: number;
  size: number;
  channels: number;
  requested: Int32Array | null;
}

export interface Evaluator {
  /** Where the feature extractor came from (for the run's log). */
  source: string;
  evaluate(batch: GeneratedBatch): Record<string, number>;
  dispose(): void;
}

/** Real images drawn once (seeded) as the reference set. */
function realSample(data: ImageSet, count: number): Float32Array {
  const n = Math.min(count, data.count);
  return new BatchSampler(data, n, 424242).next().images;
}

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
    const n = real.length / 400;
    const realStats: FeatureStats = featureStats(recognizerOutputs(net, real, n).features, n, 500);
    return {
      source,
      evaluate: (b) => captchaMetrics(net, realStats, b),
      dispose: () => disposeNetwork(net),
    };
  }
  const real: FaceImages = { pixels: realSample(data, 64), count: Math.min(64, data.count), size: data.height };
  return {
    source: `${real.count} real faces`,
    evaluate: (b) => {
      const fake: FaceImages = { pixels: b.pixels, count: b.count, size: b.size };
      return {
        swd: slicedWasserstein(real, fake, { patchesPerImage: 32, directions: 64, seed: 1 }).mean,
        ms_ssim: meanPairwiseMsSsim(fake, 32, 1),
      };
    },
    dispose: () => {},
  };
}

function captchaMetrics(net: Recognizer, realStats: FeatureStats, b: GeneratedBatch): Record<string, number> {
  const { probs, features } = recognizerOutputs(net, b.pixels, b.count);
  const s = scoresFromProbabilities(probs, b.count, net.outputShape[0]!, b.requested ?? undefined);
  return {
    legibility: s.legibility,
    class_entropy: s.classEntropy,
    inception_score: s.inceptionScore,
    ...(s.conditionalAccuracy !== undefined ? { conditional_accuracy: s.conditionalAccuracy } : {}),
    frechet: frechetFromStats(realStats, featureStats(features, b.count, 500)),
  };
}
