import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ImageSet } from '../../src-core/data/image-set.ts';
import { tf } from '../../src-core/engine/tf.ts';
import { resolveConfig } from '../../src-core/presets/resolve.ts';
import type { RecognizerJobConfig } from '../../src-core/presets/types.ts';
import { PseudoLabels } from '../../src-core/training/pseudo-labels.ts';
import { budgetableLabels, drawBatch, labelBudgetProblem, sequencePools, splitCaptchas } from '../../src-core/training/sequence-data.ts';
import { createSequenceRecognizerJob } from '../../src-core/training/sequence-recognizer-job.ts';
import { judgeEvaluation } from '../../src-core/training/sequence-validation.ts';
import { Rng } from '../../src-core/util/rng.ts';
import { useBackend } from '../helpers.ts';

/** `count` captchas [8, 24] of 3-character texts over 3 classes (class 0 ink on top, 1 below, 2 a bar), cycling through all 27 texts. */
function captchas(count: number, unlabelledFrom = count): ImageSet {
  const H = 8;
  const W = 24;
  const texts = Array.from({ length: count }, (_, i) => { const n = i % 27; return [n % 3, Math.floor(n / 3) % 3, Math.floor(n / 9)]; });
  const images = new Float32Array(count * H * W);
  texts.forEach((text, i) => text.forEach((k, c) => {
    for (let y = 0; y < H; y++) for (let x = 0; x < 8; x++) {
      const ink = x >= 1 && x < 7 && (k === 0 ? y < 4 : k === 1 ? y >= 4 : x >= 3 && x < 5);
      if (ink) images[i * H * W + y * W + c * 8 + x] = 1;
    }
  }));
  return {
    images, count, height: H, width: W, channels: 1, labels: null, classes: 3,
    sequences: texts.map((t, i) => (i < unlabelledFrom ? Int32Array.from(t) : new Int32Array(0))), description: 'tiny', skipped: [],
  };
}

const config = (o: Record<string, string> = {}) => resolveConfig('captcha-recognizer-ctc', {
  augment: 'false', evalEvery: '25', patience: '0', batchSize: '16', steps: '300', testSplit: '0.1', validationSplit: '0.1', 'optimizer.learningRate': '3e-3', ...o,
}) as RecognizerJobConfig;

