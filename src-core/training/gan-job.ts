import { tf, type Scalar, type Tensor2D, type Tensor4D } from '../engine/tf.ts';
import { buildGan, type GanPair } from '../models/gan-architectures.ts';
import { CAPTCHA_CLASSES } from '../models/captcha.ts';
import { disposeNetwork } from '../models/network.ts';
import type { BatchSampler, SamplerState } from '../data/sampler.ts';
import type { ImageSet } from '../data/image-set.ts';
import type { GanJobConfig } from '../presets/types.ts';
import { Rng, type RngState } from '../util/rng.ts';
import { createOptimizer } from './optimizers.ts';
import { loadNet, netTensors, prefixed, slotsOf } from './checkpoint.ts';
import { discriminatorUpdate, generate, generatorUpdate, type GanModel, type LossTensors } from './gan-steps.ts';
import { NoteQueue, type GeneratedBatch, type IterationLosses, type JobState, type TrainingJob } from './job.ts';
import type { SampleImages } from '../data/sample-grid.ts';
import { UpdateSchedule, type ScheduleState } from './schedule.ts';
import { ConfigError } from '../domain/errors.ts';
import type { WeightHistogram } from '../store/histograms.ts';
import { weightHistograms } from './weight-histograms.ts';

export type GanJob = TrainingJob & {
  /** The fixed evaluation batch, generated in inference mode. */
  generateEval(): Promise<GeneratedBatch>;
  weightHistograms(): Record<string, WeightHistogram>;
};

/** The nets a GAN run's configuration builds, at its initial weights (seeded by `config.seed`). */
export function buildGanOf(config: GanJobConfig): GanPair {
  return buildGan(config.architecture, {
    discriminatorBatchNorm: config.discriminatorBatchNorm,
    labelConditioned: config.labelConditioned,
    labelJoin: config.labelJoin,
    imageSize: config.imageSize,
    biases: config.biases,
    batchNormKind: config.batchNormKind,
  }, new Rng(config.seed));
}

/** Refuses data the configured nets cannot take: another image shape, unlabelled images or too many classes for label conditioning. */
function checkGanData(config: GanJobConfig, pair: GanPair, data: ImageSet): void {
  const [h, w, c] = pair.discriminator.inputShape as [number, number, number];
  if (h !== data.height || w !== data.width || c !== data.channels) {
    throw new ConfigError(`${config.architecture} takes ${h}×${w}×${c} images; the data are ${data.height}×${data.width}×${data.channels}`, 'data');
  }
  if (config.labelConditioned && !data.labels) {
    throw new ConfigError(`label-conditioned training needs every image labelled; ${data.description} has unlabelled ones`, 'labelConditioned');
  }
  if (config.labelConditioned && data.classes > CAPTCHA_CLASSES) {
    throw new ConfigError(`label-conditioned nets take alphabets of up to ${CAPTCHA_CLASSES} characters (the thesis's); ${data.description} has ${data.classes}`, 'labelConditioned');
  }
}

/** Training's noise (and generated classes) from one seeded stream, which a checkpoint saves. */
class NoiseSource {
  constructor(public rng: Rng, private readonly config: GanJobConfig, private readonly zDim: number) {}

  /** z [batch, zDim]. */
  noise(batch: number): Tensor2D {
    return tf.tensor2d(drawNoise(this.rng, batch, this.zDim, this.config.noise), [batch, this.zDim]);
  }

  /** WGAN-GP's interpolation weights [batch, 1, 1, 1], or undefined for the other losses. */
  alpha(batch: number): Tensor4D | undefined {
    return this.config.loss === 'wgan-gp' ? tf.tensor4d(this.rng.fillUniform(new Float32Array(batch)), [batch, 1, 1, 1]) : undefined;
  }

  /** Classes to generate, one per image, uniform over the alphabet. */
  classes(batch: number, classes: number): Int32Array {
    return Int32Array.from({ length: batch }, () => this.rng.int(classes));
  }
}

