import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { tf } from '../../src-core/engine/tf.ts';
import { beamDecode, ctcBatch, ctcLoss, ctcSequence, greedyDecode, logSoftmaxRows, minimumColumns } from '../../src-core/training/ctc.ts';
import { Rng } from '../../src-core/util/rng.ts';
import { useBackend } from '../helpers.ts';

/** p(label | x) by enumerating all K^T alignments, collapsing each (merge repeats, drop blanks). */
function bruteForce(logProbs: Float64Array, T: number, K: number, label: number[]): number {
  let total = 0;
  const path = new Array<number>(T).fill(0);
  for (let n = 0; n < K ** T; n++) {
    let m = n;
    for (let t = 0; t < T; t++) {
      path[t] = m % K;
      m = Math.floor(m / K);
    }
    const collapsed = path.filter((k, t) => k !== K - 1 && (t === 0 || k !== path[t - 1]));
    if (collapsed.length === label.length && collapsed.every((k, i) => k === label[i])) {
      total += Math.exp(path.reduce((s, k, t) => s + logProbs[t * K + k]!, 0));
    }
  }
  return total;
}

function randomScores(rng: Rng, T: number, K: number): Float64Array {
  return Float64Array.from({ length: T * K }, () => rng.normal() * 1.5);
}

describe('CTC loss', () => {
  const cases: [string, number, number, number[]][] = [
    ['one class', 3, 3, [0]], ['two different', 4, 3, [0, 1]], ['a repeat needs a blank between', 5, 3, [1, 1]],
    ['empty label', 3, 3, []], ['as long as possible', 3, 4, [0, 1, 2]], ['repeat at full length', 3, 3, [0, 0]],
    ['longer', 6, 3, [0, 1, 0]],
  ];
  for (const [name, T, K, label] of cases) {
    it(`equals the sum over every alignment: ${name} (T=${T}, K=${K}, label ${JSON.stringify(label)})`, () => {
      const rng = new Rng(T * 10 + K + label.length);
      const lp = logSoftmaxRows(randomScores(rng, T, K), T, K);
      const p = bruteForce(lp, T, K, label);
      const { nll } = ctcSequence(lp, T, K, label);
      assert.ok(p > 0, 'some alignment exists');
      assert.ok(Math.abs(Math.exp(-nll) - p) <= 1e-12 + 1e-9 * p, `CTC ${Math.exp(-nll)} vs brute force ${p}`);
    });
  }

  it('is infinite when the columns cannot hold the label (a repeat needs its blank)', () => {
    const lp = logSoftmaxRows(new Float64Array(2 * 3), 2, 3);
    assert.equal(ctcSequence(lp, 2, 3, [1, 1]).nll, Infinity);
    assert.equal(minimumColumns([1, 1]), 3);
    assert.equal(minimumColumns([1, 2, 2, 2]), 6);
  });

  it('its gradient with respect to the scores matches central finite differences', () => {
    const rng = new Rng(7);
    const T = 6;
    const K = 4;
    const label = [2, 0, 0];
    const scores = randomScores(rng, T, K);
    const { grad } = ctcSequence(logSoftmaxRows(scores, T, K), T, K, label);
    const h = 1e-5;
    let worst = 0;
    for (let i = 0; i < T * K; i++) {
      const plus = Float64Array.from(scores);
      const minus = Float64Array.from(scores);
      plus[i]! += h;
      minus[i]! -= h;
      const numeric = (ctcSequence(logSoftmaxRows(plus, T, K), T, K, label, false).nll - ctcSequence(logSoftmaxRows(minus, T, K), T, K, label, false).nll) / (2 * h);
      worst = Math.max(worst, Math.abs(numeric - grad![i]!));
    }
    assert.ok(worst < 1e-7, `largest difference ${worst}`);
  });

  it('as a tfjs op: the batch mean, the same gradient through autodiff, and no leaked tensors', async () => {
    await useBackend('cpu');
    const rng = new Rng(3);
    const [B, T, K] = [3, 7, 5];
    const values = Float32Array.from({ length: B * T * K }, () => rng.normal());
    const labels = [[0, 1], [3, 3, 2], []];
    const x = tf.tensor3d(values, [B, T, K]);
    const probe = tf.variable(tf.zeros([B, T, K]), true, 'ctc-probe');
    const before = tf.memory().numTensors;
    const { value, grads } = tf.variableGrads(() => ctcLoss(x.add(probe) as tf.Tensor3D, labels), [probe]);
    let expected = 0;
    labels.forEach((label, b) => {
      const lp = logSoftmaxRows(values.subarray(b * T * K, (b + 1) * T * K), T, K);
      const r = ctcSequence(lp, T, K, label);
      expected += r.nll / B;
      const g = grads['ctc-probe']!.dataSync().subarray(b * T * K, (b + 1) * T * K);
      r.grad!.forEach((v, i) => assert.ok(Math.abs(g[i]! - v / B) < 1e-6, `grad [${b}, ${i}]`));
    });
    assert.ok(Math.abs(value.dataSync()[0]! - expected) < 1e-5);
    tf.dispose([value, ...Object.values(grads)]);
    assert.equal(tf.memory().numTensors, before, 'nothing left behind');
    tf.dispose([probe, x]);
  });

  it('read back to the host (the WebGPU path): the same loss, and Σ scores·g has the op\'s gradient', async () => {
    await useBackend('cpu');
    const rng = new Rng(4);
    const [B, T, K] = [2, 6, 4];
    const values = Float32Array.from({ length: B * T * K }, () => rng.normal());
    const labels = [[1, 0], [2]];
    const w = tf.variable(tf.tensor3d(values, [B, T, K]), true, 'ctc-scores');
    const viaOp = tf.variableGrads(() => ctcLoss(w as unknown as tf.Tensor3D, labels), [w]);
    const host = ctcBatch(values, [B, T, K], labels);
    const g = tf.tensor3d(host.grads, [B, T, K]);
    const viaSurrogate = tf.variableGrads(() => tf.sum(tf.mul(w, g)) as tf.Scalar, [w]);
    assert.ok(Math.abs(viaOp.value.dataSync()[0]! - host.loss) < 1e-6);
    const a = viaOp.grads['ctc-scores']!.dataSync();
    const b = viaSurrogate.grads['ctc-scores']!.dataSync();
    a.forEach((v, i) => assert.ok(Math.abs(v - b[i]!) < 1e-7, `grad ${i}: ${v} vs ${b[i]}`));
    tf.dispose([viaOp.value, viaSurrogate.value, ...Object.values(viaOp.grads), ...Object.values(viaSurrogate.grads), g, w]);
  });
});

