import { tf } from '../engine/tf.ts';
import { captchaInk, tilesOf } from '../data/dataset-images.ts';
import { captchaDatasetImages } from '../data/dataset-images.ts';
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
import { loadSequenceRecognizer, sequenceReader } from './sequence-recognizer-job.ts';

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
      const readings = await sequenceReader(net, s.height, s.width, 1, r.temperature ?? 1)(captchaInk(captchas, s), captchas.length);
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

/**
 * Confident learning (Northcutt et al. 2021) on out-of-fold probabilities: K
 * recognisers each predict the labelled captchas they did not train on. Per class j,
 * t_j = mean p(j) over tiles labelled j. A tile is flagged when p(given) < t_given
 * while another class k reaches p(k) ≥ t_k. A tile's score is its margin
 * p(best other) − p(given) (clipped at 0), plus 1 when flagged, so flagged tiles
 * rank first and, among the rest, the tiles the model most prefers to relabel. A
 * captcha's score is its worst tile's; the suggestion replaces each tile whose best
 * other class beats its label.
 */
export async function findMislabels(
  db: Db, datasetId: number, o: { folds: number; steps: number; seed: number; onFold?: (fold: number) => void },
): Promise<{ captcha: number; score: number; suggested: string; label: string }[]> {
  const s = getDatasetOfKind(db, datasetId, 'captcha').settings;
  const labelled = listCaptchas(db, datasetId, { status: 'labelled' });
  const set = captchaDatasetImages(db, datasetId, { labelledOnly: true });
  const n = labelled.length;
  if (n < o.folds * 2) throw new Error(`mislabel detection needs at least ${o.folds * 2} labelled captchas, not ${n}`);
  const classes = s.alphabet.length;
  const probs = new Float32Array(set.count * classes);
  const order = new Rng(o.seed).fork('folds').permutation(n);
  const config: RecognizerJobConfig = {
    ...RECOGNIZER_DEFAULTS, preset: 'captcha-recognizer', presetVersion: 1, section: '4.1', title: 'fold', seed: o.seed, steps: o.steps,
    checkpointEvery: o.steps, progressEvery: o.steps, evalEvery: o.steps,
    optimizer: { kind: 'adam', learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 }, data: { source: 'dataset', id: datasetId },
  };
  for (let f = 0; f < o.folds; f++) {
    const held = Array.from(order).filter((_, i) => i % o.folds === f);
    const rest = Array.from(order).filter((_, i) => i % o.folds !== f);
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
  saveMislabelScores(db, datasetId, results);
  return results.sort((a, b) => b.score - a.score);
}
