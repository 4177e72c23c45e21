import { tf, type Scalar, type Tensor2D } from '../engine/tf.ts';
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
import type { GeneratedBatch, IterationLosses, JobState, TrainingJob } from './job.ts';
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

export function createGanJob(config: GanJobConfig, data: ImageSet, sampler: BatchSampler): GanJob {
  const root = new Rng(config.seed);
  const pair = buildGanOf(config);
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
  const model: GanModel = {
    discriminator: pair.discriminator,
    generator: pair.generator,
    dOptimizer: createOptimizer(config.discriminatorOptimizer, pair.discriminator.params),
    gOptimizer: createOptimizer(config.generatorOptimizer, pair.generator.params),
    loss: config.loss,
    gpWeight: config.gpWeight,
    clip: config.clip,
  };
  const schedule = new UpdateSchedule(config.schedule);
  let noiseRng = root.fork('noise');
  const classes = data.classes;
  // The fixed sample batch: drawn once from its own stream, so every run of a seed shows the same z.
  const sampleRng = root.fork('samples');
  const fixedNoise = drawNoise(sampleRng, config.sampleCount, pair.zDim, config.noise);
  const fixedLabels = Int32Array.from({ length: config.sampleCount }, (_, i) => i % Math.max(1, classes));
  let iteration = 0;
  let pendingNotes: string[] = [];

  function noiseTensor(batch: number): Tensor2D {
    return tf.tensor2d(drawNoise(noiseRng, batch, pair.zDim, config.noise), [batch, pair.zDim]);
  }
  /** The nets' label input is the thesis's 32 classes wide; a smaller alphabet leaves the last positions unused. */
  function oneHot(labels: Int32Array | null): Tensor2D | undefined {
    if (!config.labelConditioned || !labels) return undefined;
    return tf.oneHot(tf.tensor1d(labels, 'int32'), CAPTCHA_CLASSES).toFloat() as Tensor2D;
  }

  /**
   * One iteration: ratio.d critic updates, then ratio.g generator updates. Its losses
   * (averaged over the updates) stay on the device for the runner to read in batches;
   * only the adaptive schedule, while it watches, reads the Wasserstein estimate each iteration.
   */
  async function runIteration(): Promise<IterationLosses> {
    const ratio = schedule.ratioAt(iteration);
    const B = config.batchSize;
    const sums: Record<string, Scalar> = {};
    const add = (losses: LossTensors, n: number) => {
      for (const [k, v] of Object.entries(losses)) {
        const before = sums[k];
        sums[k] = tf.tidy(() => (before ? tf.add(before, tf.div(v, n)) : tf.div(v, n)) as Scalar);
        tf.dispose([v, before].filter((t) => t !== undefined));
      }
    };
    for (let i = 0; i < ratio.d; i++) {
      const batch = sampler.next();
      const real = tf.tensor4d(batch.images, [B, data.height, data.width, data.channels]);
      const noise = noiseTensor(B);
      const labels = oneHot(batch.labels);
      const alpha = config.loss === 'wgan-gp'
        ? tf.tensor4d(noiseRng.fillUniform(new Float32Array(B)), [B, 1, 1, 1]) : undefined;
      try {
        add(discriminatorUpdate(model, { real, noise, labels, alpha }), ratio.d);
      } finally {
        tf.dispose([real, noise, labels, alpha].filter((t) => t !== undefined));
      }
    }
    for (let i = 0; i < ratio.g; i++) {
      const noise = noiseTensor(B);
      const labels = config.labelConditioned
        ? oneHot(Int32Array.from({ length: B }, () => noiseRng.int(classes))) : undefined;
      try {
        add(generatorUpdate(model, noise, labels), ratio.g);
      } finally {
        tf.dispose([noise, labels].filter((t) => t !== undefined));
      }
    }
    if (schedule.watching && sums.wasserstein) {
      schedule.observe(iteration, (await sums.wasserstein.data())[0]!);
      if (schedule.switchIteration !== null) {
        pendingNotes.push(`schedule switched to d:g = ${ratioText(config)} after iteration ${iteration + 1}`);
      }
    }
    iteration += 1;
    return sums;
  }

  // The evaluation batch: its own fixed noise stream, classes cycling through the alphabet.
  const evalNoise = drawNoise(root.fork('eval'), config.evalCount, pair.zDim, config.noise);
  const evalLabels = Int32Array.from({ length: config.evalCount }, (_, i) => i % Math.max(1, classes));

  /** G's images [count, H, W, C] for fixed noise (and labels, when conditioned). */
  async function generateFixed(noiseValues: Float32Array, labelValues: Int32Array, count: number) {
    const noise = tf.tensor2d(noiseValues, [count, pair.zDim]);
    const labels = oneHot(labelValues);
    const images = generate(pair.generator, noise, labels);
    const pixels = (await images.data()) as Float32Array;
    tf.dispose([noise, labels, images].filter((t) => t !== undefined));
    const [, height, width, channels] = images.shape as [number, number, number, number];
    return { pixels, count, height, width, channels };
  }

  const samples = (): Promise<SampleImages> => generateFixed(fixedNoise, fixedLabels, config.sampleCount);

  async function generateEval(): Promise<GeneratedBatch> {
    const g = await generateFixed(evalNoise, evalLabels, config.evalCount);
    return { pixels: g.pixels, count: g.count, size: g.height, channels: g.channels, requested: config.labelConditioned ? evalLabels : null };
  }

  return {
    config,
    get iteration() {
      return iteration;
    },
    runIteration,
    samples,
    generateEval,
    weightHistograms: () => ({
      ...weightHistograms('D', model.discriminator, config.clip.policy === 'none' ? null : config.clip.value),
      ...weightHistograms('G', model.generator, config.clip.policy === 'selective' ? config.clip.value : null),
    }),
    notes() {
      const out = pendingNotes;
      pendingNotes = [];
      return out;
    },
    getState(): JobState {
      const d = model.dOptimizer.getState();
      const g = model.gOptimizer.getState();
      return {
        iteration,
        meta: {
          noiseRng: noiseRng.state(), sampler: sampler.getState(), schedule: schedule.getState(),
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
      noiseRng = new Rng(meta.noiseRng);
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
