import { tf, type Tensor2D } from '../engine/tf.ts';
import { buildGan } from '../models/gan-architectures.ts';
import type { Network } from '../models/network.ts';
import { disposeNetwork } from '../models/network.ts';
import type { BatchSampler, SamplerState } from '../data/sampler.ts';
import type { ImageSet } from '../data/image-set.ts';
import type { GanJobConfig } from '../presets/types.ts';
import { Rng, type RngState } from '../util/rng.ts';
import { createOptimizer, type OptimizerState } from './optimizers.ts';
import { discriminatorStep, generate, generatorStep, type GanModel } from './gan-steps.ts';
import type { JobState, SampleImages, SavedTensor, TrainingJob } from './job.ts';
import { UpdateSchedule, type ScheduleState } from './schedule.ts';
import { ConfigError } from '../domain/errors.ts';
import type { GeneratedBatch } from '../metrics/evaluator.ts';
import type { WeightHistogram } from '../store/histograms.ts';

export type GanJob = TrainingJob & {
  /** The fixed evaluation batch, generated in inference mode. */
  generateEval(): Promise<GeneratedBatch>;
  weightHistograms(): Record<string, WeightHistogram>;
};

export function createGanJob(config: GanJobConfig, data: ImageSet, sampler: BatchSampler): GanJob {
  const root = new Rng(config.seed);
  const pair = buildGan(config.architecture, {
    discriminatorBatchNorm: config.discriminatorBatchNorm,
    labelConditioned: config.labelConditioned,
    labelJoin: config.labelJoin,
    imageSize: config.imageSize,
    biases: config.biases,
    batchNormKind: config.batchNormKind,
  }, root);
  const [h, w, c] = pair.discriminator.inputShape as [number, number, number];
  if (h !== data.height || w !== data.width || c !== data.channels) {
    throw new ConfigError(`${config.architecture} takes ${h}×${w}×${c} images; the data are ${data.height}×${data.width}×${data.channels}`, 'data');
  }
  if (config.labelConditioned && !data.labels) {
    throw new ConfigError(`label-conditioned training needs every image labelled; ${data.description} has unlabelled ones`, 'labelConditioned');
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
  function oneHot(labels: Int32Array | null): Tensor2D | undefined {
    if (!config.labelConditioned || !labels) return undefined;
    return tf.oneHot(tf.tensor1d(labels, 'int32'), classes).toFloat() as Tensor2D;
  }

  async function runIteration(): Promise<Record<string, number>> {
    const ratio = schedule.ratioAt(iteration);
    const B = config.batchSize;
    const sums: Record<string, number> = {};
    const add = (losses: Record<string, number>, n: number) => {
      for (const [k, v] of Object.entries(losses)) sums[k] = (sums[k] ?? 0) + v / n;
    };
    for (let i = 0; i < ratio.d; i++) {
      const batch = sampler.next();
      const real = tf.tensor4d(batch.images, [B, data.height, data.width, data.channels]);
      const noise = noiseTensor(B);
      const labels = oneHot(batch.labels);
      const alpha = config.loss === 'wgan-gp'
        ? tf.tensor4d(noiseRng.fillUniform(new Float32Array(B)), [B, 1, 1, 1]) : undefined;
      try {
        add(await discriminatorStep(model, { real, noise, labels, alpha }), ratio.d);
      } finally {
        tf.dispose([real, noise, labels, alpha].filter((t) => t !== undefined));
      }
    }
    for (let i = 0; i < ratio.g; i++) {
      const noise = noiseTensor(B);
      const labels = config.labelConditioned
        ? oneHot(Int32Array.from({ length: B }, () => noiseRng.int(classes))) : undefined;
      try {
        add(await generatorStep(model, noise, labels), ratio.g);
      } finally {
        tf.dispose([noise, labels].filter((t) => t !== undefined));
      }
    }
    const before = schedule.switchIteration;
    if (sums.wasserstein !== undefined) schedule.observe(iteration, sums.wasserstein);
    if (before === null && schedule.switchIteration !== null) {
      pendingNotes.push(`schedule switched to d:g = ${ratioText(config)} after iteration ${iteration + 1}`);
    }
    iteration += 1;
    return sums;
  }

  async function samples(): Promise<SampleImages> {
    const noise = tf.tensor2d(fixedNoise, [config.sampleCount, pair.zDim]);
    const labels = oneHot(fixedLabels);
    const images = generate(pair.generator, noise, labels);
    const pixels = (await images.data()) as Float32Array;
    tf.dispose([noise, labels, images].filter((t) => t !== undefined));
    const [, hh, ww, cc] = images.shape as [number, number, number, number];
    return { count: config.sampleCount, height: hh, width: ww, channels: cc, pixels };
  }

  // The evaluation batch: its own fixed noise stream, classes cycling through the alphabet.
  const evalNoise = drawNoise(root.fork('eval'), config.evalCount, pair.zDim, config.noise);
  const evalLabels = Int32Array.from({ length: config.evalCount }, (_, i) => i % Math.max(1, classes));

  async function generateEval(): Promise<GeneratedBatch> {
    const noise = tf.tensor2d(evalNoise, [config.evalCount, pair.zDim]);
    const labels = oneHot(evalLabels);
    const images = generate(pair.generator, noise, labels);
    const pixels = (await images.data()) as Float32Array;
    const [, size, , channels] = images.shape as [number, number, number, number];
    tf.dispose([noise, labels, images].filter((t) => t !== undefined));
    return { pixels, count: config.evalCount, size, channels, requested: config.labelConditioned ? evalLabels : null };
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

/** Bins of a weight histogram. */
const HISTOGRAM_BINS = 40;

/** Histograms of a network's kernels (dense, conv, deconv), keyed "<net>/<param>". */
export function weightHistograms(prefix: string, net: Network, clip: number | null): Record<string, WeightHistogram> {
  const out: Record<string, WeightHistogram> = {};
  for (const p of net.params) {
    if (!p.kind.endsWith('-kernel')) continue;
    const w = p.variable.dataSync() as Float32Array;
    let min = Infinity;
    let max = -Infinity;
    for (const v of w) {
      if (v < min) min = v;
      if (v > max) max = v;
    }
    const range = Math.max(Math.abs(min), Math.abs(max), clip ?? 0, 1e-12);
    const counts = new Array<number>(HISTOGRAM_BINS).fill(0);
    let atBound = 0;
    for (const v of w) {
      counts[Math.min(HISTOGRAM_BINS - 1, Math.floor(((v + range) / (2 * range)) * HISTOGRAM_BINS))]! += 1;
      if (clip !== null && Math.abs(Math.abs(v) - clip) <= 0.01 * clip) atBound += 1;
    }
    out[`${prefix}/${p.name}`] = { range, counts, min, max, atClipBound: clip === null ? null : atBound / w.length };
  }
  return out;
}

export function netTensors(prefix: string, net: Network): Record<string, SavedTensor> {
  const out: Record<string, SavedTensor> = {};
  for (const p of net.params) out[`${prefix}/${p.name}`] = { shape: p.variable.shape, values: p.variable.dataSync() as Float32Array };
  return out;
}

export function loadNet(prefix: string, net: Network, tensors: Record<string, SavedTensor>): void {
  for (const p of net.params) {
    const saved = tensors[`${prefix}/${p.name}`];
    if (!saved) throw new Error(`checkpoint lacks ${prefix}/${p.name}`);
    if (saved.shape.join('x') !== p.variable.shape.join('x')) {
      throw new Error(`checkpoint's ${prefix}/${p.name} is ${saved.shape.join('×')}, the model's is ${p.variable.shape.join('×')}`);
    }
    tf.tidy(() => p.variable.assign(tf.tensor(saved.values, saved.shape)));
  }
  const names = new Set(net.params.map((p) => `${prefix}/${p.name}`));
  const foreign = Object.keys(tensors).filter((k) => k.startsWith(`${prefix}/`) && !names.has(k));
  if (foreign.length) {
    throw new Error(`the checkpoint holds ${foreign.slice(0, 3).join(', ')}${foreign.length > 3 ? ', …' : ''}, which ${net.name} does not have: it was written by another architecture`);
  }
}

export function prefixed(prefix: string, slots: OptimizerState['slots']): Record<string, SavedTensor> {
  return Object.fromEntries(Object.entries(slots).map(([k, v]) => [`${prefix}/${k}`, v]));
}

export function slotsOf(prefix: string, tensors: Record<string, SavedTensor>, iterations: number): OptimizerState {
  const slots: OptimizerState['slots'] = {};
  for (const [k, v] of Object.entries(tensors)) if (k.startsWith(`${prefix}/`)) slots[k.slice(prefix.length + 1)] = v;
  return { iterations, slots };
}
