/**
 * Which captchas the segmentation-free recogniser learns from and how: the seeded
 * split into train / validation / test, a label budget (only N typed labels are used;
 * the other labelled captchas lose their labels for the run and count as unlabelled),
 * and each step's batch of labelled and pseudo-labelled captchas.
 */
import { InvalidInputError } from '../domain/errors.ts';
import type { ImageSet } from '../data/image-set.ts';
import type { RecognizerJobConfig } from '../presets/types.ts';
import { Rng } from '../util/rng.ts';
import { augmentCaptcha } from './augment.ts';

/** Seeded split of captcha indices: test first, then validation, the rest trains. */
export function splitCaptchas(count: number, validationShare: number, testShare: number, seed: number) {
  const order = new Rng(seed).fork('split').permutation(count);
  const nTest = testShare > 0 ? Math.max(1, Math.round(count * testShare)) : 0;
  const nVal = Math.max(1, Math.round(count * validationShare));
  if (count - nTest - nVal < 1) throw new Error(`the recogniser needs more labelled captchas than ${count} to hold out ${nTest + nVal}`);
  return { test: order.subarray(0, nTest), validation: order.subarray(nTest, nTest + nVal), train: order.subarray(nTest + nVal) };
}

/** Dataset indices of each role; `unlabelled` are trained on with pseudo-labels only (empty without self-training). */
export interface SequencePools {
  train: number[];
  validation: number[];
  test: number[];
  unlabelled: number[];
  /** Labelled captchas whose labels the label budget withheld (their images are among `unlabelled` with self-training). */
  withheld: number;
}

/** The seed of the test split under a label budget: one test split for every seed and budget, so label curves compare. */
export const BUDGET_TEST_SEED = 0;

/** The test split a label budget holds out of `labelled` captchas, and the rest in the budget's seeded order. */
function budgetOrder(labelled: number, testShare: number, seed: number): { test: Uint32Array; rest: Uint32Array } {
  const fixed = new Rng(BUDGET_TEST_SEED).fork('split/test').permutation(labelled);
  const nTest = testShare > 0 ? Math.max(1, Math.round(labelled * testShare)) : 0;
  const rest = fixed.subarray(nTest);
  const order = new Rng(seed).fork('split/labels').permutation(rest.length);
  return { test: fixed.subarray(0, nTest), rest: Uint32Array.from(order, (i) => rest[i]!) };
}

/** Labels a budget may use of `labelled` captchas: those outside its fixed test split. */
export const budgetableLabels = (labelled: number, testShare: number): number =>
  labelled - (testShare > 0 ? Math.max(1, Math.round(labelled * testShare)) : 0);

/**
 * Why a label budget cannot train (null when it can): more labels than there are outside the
 * test split, or fewer labelled characters than symbols (some symbol could never be seen).
 */
export function labelBudgetProblem(budget: number, labelled: number, testShare: number, alphabet: number, length: number): string | null {
  const available = budgetableLabels(labelled, testShare);
  if (budget > available) return `--labels ${budget}: the dataset has ${labelled} labelled captchas, ${available} outside the test split`;
  if (budget * length < alphabet) return `--labels ${budget}: ${budget * length} labelled characters cannot show each of the ${alphabet} symbols once; use at least ${Math.ceil(alphabet / length)}`;
  return null;
}

/** Splits an image set's captchas into the pools a run trains, validates and is tested on. */
export function sequencePools(data: ImageSet, config: Pick<RecognizerJobConfig, 'labelBudget' | 'validationSplit' | 'testSplit' | 'seed' | 'selfTraining'>): SequencePools {
  const sequences = data.sequences!;
  const labelled = sequences.map((s, i) => (s.length > 0 ? i : -1)).filter((i) => i >= 0);
  const unlabelled = config.selfTraining ? sequences.map((s, i) => (s.length === 0 ? i : -1)).filter((i) => i >= 0) : [];
  const pick = (ids: ArrayLike<number>) => Array.from(ids, (i) => labelled[i]!);
  if (config.labelBudget <= 0) {
    const { train, validation, test } = splitCaptchas(labelled.length, config.validationSplit, config.testSplit, config.seed);
    return { train: pick(train), validation: pick(validation), test: pick(test), unlabelled, withheld: 0 };
  }
  const available = budgetableLabels(labelled.length, config.testSplit);
  if (config.labelBudget > available) throw new InvalidInputError(`a budget of ${config.labelBudget} labels: only ${available} labelled captchas lie outside the test split`, 'labels');
  const { test, rest } = budgetOrder(labelled.length, config.testSplit, config.seed);
  const used = rest.subarray(0, config.labelBudget);
  const nVal = Math.max(1, Math.round(config.labelBudget * config.validationSplit));
  if (config.labelBudget - nVal < 1) throw new InvalidInputError(`a budget of ${config.labelBudget} labels leaves none to train on beside ${nVal} for validation`, 'labels');
  const withheld = pick(rest.subarray(config.labelBudget));
  return {
    train: pick(used.subarray(nVal)), validation: pick(used.subarray(0, nVal)), test: pick(test),
    unlabelled: config.selfTraining ? [...unlabelled, ...withheld].sort((a, b) => a - b) : unlabelled, withheld: withheld.length,
  };
}

/**
 * One batch [B, H, W] (augmented when asked) and its texts: `pseudoShare` of it from the
 * pseudo-labelled captchas when there are any, the rest from the labelled training ones.
 */
export function drawBatch(
  data: ImageSet, train: number[], pseudo: ReadonlyMap<number, Int32Array>, rng: Rng,
  o: { batchSize: number; augment: boolean; pseudoShare: number },
): { images: Float32Array; labels: Int32Array[] } {
  const { height: H, width: W } = data;
  const B = o.batchSize;
  const pseudoIds = [...pseudo.keys()];
  const nPseudo = pseudoIds.length === 0 ? 0 : Math.round(B * o.pseudoShare);
  const images = new Float32Array(B * H * W);
  const labels: Int32Array[] = [];
  for (let b = 0; b < B; b++) {
    const fromPseudo = b < nPseudo;
    const id = fromPseudo ? pseudoIds[rng.int(pseudoIds.length)]! : train[rng.int(train.length)]!;
    const src = data.images.subarray(id * H * W, (id + 1) * H * W);
    if (o.augment) augmentCaptcha(src, H, W, rng, images.subarray(b * H * W, (b + 1) * H * W));
    else images.set(src, b * H * W);
    labels.push(fromPseudo ? pseudo.get(id)! : data.sequences![id]!);
  }
  return { images, labels };
}
