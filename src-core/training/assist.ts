import { tf } from '../engine/tf.ts';
import { captchaInk, tilesOf } from '../data/dataset-images.ts';
import { captchaDatasetImages, captchaDatasetSequences } from '../data/dataset-images.ts';
import type { ImageSet } from '../data/image-set.ts';
import type { RecognizerModel } from '../domain/datasets.ts';
import { InvalidInputError } from '../domain/errors.ts';
import { resolveConfig } from '../presets/resolve.ts';
import type { Network } from '../models/network.ts';
import { buildCaptchaRecognizer } from '../models/captcha.ts';
import { disposeNetwork } from '../models/network.ts';
import type { RecognizerJobConfig } from '../presets/types.ts';
import { RECOGNIZER_DEFAULTS } from '../presets/defaults.ts';
import type { Db } from '../store/open.ts';
import { listCaptchas } from '../store/captchas.ts';
import { getDatasetOfKind } from '../store/datasets.ts';
import { getRecognizer, saveMislabelScores, savePredictions } from '../store/recognizers.ts';
import { Rng } from '../util/rng.ts';
import { loadNet, readCheckpoint } from './checkpoint.ts';
import { predictProbabilities } from './recognizer-steps.ts';
import { createRecognizerJobOn, pickCaptchas } from './recognizer-job.ts';
import { createSequenceRecognizerJob } from './sequence-recognizer-job.ts';
import { decodeScores, loadSequenceRecognizer, sequenceConfidence, sequenceReader, sequenceScores } from './sequence-reading.ts';

/** Reading of one captcha from per-tile probabilities: the argmax text and its confidence (product of the tiles' maxima). */
export function readCaptcha(probs: Float32Array, offset: number, length: number, alphabet: string): { label: string; confidence: number } {
  const classes = alphabet.length;
  let label = '';
  let confidence = 1;
  for (let k = 0; k < length; k++) {
    let best = 0;
    const base = (offset + k) * classes;
    for (let c = 1; c < classes; c++) if (probs[base + c]! > probs[base + best]!) best = c;
    label += alphabet[best];
    confidence *= probs[base + best]!;
  }
  return { label, confidence };
}

/** Pre-labels every unlabelled captcha with the recogniser's reading and confidence. */
export async function prelabel(db: Db, datasetId: number, recognizerId: number): Promise<number> {
  const s = getDatasetOfKind(db, datasetId, 'captcha').settings;
  const r = getRecognizer(db, recognizerId);
  const captchas = listCaptchas(db, datasetId, { status: 'unlabelled' });
  if (captchas.length === 0) return 0;
  if (r.model === 'ctc') {
    const net = loadSequenceRecognizer(readCheckpoint(r.weightsPath).state.tensors, s.alphabet.length, s.width, s.height);
    try {
      // A captcha dataset's labels all have its length (labelProblem): a reading of another length cannot be right.
      const readings = await sequenceReader(net, s.height, s.width, { beamWidth: 1, length: s.length }, r.temperature ?? 1)(captchaInk(captchas, s), captchas.length);
      savePredictions(db, recognizerId, captchas.map((c, i) => ({
        captcha: c.id, label: readings[i]!.label.map((k) => s.alphabet[k]).join(''), confidence: readings[i]!.confidence,
      })));
      return captchas.length;
    } finally {
      disposeNetwork(net);
    }
  }
  const net = buildCaptchaRecognizer(new Rng(0), s.alphabet.length);
  try {
    loadNet('R', net, readCheckpoint(r.weightsPath).state.tensors);
    const { tiles } = tilesOf(captchas, s);
    const x = tf.tensor4d(tiles, [captchas.length * s.length, 20, 20, 1]);
    const p = predictProbabilities(net, x);
    const probs = p.dataSync() as Float32Array;
    tf.dispose([x, p]);
    savePredictions(db, recognizerId, captchas.map((c, i) => ({ captcha: c.id, ...readCaptcha(probs, i * s.length, s.length, s.alphabet) })));
    return captchas.length;
  } finally {
    disposeNetwork(net);
  }
}

/** A labelled captcha's mislabel score (higher: look first) and the reading suggested instead. */
export interface MislabelScore {
  captcha: number;
  score: number;
  suggested: string;
  label: string;
}