/** The nets' label input is the thesis's 32 classes wide; a smaller alphabet leaves the last positions unused. */
function oneHot(config: GanJobConfig, labels: Int32Array | null): Tensor2D | undefined {
  if (!config.labelConditioned || !labels) return undefined;
  return tf.oneHot(tf.tensor1d(labels, 'int32'), CAPTCHA_CLASSES).toFloat() as Tensor2D;
}

/** Adds each loss / n into `sums` on the device (disposing what it replaces): an average over an iteration's updates. */
function accumulate(sums: Record<string, Scalar>, losses: LossTensors, n: number): void {
  for (const [k, v] of Object.entries(losses)) {
    const before = sums[k];
    sums[k] = tf.tidy(() => (before ? tf.add(before, tf.div(v, n)) : tf.div(v, n)) as Scalar);
    tf.dispose([v, before].filter((t) => t !== undefined));
  }
}

/**
 * One iteration's updates: `ratio.d` critic updates on the sampler's real batches, then `ratio.g` generator updates.
 * Returns the losses averaged over the updates, still on the device.
 */
function ganUpdates(model: GanModel, config: GanJobConfig, data: ImageSet, sampler: BatchSampler, source: NoiseSource, ratio: { d: number; g: number }): Record<string, Scalar> {
  const B = config.batchSize;
  const sums: Record<string, Scalar> = {};
  for (let i = 0; i < ratio.d; i++) {
    const batch = sampler.next();
    const real = tf.tensor4d(batch.images, [B, data.height, data.width, data.channels]);
    const noise = source.noise(B);
    const labels = oneHot(config, batch.labels);
    const alpha = source.alpha(B);
    try {
      accumulate(sums, discriminatorUpdate(model, { real, noise, labels, alpha }), ratio.d);
    } finally {
      tf.dispose([real, noise, labels, alpha].filter((t) => t !== undefined));
    }
  }
  for (let i = 0; i < ratio.g; i++) {
    const noise = source.noise(B);
    const labels = config.labelConditioned ? oneHot(config, source.classes(B, data.classes)) : undefined;
    try {
      accumulate(sums, generatorUpdate(model, noise, labels), ratio.g);
    } finally {
      tf.dispose([noise, labels].filter((t) => t !== undefined));
    }
  }
  return sums;
}

/**
 * G's images for a fixed batch of noise, drawn once from its own stream (so every run of a seed shows the same z),
 * classes cycling through the alphabet.
 */
function fixedBatch(config: GanJobConfig, pair: GanPair, rng: Rng, count: number, classes: number) {
  const noiseValues = drawNoise(rng, count, pair.zDim, config.noise);
  const labelValues = Int32Array.from({ length: count }, (_, i) => i % Math.max(1, classes));
  /** Images [count, H, W, C] in inference mode. */
  async function images() {
    const noise = tf.tensor2d(noiseValues, [count, pair.zDim]);
    const labels = oneHot(config, labelValues);
    const out = generate(pair.generator, noise, labels);
    const pixels = (await out.data()) as Float32Array;
    tf.dispose([noise, labels, out].filter((t) => t !== undefined));
    const [, height, width, channels] = out.shape as [number, number, number, number];
    return { pixels, count, height, width, channels };
  }
  return { images, labels: labelValues };
}

/** The nets with their optimisers, loss and clipping: what one update step needs. */
function ganModelOf(config: GanJobConfig, pair: GanPair): GanModel {
  return {
    discriminator: pair.discriminator,
    generator: pair.generator,
    dOptimizer: createOptimizer(config.discriminatorOptimizer, pair.discriminator.params),
    gOptimizer: createOptimizer(config.generatorOptimizer, pair.generator.params),
    loss: config.loss,
    gpWeight: config.gpWeight,
    clip: config.clip,
  };
}

