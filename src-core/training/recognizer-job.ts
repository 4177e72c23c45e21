import { tf, type Tensor2D } from '../engine/tf.ts';
import { buildCaptchaRecognizer, CAPTCHA_CLASSES } from '../models/captcha.ts';
import { disposeNetwork } from '../models/network.ts';
import { BatchSampler, type SamplerState } from '../data/sampler.ts';
import { imageSize, type ImageSet } from '../data/image-set.ts';
import type { RecognizerJobConfig } from '../presets/types.ts';
import { Rng } from '../util/rng.ts';
import { loadNet, netTensors, prefixed, slotsOf } from './checkpoint.ts';
import type { JobState, TrainingJob } from './job.ts';
import { createOptimizer } from './optimizers.ts';
import { predictProbabilities, recognizerStep } from './recognizer-steps.ts';

/** Tiles per captcha of a set (its tiles come in captcha order). */
const tilesPerCaptcha = (set: ImageSet) => set.group ?? 4;

/** Splits a tile set by captcha (never one captcha's tiles on both sides), seeded. */
export function splitByCaptcha(set: ImageSet, validationShare: number, seed: number): { train: ImageSet; validation: ImageSet } {
  if (!set.labels) throw new Error('the recogniser trains on labelled tiles');
  const captchas = Math.floor(set.count / tilesPerCaptcha(set));
  if (captchas < 2) throw new Error(`the recogniser needs at least 2 labelled captchas, not ${captchas}`);
  const order = new Rng(seed).fork('split').permutation(captchas);
  const nVal = Math.max(1, Math.round(captchas * validationShare));
  return { validation: pickCaptchas(set, order.subarray(0, nVal)), train: pickCaptchas(set, order.subarray(nVal)) };
}

/** The tiles of the captchas `ids` (indices in captcha order), as a set of their own. */
export function pickCaptchas(set: ImageSet, ids: ArrayLike<number>): ImageSet {
  const per = tilesPerCaptcha(set);
  const size = imageSize(set);
  const images = new Float32Array(ids.length * per * size);
  const labels = new Int32Array(ids.length * per);
  Array.from(ids).forEach((c, i) => {
    for (let k = 0; k < per; k++) {
      const src = c * per + k;
      const dst = i * per + k;
      images.set(set.images.subarray(src * size, (src + 1) * size), dst * size);
      labels[dst] = set.labels![src]!;
    }
  });
  return { ...set, images, labels, count: labels.length };
}

export interface RecognizerEvaluation {
  characterAccuracy: number;
  captchaAccuracy: number;
  /** confusion[true][predicted] counts. */
  confusion: number[][];
}

/** Per-character and per-captcha accuracy of predicted class probabilities [N, classes]. */
export function evaluatePredictions(probs: Float32Array, labels: Int32Array, classes: number, perCaptcha = 4): RecognizerEvaluation {
  const confusion = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  let right = 0;
  let captchasRight = 0;
  let captchaOk = true;
  for (let i = 0; i < labels.length; i++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (probs[i * classes + c]! > probs[i * classes + best]!) best = c;
    confusion[labels[i]!]![best]! += 1;
    const ok = best === labels[i];
    if (ok) right += 1;
    captchaOk &&= ok;
    if (i % perCaptcha === perCaptcha - 1) {
      if (captchaOk) captchasRight += 1;
      captchaOk = true;
    }
  }
  return {
    characterAccuracy: right / labels.length,
    captchaAccuracy: captchasRight / Math.floor(labels.length / perCaptcha),
    confusion,
  };
}

export type RecognizerJob = TrainingJob & {
  evaluate(): Promise<RecognizerEvaluation>;
  /** Class probabilities [N, classes] of tiles [N, 20, 20, 1]. */
  predict(tiles: Float32Array, count: number): Float32Array;
};

export function createRecognizerJob(config: RecognizerJobConfig, data: ImageSet): RecognizerJob {
  const { train, validation } = splitByCaptcha(data, config.validationSplit, config.seed);
  return createRecognizerJobOn(config, train, validation);
}

/** A recogniser job on a given train / validation split (the mislabel search trains one per fold). */
export function createRecognizerJobOn(config: RecognizerJobConfig, train: ImageSet, validation: ImageSet): RecognizerJob {
  const data = train;
  const sampler = new BatchSampler(train, config.batchSize, config.seed);
  const net = buildCaptchaRecognizer(new Rng(config.seed).fork('init/recognizer'), data.classes || CAPTCHA_CLASSES);
  const optimizer = createOptimizer(config.optimizer, net.params);
  let iteration = 0;

  async function evaluate(): Promise<RecognizerEvaluation> {
    const x = tf.tensor4d(validation.images, [validation.count, validation.height, validation.width, 1]);
    const probs = predictProbabilities(net, x);
    const values = (await probs.data()) as Float32Array;
    tf.dispose([x, probs]);
    return evaluatePredictions(values, validation.labels!, data.classes, tilesPerCaptcha(validation));
  }

  function predict(tiles: Float32Array, count: number): Float32Array {
    const x = tf.tensor4d(tiles, [count, train.height, train.width, 1]);
    const probs = predictProbabilities(net, x);
    const values = probs.dataSync() as Float32Array;
    tf.dispose([x, probs]);
    return values;
  }

  return {
    config,
    get iteration() {
      return iteration;
    },
    async runIteration() {
      const batch = sampler.next();
      const B = config.batchSize;
      const x = tf.tensor4d(batch.images, [B, train.height, train.width, 1]);
      const y = tf.tidy(() => tf.oneHot(tf.tensor1d(batch.labels!, 'int32'), data.classes).toFloat() as Tensor2D);
      try {
        const losses: Record<string, number> = await recognizerStep(net, optimizer, x, y);
        iteration += 1;
        if (iteration % config.evalEvery === 0 || iteration === config.steps) {
          const e = await evaluate();
          losses.val_char_accuracy = e.characterAccuracy;
          losses.val_captcha_accuracy = e.captchaAccuracy;
        }
        return losses;
      } finally {
        tf.dispose([x, y]);
      }
    },
    async samples() {
      return null;
    },
    notes: () => [],
    evaluate,
    predict,
    getState(): JobState {
      const o = optimizer.getState();
      return {
        iteration,
        meta: { sampler: sampler.getState(), optimizerIterations: o.iterations },
        tensors: { ...netTensors('R', net), ...prefixed('opt', o.slots) },
      };
    },
    setState(state) {
      const meta = state.meta as { sampler: SamplerState; optimizerIterations: number };
      loadNet('R', net, state.tensors);
      optimizer.setState(slotsOf('opt', state.tensors, meta.optimizerIterations));
      sampler.setState(meta.sampler);
      iteration = state.iteration;
    },
    dispose() {
      optimizer.dispose();
      disposeNetwork(net);
    },
  };
}