export interface MislabelOptions {
  folds: number;
  /** Training steps per fold (the CTC model may stop earlier on its validation split). */
  steps: number;
  seed: number;
  /** 'ctc': the segmentation-free recogniser (the default recogniser); 'lenet': the thesis's on tiles (faster, per tile). */
  model: RecognizerModel;
  /** Preset overrides for the CTC folds (`--set`), e.g. a batch size. */
  set?: Record<string, string>;
  onFold?: (fold: number) => void;
}

/** Out-of-fold mislabel scores of a dataset's labelled captchas, saved for the labelling queue, highest first. */
export async function findMislabels(db: Db, datasetId: number, o: MislabelOptions): Promise<MislabelScore[]> {
  const results = o.model === 'ctc' ? await sequenceMislabels(db, datasetId, o) : await tileMislabels(db, datasetId, o);
  saveMislabelScores(db, datasetId, results);
  return results.sort((a, b) => b.score - a.score);
}

/** The folds' held-out captchas: K seeded folds over `n` labelled captchas (each needs two or more per fold). */
function folds(n: number, o: Pick<MislabelOptions, 'folds' | 'seed'>): { held: number[]; rest: number[] }[] {
  if (n < o.folds * 2) throw new InvalidInputError(`mislabel detection needs at least ${o.folds * 2} labelled captchas, not ${n}`, 'dataset');
  const order = Array.from(new Rng(o.seed).fork('folds').permutation(n));
  return Array.from({ length: o.folds }, (_, f) => ({ held: order.filter((_, i) => i % o.folds === f), rest: order.filter((_, i) => i % o.folds !== f) }));
}

/**
 * The segmentation-free recogniser's version: per fold a CTC recogniser trains on the
 * other folds (early stopping on a validation share of them) and scores each held-out
 * captcha by p(its label) and p(its best reading) — CTC probabilities of whole texts.
 * With τ the mean p(label) over the dataset (the confident-learning threshold, for
 * whole captchas), a captcha is flagged when its best reading differs from its label,
 * p(label) < τ and p(reading) ≥ τ; its score is p(reading) − p(label) when they differ
 * (0 otherwise), plus 1 when flagged. The suggestion is the reading.
 */
async function sequenceMislabels(db: Db, datasetId: number, o: MislabelOptions): Promise<MislabelScore[]> {
  const s = getDatasetOfKind(db, datasetId, 'captcha').settings;
  const labelled = listCaptchas(db, datasetId, { status: 'labelled' });
  const set = captchaDatasetSequences(db, datasetId, { labelledOnly: true });
  const per = s.width * s.height;
  const pick = (ids: number[]): ImageSet => ({
    ...set, count: ids.length, sequences: ids.map((i) => set.sequences![i]!),
    images: Float32Array.from({ length: ids.length * per }, (_, p) => set.images[ids[Math.floor(p / per)]! * per + (p % per)]!),
  });
  const config = resolveConfig('captcha-recognizer-ctc', {
    ...o.set, data: JSON.stringify({ source: 'dataset', id: datasetId }), steps: o.steps, seed: o.seed, testSplit: 0,
  }) as RecognizerJobConfig;
  const readings: { given: number; read: number; text: number[] }[] = new Array(labelled.length);
  for (const [f, { held, rest }] of folds(labelled.length, o).entries()) {
    const job = createSequenceRecognizerJob(config, pick(rest));
    try {
      for (let i = 0; i < o.steps && !job.finished?.(); i++) await job.runIteration();
      const heldSet = pick(held);
      const net = job.network as Network & { columns: number };
      const [T, K] = [net.columns, net.outputShape[1]!];
      const scores = await job.withRecordedWeights(() => sequenceScores(net, s.height, s.width)(heldSet.images, held.length));
      held.forEach((c, i) => {
        const text = decodeScores(scores[i]!, T, K, { beamWidth: config.beamWidth, length: s.length });
        readings[c] = { given: sequenceConfidence(scores[i]!, T, K, Array.from(set.sequences![c]!), 1), read: sequenceConfidence(scores[i]!, T, K, text, 1), text };
      });
    } finally {
      job.dispose();
    }
    o.onFold?.(f + 1);
  }
  return scoreSequenceReadings(labelled.map((c, i) => ({
    captcha: c.id, label: c.label!, given: readings[i]!.given, read: readings[i]!.read, reading: readings[i]!.text.map((k) => s.alphabet[k]).join(''),
  })));
}