export function createGanJob(config: GanJobConfig, data: ImageSet, sampler: BatchSampler): GanJob {
  const root = new Rng(config.seed);
  const pair = buildGanOf(config);
  checkGanData(config, pair, data);
  const model = ganModelOf(config, pair);
  const schedule = new UpdateSchedule(config.schedule);
  const source = new NoiseSource(root.fork('noise'), config, pair.zDim);
  const sampleBatch = fixedBatch(config, pair, root.fork('samples'), config.sampleCount, data.classes);
  const evalBatch = fixedBatch(config, pair, root.fork('eval'), config.evalCount, data.classes);
  const notes = new NoteQueue();
  let iteration = 0;

  /**
   * One iteration: ratio.d critic updates, then ratio.g generator updates. Its losses
   * (averaged over the updates) stay on the device for the runner to read in batches;
   * only the adaptive schedule, while it watches, reads the Wasserstein estimate each iteration.
   */
  async function runIteration(): Promise<IterationLosses> {
    const sums = ganUpdates(model, config, data, sampler, source, schedule.ratioAt(iteration));
    if (schedule.watching && sums.wasserstein) {
      schedule.observe(iteration, (await sums.wasserstein.data())[0]!);
      if (schedule.switchIteration !== null) notes.push(`schedule switched to d:g = ${ratioText(config)} after iteration ${iteration + 1}`);
    }
    iteration += 1;
    return sums;
  }

  return {
    config,
    get iteration() {
      return iteration;
    },
    runIteration,
    samples: (): Promise<SampleImages> => sampleBatch.images(),
    async generateEval(): Promise<GeneratedBatch> {
      const g = await evalBatch.images();
      return { pixels: g.pixels, count: g.count, size: g.height, channels: g.channels, requested: config.labelConditioned ? evalBatch.labels : null };
    },
    weightHistograms: () => ({
      ...weightHistograms('D', model.discriminator, config.clip.policy === 'none' ? null : config.clip.value),
      ...weightHistograms('G', model.generator, config.clip.policy === 'selective' ? config.clip.value : null),
    }),
    notes: () => notes.take(),
    getState(): JobState {
      const d = model.dOptimizer.getState();
      const g = model.gOptimizer.getState();
      return {
        iteration,
        meta: {
          noiseRng: source.rng.state(), sampler: sampler.getState(), schedule: schedule.getState(),
          dOptimizerIterations: d.iterations, gOptimizerIterations: g.iterations,
        },
        tensors: {
          ...netTensors('D', model.discriminator), ...netTensors('G', model.generator),
          ...prefixed('optD', d.slots), ...prefixed('optG', g.slots),
        },
      };
    },
    setState(state: JobState) {
      const meta = state.meta as {
        noiseRng: RngState; sampler: SamplerState; schedule: ScheduleState; dOptimizerIterations: number; gOptimizerIterations: number;
      };
      loadNet('D', model.discriminator, state.tensors);
      loadNet('G', model.generator, state.tensors);
      model.dOptimizer.setState(slotsOf('optD', state.tensors, meta.dOptimizerIterations));
      model.gOptimizer.setState(slotsOf('optG', state.tensors, meta.gOptimizerIterations));
      source.rng = new Rng(meta.noiseRng);
      sampler.setState(meta.sampler);
      schedule.setState(meta.schedule);
      iteration = state.iteration;
    },
    dispose() {
      model.dOptimizer.dispose();
      model.gOptimizer.dispose();
      disposeNetwork(model.discriminator);
      disposeNetwork(model.generator);
    },
  };
}

function ratioText(config: GanJobConfig): string {
  return config.schedule.kind === 'adaptive' ? `${config.schedule.late.d}:${config.schedule.late.g}` : '';
}

/** Noise [n, z]: U(−1, 1) as DCGAN-tensorflow draws it, or N(0, 1). */
export function drawNoise(rng: Rng, n: number, z: number, kind: 'uniform' | 'normal'): Float32Array {
  const out = new Float32Array(n * z);
  return kind === 'uniform' ? rng.fillUniform(out, -1, 1) : rng.fillNormal(out);
}