describe('CTC decoding', () => {
  /** Log-probabilities from rows of probabilities. */
  const rows = (...ps: number[][]) => Float64Array.from(ps.flat(), (p) => Math.log(p));

  it('greedy: repeats merge, a blank separates a repeated class, blanks are dropped', () => {
    // K = 3 (classes 0, 1; blank 2).
    const lp = rows([0.8, 0.1, 0.1], [0.7, 0.2, 0.1], [0.1, 0.1, 0.8], [0.6, 0.3, 0.1], [0.1, 0.8, 0.1], [0.1, 0.1, 0.8]);
    assert.deepEqual(greedyDecode(lp, 6, 3), [0, 0, 1]);
    assert.deepEqual(greedyDecode(rows([0.1, 0.1, 0.8], [0.1, 0.1, 0.8]), 2, 3), []);
  });

  it('beam search sums the alignments of a label and can beat the best single path', () => {
    // The best path is "blank blank" (0.36) but the label [0] has 0.6·0.4 + 0.4·0.6 + 0.4·0.4 = 0.64 over its three alignments.
    const lp = rows([0.4, 0.0001, 0.5999], [0.4, 0.0001, 0.5999]);
    assert.deepEqual(greedyDecode(lp, 2, 3), []);
    const best = beamDecode(lp, 2, 3, 8);
    assert.deepEqual(best[0]!.label, [0]);
    assert.ok(Math.abs(Math.exp(best[0]!.logProb) - Math.exp(-ctcSequence(lp, 2, 3, [0]).nll)) < 1e-12, 'the beam\'s probability is the CTC probability');
  });

  it('with a length, only labels of that length come out, each with its CTC probability', () => {
    // A doubled class whose columns carry no blank between them: the free reading merges it into one.
    // K = 3 (classes 0, 1; blank 2); the true text is [0, 0, 1].
    const lp = rows([0.9, 0.05, 0.05], [0.6, 0.05, 0.35], [0.9, 0.05, 0.05], [0.05, 0.9, 0.05]);
    assert.deepEqual(beamDecode(lp, 4, 3, 8)[0]!.label, [0, 1], 'free: one character short');
    const fixed = beamDecode(lp, 4, 3, 8, 3);
    assert.deepEqual(fixed[0]!.label, [0, 0, 1]);
    for (const { label, logProb } of fixed) {
      assert.equal(label.length, 3);
      assert.ok(Math.abs(logProb + ctcSequence(lp, 4, 3, label, false).nll) < 1e-9, JSON.stringify(label));
    }
    assert.deepEqual(beamDecode(lp, 4, 3, 8, 5), [], 'no label of 5 classes fits 4 columns');
  });

  it('a length keeps the exhaustive beam\'s labels of that length, in the same order', () => {
    const rng = new Rng(12);
    const [T, K] = [6, 3];
    const lp = logSoftmaxRows(Float64Array.from({ length: T * K }, () => rng.normal()), T, K);
    const all = beamDecode(lp, T, K, 10_000).filter((b) => b.label.length === 3);
    const fixed = beamDecode(lp, T, K, 10_000, 3);
    assert.deepEqual(fixed.map((b) => b.label), all.map((b) => b.label));
  });

  it('with a wide beam, every label\'s probability is its CTC probability', () => {
    const rng = new Rng(11);
    const [T, K] = [5, 3];
    const lp = logSoftmaxRows(Float64Array.from({ length: T * K }, () => rng.normal()), T, K);
    for (const { label, logProb } of beamDecode(lp, T, K, 1000)) {
      assert.ok(Math.abs(logProb + ctcSequence(lp, T, K, label, false).nll) < 1e-9, JSON.stringify(label));
    }
  });
});