/** One labelled captcha as an out-of-fold model read it: p(its label), its best reading and p(that reading). */
export interface SequenceReading {
  captcha: number;
  label: string;
  given: number;
  reading: string;
  read: number;
}

/** sequenceMislabels' scoring (see there), on readings already made. */
export function scoreSequenceReadings(readings: SequenceReading[]): MislabelScore[] {
  const tau = readings.reduce((sum, r) => sum + r.given, 0) / readings.length;
  return readings.map((r) => {
    const differs = r.reading !== r.label;
    const flagged = differs && r.given < tau && r.read >= tau;
    return { captcha: r.captcha, score: (differs ? Math.max(0, r.read - r.given) : 0) + (flagged ? 1 : 0), suggested: differs ? r.reading : r.label, label: r.label };
  });
}

/**
 * The thesis LeNet's version, per tile. Confident learning (Northcutt et al. 2021) on out-of-fold probabilities: K
 * recognisers each predict the labelled captchas they did not train on. Per class j,
 * t_j = mean p(j) over tiles labelled j. A tile is flagged when p(given) < t_given
 * while another class k reaches p(k) ≥ t_k. A tile's score is its margin
 * p(best other) − p(given) (clipped at 0), plus 1 when flagged, so flagged tiles
 * rank first and, among the rest, the tiles the model most prefers to relabel. A
 * captcha's score is its worst tile's; the suggestion replaces each tile whose best
 * other class beats its label.
 */
async function tileMislabels(db: Db, datasetId: number, o: MislabelOptions): Promise<MislabelScore[]> {
  const s = getDatasetOfKind(db, datasetId, 'captcha').settings;
  const labelled = listCaptchas(db, datasetId, { status: 'labelled' });
  const set = captchaDatasetImages(db, datasetId, { labelledOnly: true });
  const classes = s.alphabet.length;
  const probs = new Float32Array(set.count * classes);
  const config: RecognizerJobConfig = {
    ...RECOGNIZER_DEFAULTS, preset: 'captcha-recognizer', presetVersion: 1, section: '4.1', title: 'fold', seed: o.seed, steps: o.steps,
    checkpointEvery: o.steps, progressEvery: o.steps, evalEvery: o.steps,
    optimizer: { kind: 'adam', learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 }, data: { source: 'dataset', id: datasetId },
  };
  for (const [f, { held, rest }] of folds(labelled.length, o).entries()) {
    const job = createRecognizerJobOn(config, pickCaptchas(set, rest), pickCaptchas(set, held));
    try {
      for (let i = 0; i < o.steps; i++) await job.runIteration();
      const heldSet = pickCaptchas(set, held);
      const p = job.predict(heldSet.images, heldSet.count);
      held.forEach((c, i) => probs.set(p.subarray(i * s.length * classes, (i + 1) * s.length * classes), c * s.length * classes));
    } finally {
      job.dispose();
    }
    o.onFold?.(f + 1);
  }
  const labels = set.labels!;
  const sum = new Float64Array(classes);
  const count = new Float64Array(classes);
  labels.forEach((l, t) => {
    sum[l]! += probs[t * classes + l]!;
    count[l]! += 1;
  });
  const threshold = Array.from(sum, (v, j) => (count[j]! ? v / count[j]! : 1));
  const results = labelled.map((c, i) => {
    let score = 0;
    let suggested = '';
    for (let k = 0; k < s.length; k++) {
      const t = i * s.length + k;
      const given = labels[t]!;
      const pGiven = probs[t * classes + given]!;
      let best = given;
      let flagged = false;
      for (let j = 0; j < classes; j++) {
        if (j === given) continue;
        const pj = probs[t * classes + j]!;
        if (pGiven < threshold[given]! && pj >= threshold[j]!) flagged = true;
        if (best === given ? pj > pGiven : pj > probs[t * classes + best]!) best = j;
      }
      const margin = best === given ? 0 : probs[t * classes + best]! - pGiven;
      score = Math.max(score, (flagged ? 1 : 0) + margin);
      suggested += s.alphabet[best];
    }
    return { captcha: c.id, score, suggested, label: c.label! };
  });
  return results;
}