describe('few labels: label budgets, pseudo-labels, self-training', () => {
  it('without a budget the split is the seeded one of before; unlabelled captchas join only with self-training', () => {
    const data = captchas(100, 80);
    const old = splitCaptchas(80, 0.1, 0.1, 3);
    const pools = sequencePools(data, config({ seed: '3' }));
    assert.deepEqual(pools.test, Array.from(old.test));
    assert.deepEqual(pools.validation, Array.from(old.validation));
    assert.deepEqual(pools.train, Array.from(old.train));
    assert.deepEqual(pools.unlabelled, Array.from({ length: 20 }, (_, i) => 80 + i));
    assert.equal(sequencePools(data, config({ selfTraining: 'false' })).unlabelled.length, 0);
  });

  it('a budget of N uses N labels chosen by the seed, one test split for every seed and budget, and the withheld labels never reach training', () => {
    const data = captchas(200, 180);
    const a = sequencePools(data, config({ labelBudget: '30', seed: '1' }));
    const b = sequencePools(data, config({ labelBudget: '60', seed: '2' }));
    assert.deepEqual(a.test, b.test, 'the test split does not move with the seed or the budget');
    assert.equal(a.test.length, 18);
    assert.equal(a.train.length + a.validation.length, 30);
    assert.equal(a.validation.length, 3);
    assert.equal(a.withheld, 180 - 18 - 30);
    const used = new Set([...a.train, ...a.validation]);
    for (const id of a.test) assert.ok(!used.has(id) && !a.unlabelled.includes(id), 'the test split is neither trained on nor read unlabelled');
    // The withheld labelled captchas are read unlabelled, beside the 20 that never had labels; none is also a labelled one.
    assert.equal(a.unlabelled.length, 20 + a.withheld);
    for (const id of a.unlabelled) assert.ok(!used.has(id));
    assert.notDeepEqual(new Set(a.train), new Set(sequencePools(data, config({ labelBudget: '30', seed: '5' })).train), 'the seed chooses the labels');
    assert.deepEqual(sequencePools(data, config({ labelBudget: '30', seed: '1' })), a, 'the same seed, the same choice');
    assert.throws(() => sequencePools(data, config({ labelBudget: '163' })), /only 162 labelled captchas lie outside the test split/);
  });

  it('says in one line why a budget cannot train: more than the labels outside the test split, or fewer characters than symbols', () => {
    assert.equal(budgetableLabels(1070, 0.1), 963);
    assert.match(labelBudgetProblem(2000, 1070, 0.1, 19, 5)!, /^--labels 2000: the dataset has 1070 labelled captchas, 963 outside the test split$/);
    assert.match(labelBudgetProblem(3, 1070, 0.1, 19, 5)!, /15 labelled characters cannot show each of the 19 symbols once; use at least 4/);
    assert.equal(labelBudgetProblem(100, 1070, 0.1, 19, 5), null);
  });

  it('an evaluation without gain is no stall while the pseudo-label set still grows; once it stops, stalls count again', () => {
    const config = { patience: 2, reduceLearningRateAfter: 1, validationMeasure: 'text-probability' as const };
    const e = { captchaAccuracy: 0.8, characterAccuracy: 0.9, textProbability: 0.7 };
    const best = { score: 0.75, captchaAccuracy: 0.8 };
    assert.deepEqual(judgeEvaluation(config, best, 1, e, true), { improved: false, score: 0.7, stalls: 1, stop: false, halveRate: false });
    assert.equal(judgeEvaluation(config, best, 1, e, false).stop, true);
    assert.equal(judgeEvaluation(config, best, 0, e, false).halveRate, true);
  });

  it('pseudo-labels: kept at the threshold and the scheme\'s length, in index order, counted as changed or dropped, and saved exactly', () => {
    const p = new PseudoLabels();
    let r = p.refresh([9, 3, 5], [{ label: [1, 2], confidence: 0.95 }, { label: [0, 1], confidence: 0.9 }, { label: [2, 2], confidence: 0.89 }], 0.9, 2);
    assert.deepEqual(r, { accepted: 2, changed: 2, dropped: 0 });
    assert.deepEqual([...p.labels.keys()], [3, 9]);
    r = p.refresh([9, 3, 5], [{ label: [1, 2], confidence: 0.99 }, { label: [0], confidence: 0.99 }, { label: [2, 1], confidence: 0.99 }], 0.9, 2);
    assert.deepEqual(r, { accepted: 2, changed: 1, dropped: 1 }, 'a text of another length is no pseudo-label');
    const copy = new PseudoLabels();
    copy.load(p.state());
    assert.deepEqual(copy.state(), { ids: [5, 9], texts: [[2, 1], [1, 2]] });
  });

  it('a batch draws its pseudo share from the pseudo-labelled captchas, and without any draws exactly as before', () => {
    const data = captchas(40, 20);
    const train = Array.from({ length: 20 }, (_, i) => i);
    const none = drawBatch(data, train, new Map(), new Rng(4), { batchSize: 8, augment: false, pseudoShare: 0.5 });
    const rng = new Rng(4);
    const ids = Array.from({ length: 8 }, () => train[rng.int(train.length)]!);
    assert.deepEqual(none.labels.map((l) => Array.from(l)), ids.map((id) => Array.from(data.sequences![id]!)));
    const pseudo = new Map([[30, Int32Array.from([2, 2, 2])], [31, Int32Array.from([1, 1, 1])]]);
    const mixed = drawBatch(data, train, pseudo, new Rng(4), { batchSize: 8, augment: false, pseudoShare: 0.5 });
    assert.equal(mixed.labels.filter((l) => l === pseudo.get(30) || l === pseudo.get(31)).length, 4);
  });

  it('self-training on a tiny set: the unlabelled captchas are pseudo-labelled rightly, the set\'s labels are untouched, and a resume continues exactly', async () => {
    await useBackend('wasm');
    // 54 captchas, 27 labelled (test 3, validation 2, train 22) and 27 without labels.
    const data = captchas(54, 27);
    const before = data.sequences!.map((s) => Array.from(s));
    const c = config({ pseudoLabelConfidence: '0.8', testSplit: '0.1' });
    const job = createSequenceRecognizerJob(c, data);
    try {
      assert.equal(job.splits.unlabelled, 27);
      for (let i = 0; i < 150; i++) await job.runIteration();
      assert.ok(job.pseudoLabelled >= 20, `${job.pseudoLabelled} of 27 pseudo-labelled after 150 steps`);
      const state = job.getState();
      const pseudo = state.meta.pseudo as { ids: number[]; texts: number[][] };
      pseudo.ids.forEach((id, i) => {
        const n = id % 27;
        assert.deepEqual(pseudo.texts[i], [n % 3, Math.floor(n / 3) % 3, Math.floor(n / 9)], `captcha ${id}'s pseudo-label`);
      });
      assert.deepEqual(data.sequences!.map((s) => Array.from(s)), before, 'pseudo-labels never enter the data');
      const tensorsBefore = tf.memory().numTensors;
      const next = [await job.runIteration(), await job.runIteration()];
      assert.equal(tf.memory().numTensors, tensorsBefore, 'no tensors leak');
      const resumed = createSequenceRecognizerJob(c, data);
      try {
        resumed.setState(state);
        assert.equal(resumed.pseudoLabelled, pseudo.ids.length, 'the pseudo-labels resume with the job');
        assert.deepEqual([await resumed.runIteration(), await resumed.runIteration()], next, 'the resumed job takes the same steps');
      } finally {
        resumed.dispose();
      }
    } finally {
      job.dispose();
    }
  });
});
