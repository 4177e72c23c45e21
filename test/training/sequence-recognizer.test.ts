import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ImageSet } from '../../src-core/data/image-set.ts';
import { tf } from '../../src-core/engine/tf.ts';
import { resolveConfig } from '../../src-core/presets/resolve.ts';
import type { RecognizerJobConfig } from '../../src-core/presets/types.ts';
import type { JobState } from '../../src-core/training/job.ts';
import { createSequenceRecognizerJob, fittingColumnWidth } from '../../src-core/training/sequence-recognizer-job.ts';
import { decodeScores, fitTemperature, loadSequenceRecognizer, sequenceConfidence } from '../../src-core/training/sequence-reading.ts';
import { type BestEvaluation, judgeEvaluation } from '../../src-core/training/sequence-validation.ts';
import { editDistance, expectedCalibrationError } from '../../src-core/metrics/sequence-measures.ts';
import { fixedLengthOf } from '../../src-core/training/ctc.ts';
import { buildSequenceRecognizer, sequenceInputWidth } from '../../src-core/models/captcha-sequence.ts';
import { COLUMN_WIDTHS } from '../../src-core/presets/vocabulary.ts';
import { netTensors } from '../../src-core/training/checkpoint.ts';
import { disposeNetwork, trainableVariables } from '../../src-core/models/network.ts';
import { ctcLoss } from '../../src-core/training/ctc.ts';
import { Rng } from '../../src-core/util/rng.ts';
import { relativeError, seeded, useBackend } from '../helpers.ts';

/**
 * Every 3-character text over 3 classes, each character in an 8×8 cell: class 0 ink in
 * the top half, class 1 in the bottom half, class 2 a vertical bar. Twice over, so the
 * validation split holds repeats and the training split holds every text.
 */
function tinyCaptchas(): ImageSet {
  const H = 8;
  const W = 24;
  const texts = Array.from({ length: 27 }, (_, n) => [n % 3, Math.floor(n / 3) % 3, Math.floor(n / 9)]);
  const all = [...texts, ...texts];
  const images = new Float32Array(all.length * H * W);
  all.forEach((text, i) => text.forEach((k, c) => {
    for (let y = 0; y < H; y++) for (let x = 0; x < 8; x++) {
      // A blank column each side of every character: two equal neighbours stay two.
      const ink = x >= 1 && x < 7 && (k === 0 ? y < 4 : k === 1 ? y >= 4 : x >= 3 && x < 5);
      if (ink) images[i * H * W + y * W + c * 8 + x] = 1;
    }
  }));
  return {
    images, count: all.length, height: H, width: W, channels: 1, labels: null, classes: 3,
    sequences: all.map((t) => Int32Array.from(t)), description: 'tiny', skipped: [],
  };
}

/** A job state's tensors under `prefix` ("R/", "avg/R/", "best/R/"), keyed without it. */
const tensorsOf = (state: JobState, prefix: string) => Object.fromEntries(Object.entries(state.tensors).filter(([k]) => k.startsWith(prefix)).map(([k, v]) => [k.slice(prefix.length), v.values]));

describe('the segmentation-free recogniser', () => {
  it('learns a tiny synthetic set to 100% within 300 steps, without leaking tensors', async () => {
    await useBackend('wasm');
    const config = resolveConfig('captcha-recognizer-ctc', {
      augment: 'false', evalEvery: '50', patience: '0', batchSize: '16', steps: '300', testSplit: '0', validationSplit: '0.1', 'optimizer.learningRate': '3e-3',
    }) as RecognizerJobConfig;
    const data = tinyCaptchas();
    const job = createSequenceRecognizerJob(config, data);
    try {
      await job.runIteration();
      const before = tf.memory().numTensors;
      await job.runIteration();
      assert.equal(tf.memory().numTensors, before, 'an iteration leaves no tensors behind');
      let step = 2;
      let all = false;
      const texts = data.sequences!.slice(0, 27);
      const images = data.images.subarray(0, 27 * 8 * 24);
      while (step < 300 && !all) {
        await job.runIteration();
        step += 1;
        if (step % 25 === 0) all = (await job.read(images, 27)).every((r, i) => r.label.join() === Array.from(texts[i]!).join());
      }
      assert.ok(all, `not every text read after ${step} steps: ${JSON.stringify((await job.read(images, 27)).map((r) => r.label.join('')))}`);
      const e = await job.evaluate('validation');
      assert.equal(e.captchaAccuracy, 1);
      assert.ok(e.calibrationError < 0.5);
      // Every text read: the mean probability of the true texts is at least that of the texts read, and at most 1.
      assert.ok(e.textProbability > 0.5 && e.textProbability <= 1, `mean probability of the true texts ${e.textProbability}`);
    } finally {
      job.dispose();
    }
  });

  for (const columnWidth of COLUMN_WIDTHS) it(`its gradients through CTC on wasm equal the cpu backend's (whole model at ${columnWidth}-pixel columns: BN, 1 × 5 convolutions, the column transpose)`, async () => {
    const gradients = async (backend: 'cpu' | 'wasm') => {
      await useBackend(backend);
      const net = buildSequenceRecognizer(new Rng(1), 19, 64, columnWidth);
      const x = tf.tensor4d(seeded([3, 32, 64, 1], 4), [3, 32, 64, 1]);
      const { value, grads } = tf.variableGrads(
        () => ctcLoss(net.apply(tf.abs(x), { training: true }) as tf.Tensor3D, [[1, 2, 3], [4, 4], [5]]), trainableVariables(net),
      );
      const out = new Map(net.params.filter((p) => p.trainable).map((p) => [p.name, grads[p.variable.name]!.dataSync() as Float32Array]));
      tf.dispose([x, value, ...Object.values(grads)]);
      disposeNetwork(net);
      return out;
    };
    const reference = await gradients('cpu');
    const candidate = await gradients('wasm');
    for (const [name, g] of reference) {
      const err = relativeError(g, candidate.get(name)!);
      assert.ok(err < 1e-4, `${name}: relative error ${err.toExponential(2)}`);
    }
  });

  it('column widths: 8 joins neighbouring 4-pixel columns, half as many; a stored recogniser loads with the width it was trained at; too long a text falls back to 4', async () => {
    await useBackend('cpu');
    for (const columnWidth of COLUMN_WIDTHS) {
      const built = buildSequenceRecognizer(new Rng(2), 19, sequenceInputWidth(200, 50, columnWidth), columnWidth);
      assert.equal(built.columns, 128 / columnWidth, '200 × 50 is read at 128 × 32');
      const weights = netTensors('R', built);
      const loaded = loadSequenceRecognizer(weights, 19, 200, 50);
      assert.equal(loaded.columns, built.columns);
      const x = tf.tensor4d(seeded([1, 32, 128, 1], 3), [1, 32, 128, 1]);
      const [a, b] = [built, loaded].map((n) => n.apply(x, { training: false }).dataSync());
      assert.deepEqual(Array.from(b!), Array.from(a!), 'the loaded net reads as the one saved');
      tf.dispose(x);
      disposeNetwork(built);
      disposeNetwork(loaded);
    }
    // 200 × 50 gives 16 columns at 8: enough for 5 characters, not for 9 with repeats (17 columns).
    assert.equal(fittingColumnWidth(8, 200, 50, 5), 8);
    assert.equal(fittingColumnWidth(8, 200, 50, 17), 4);
    assert.equal(fittingColumnWidth(4, 200, 50, 5), 4);
  });

  it('early stopping and the rate schedule: plateau evaluations are not stalls, a tie keeps the later weights but still stalls, every 3rd stall halves the rate until the 8th stops', () => {
    const config = { patience: 8, reduceLearningRateAfter: 3, validationMeasure: 'captcha-accuracy' as const };
    const at = (captchaAccuracy: number) => ({ captchaAccuracy, characterAccuracy: captchaAccuracy, textProbability: 0.5 });
    let best: BestEvaluation | null = null;
    let stalls = 0;
    const trace: string[] = [];
    for (const a of [0, 0, 0, 0.5, 0.4, 0.4, 0.4, 0.6, 0.5, 0.6, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5]) {
      const v = judgeEvaluation(config, best, stalls, at(a));
      if (v.improved) best = { score: v.score, captchaAccuracy: a };
      stalls = v.stalls;
      trace.push(`${v.improved ? '+' : ''}${v.stop ? 'stop' : v.halveRate ? 'halve' : String(v.stalls)}`);
    }
    // The first 0 is the first best; the next two are CTC's all-blank plateau, not stalls (nor ties).
    // 0.6 again ties the best: its later weights are kept ('+'), but it is no gain, so still a stall.
    assert.deepEqual(trace, ['+0', '0', '0', '+0', '1', '2', 'halve', '+0', '1', '+2', 'halve', '4', '5', 'halve', '7', 'stop']);
    assert.equal(judgeEvaluation({ ...config, reduceLearningRateAfter: 0 }, { score: 0.9, captchaAccuracy: 0.9 }, 2, at(0.5)).halveRate, false, '0: never');
  });

  it('judged by the probability of the true texts, an evaluation that reads every captcha still counts as a gain or a stall by how sure it is', () => {
    const config = { patience: 3, reduceLearningRateAfter: 2, validationMeasure: 'text-probability' as const };
    let best: BestEvaluation | null = null;
    let stalls = 0;
    const trace: string[] = [];
    // [captchas read whole, mean probability of the true texts]: a plateau, then every captcha read from the 4th evaluation.
    for (const [a, p] of [[0, 1e-6], [0, 1e-7], [0.5, 0.3], [1, 0.9], [1, 0.95], [1, 0.94], [1, 0.96], [0.99, 0.97], [1, 0.95], [1, 0.95], [1, 0.95]] as const) {
      const v = judgeEvaluation(config, best, stalls, { captchaAccuracy: a, characterAccuracy: a, textProbability: p });
      if (v.improved) best = { score: v.score, captchaAccuracy: a };
      stalls = v.stalls;
      trace.push(`${v.improved ? '+' : ''}${v.stop ? 'stop' : v.halveRate ? 'halve' : String(v.stalls)}`);
    }
    // Judged by captchas read, the 5th evaluation on would only tie (1 = 1): here 0.95 and 0.96 are gains, and the
    // 8th, one captcha short but surer of the rest, is the best kept.
    assert.deepEqual(trace, ['+0', '0', '+0', '+0', '+0', '1', '+0', '+0', '1', 'halve', 'stop']);
    assert.equal(best?.score, 0.97);
  });

  it('reports each halving of the rate and the early stop once, as notes for the live view', async () => {
    await useBackend('wasm');
    // Judged by captchas read whole: the tiny set's validation captchas are soon all read, and then nothing is better.
    const config = resolveConfig('captcha-recognizer-ctc', {
      augment: 'false', evalEvery: '20', patience: '3', reduceLearningRateAfter: '1', batchSize: '16', testSplit: '0', validationSplit: '0.1', 'optimizer.learningRate': '3e-3',
      validationMeasure: 'captcha-accuracy', selectionValidationCaptchas: '0',
    }) as RecognizerJobConfig;
    const job = createSequenceRecognizerJob(config, tinyCaptchas());
    const notes: string[] = [];
    try {
      // Once it reads the tiny set's validation captchas it cannot do better, so evaluations stall.
      for (let step = 0; step < 600 && !job.finished!(); step++) {
        await job.runIteration();
        notes.push(...job.notes());
      }
      assert.ok(job.finished!(), `not stopped: ${JSON.stringify(notes)}`);
      assert.equal(notes.length, 3, JSON.stringify(notes));
      assert.match(notes[0]!, /^learning rate halved to 0\.00150: 1 evaluations/);
      assert.match(notes[1]!, /^learning rate halved to 0\.000750: 2 evaluations/);
      assert.match(notes[2]!, /^early stop: no better validation accuracy for 3 evaluations/);
      assert.deepEqual(job.notes(), [], 'each reported once');
    } finally {
      job.dispose();
    }
  });

  it('a checkpoint carries the lowered learning rate; one from before rate schedules resumes at the configured rate; one from before validation measures keeps its best', async () => {
    await useBackend('cpu');
    const config = resolveConfig('captcha-recognizer-ctc', { augment: 'false', testSplit: '0', batchSize: '4' }) as RecognizerJobConfig;
    const job = createSequenceRecognizerJob(config, tinyCaptchas());
    try {
      const state = job.getState();
      assert.equal((state.meta as { learningRate: number }).learningRate, 1e-3);
      job.setState({ ...state, meta: { ...state.meta, learningRate: 2.5e-4 } });
      assert.equal((job.getState().meta as { learningRate: number }).learningRate, 2.5e-4);
      const { learningRate: _lr, ...old } = state.meta as Record<string, unknown>;
      job.setState({ ...state, meta: old });
      assert.equal((job.getState().meta as { learningRate: number }).learningRate, 1e-3);
      // Before validation measures the best was kept as its accuracy score alone: it reads as that score, a captcha read.
      job.setState({ ...state, meta: { ...state.meta, best: { accuracy: 0.5005, step: 300 } } });
      assert.deepEqual((job.getState().meta as { best: unknown }).best, { score: 0.5005, captchaAccuracy: 0.5005, step: 300 });
      job.setState({ ...state, meta: { ...state.meta, best: { accuracy: 0.0009, step: 100 } } });
      assert.deepEqual((job.getState().meta as { best: unknown }).best, { score: 0.0009, captchaAccuracy: 0, step: 100 }, 'the plateau: no captcha read');
    } finally {
      job.dispose();
    }
  });

  it('weight averaging: the average is the warmed-up moving average of every variable, lent to evaluations, checkpointed, and resumed exactly', async () => {
    await useBackend('wasm');
    const config = resolveConfig('captcha-recognizer-ctc', {
      augment: 'false', testSplit: '0', batchSize: '4', evalEvery: '1000', weightAverage: '0.5',
    }) as RecognizerJobConfig;
    const job = createSequenceRecognizerJob(config, tinyCaptchas());
    const twin = createSequenceRecognizerJob(config, tinyCaptchas());
    try {
      let average = tensorsOf(job.getState(), 'R/');
      assert.deepEqual(tensorsOf(job.getState(), 'avg/R/'), average, 'it starts at the initial weights');
      for (let n = 1; n <= 3; n++) {
        await job.runIteration();
        // The decay warms up: min(0.5, (1 + n) / (10 + n)) after step n.
        const d = Math.min(0.5, (1 + n) / (10 + n));
        const own = tensorsOf(job.getState(), 'R/');
        average = Object.fromEntries(Object.entries(own).map(([k, w]) => [k, w.map((v, i) => d * average[k]![i]! + (1 - d) * v)]));
        const kept = tensorsOf(job.getState(), 'avg/R/');
        for (const [k, w] of Object.entries(average)) assert.ok(relativeError(kept[k]!, w) < 1e-5, `step ${n}, ${k}`);
      }
      // Before any evaluation the weights a report reads are the average, and training's own come back after.
      const lent = await job.recordedWeights();
      for (const [k, w] of Object.entries(average)) assert.ok(relativeError(lent[`R/${k}`]!.values, w) < 1e-5, k);
      const own = tensorsOf(job.getState(), 'R/');
      await job.withRecordedWeights(async () => {
        assert.ok(relativeError(tensorsOf(job.getState(), 'R/')['columns/kernel']!, average['columns/kernel']!) < 1e-5);
      });
      assert.deepEqual(tensorsOf(job.getState(), 'R/'), own);
      // Resumed from the checkpoint, a job continues exactly, average included.
      twin.setState(job.getState());
      await job.runIteration();
      await twin.runIteration();
      assert.deepEqual(tensorsOf(twin.getState(), 'avg/R/'), tensorsOf(job.getState(), 'avg/R/'));
      assert.deepEqual(tensorsOf(twin.getState(), 'R/'), tensorsOf(job.getState(), 'R/'));
    } finally {
      job.dispose();
      twin.dispose();
    }
  });

  it('a validation split too small to choose by: the run records its last averaged weights, not the best evaluation\'s; large enough, the best', async () => {
    await useBackend('wasm');
    const recordedAfter = async (selection: string) => {
      const config = resolveConfig('captcha-recognizer-ctc', {
        augment: 'false', testSplit: '0', validationSplit: '0.1', batchSize: '4', evalEvery: '2', patience: '0', weightAverage: '0.5', selectionValidationCaptchas: selection,
      }) as RecognizerJobConfig;
      const job = createSequenceRecognizerJob(config, tinyCaptchas());
      try {
        // The first evaluation (step 2) is the best so far whatever it reads; 3 steps more move the average on.
        for (let n = 0; n < 5; n++) await job.runIteration();
        const state = job.getState();
        const recorded = await job.recordedWeights();
        const lent = await job.withRecordedWeights(async () => tensorsOf(job.getState(), 'R/'));
        assert.deepEqual(tensorsOf(job.getState(), 'R/'), tensorsOf(state, 'R/'), 'training\'s own weights come back');
        return { selects: job.selectsByValidation, notes: job.notes(), recorded, lent, average: tensorsOf(state, 'avg/R/'), best: tensorsOf(state, 'best/R/') };
      } finally {
        job.dispose();
      }
    };
    // 54 captchas: 5 for validation, fewer than the preset's 50.
    const small = await recordedAfter('50');
    assert.equal(small.selects, false);
    assert.ok(small.notes.some((n) => n.startsWith('5 validation captchas are too few to choose the weights by')), small.notes.join('\n'));
    const chosen = await recordedAfter('5');
    assert.equal(chosen.selects, true);
    assert.ok(!chosen.notes.some((n) => n.includes('too few to choose')));
    const key = 'columns/kernel';
    assert.notDeepEqual(small.best[key], small.average[key], 'the best snapshot (step 2) and the average (step 5) differ');
    assert.deepEqual(small.recorded[`R/${key}`]!.values, small.average[key], 'too small: the average is recorded');
    assert.deepEqual(small.lent[key], small.average[key], 'and lent');
    assert.deepEqual(chosen.recorded[`R/${key}`]!.values, chosen.best[key], 'large enough: the best snapshot is recorded');
    assert.deepEqual(chosen.lent[key], chosen.best[key], 'and lent');
  });

  it('pretraining on the synthesiser\'s captchas goes on while it cannot read them, ends at the first evaluation that reads half, stops at its limit, and resumes exactly', async () => {
    await useBackend('wasm');
    // The tiny set's own texts stand in for a fitted synthesiser's captchas: the network can learn them.
    const withSynthetic = (): ImageSet => {
      const d = tinyCaptchas();
      return { ...d, synthetic: { images: d.images.slice(), sequences: d.sequences!.map((t) => t.slice()), count: d.count, description: 'tiny texts' } };
    };
    const configOf = (o: Record<string, string>) => resolveConfig('captcha-recognizer-ctc', {
      augment: 'false', testSplit: '0', validationSplit: '0.1', batchSize: '16', evalEvery: '10', patience: '0', weightAverage: '0.5',
      'optimizer.learningRate': '3e-3', synthPretrainSteps: '2', ...o,
    }) as RecognizerJobConfig;
    /** Steps until the first real batch (or `limit`), the notes on the way and the job at that point. */
    const pretrain = async (job: ReturnType<typeof createSequenceRecognizerJob>, limit: number) => {
      const notes: string[] = [];
      let synthetic = 0;
      while (job.iteration < limit && job.pretraining) {
        const losses = await job.runIteration();
        if ('ctc_synthetic' in losses) synthetic += 1;
        notes.push(...job.notes());
      }
      return { notes, synthetic };
    };
    // Extended: unread at step 2, so it goes on; it ends at an evaluation step once half are read, then trains on the real captchas.
    const job = createSequenceRecognizerJob(configOf({ synthPretrainMaxSteps: '400' }), withSynthetic());
    const twin = createSequenceRecognizerJob(configOf({ synthPretrainMaxSteps: '400' }), withSynthetic());
    try {
      const first = await pretrain(job, 5);
      assert.ok(first.notes.some((n) => /^pretraining for 2 steps \(up to 400 while it reads fewer than 50 % of them\) on tiny texts$/.test(n)), first.notes.join('\n'));
      assert.ok(first.notes.some((n) => /^pretraining goes on past step 2: the averaged weights read \d+\.\d % of 54 of the synthesiser's captchas/.test(n)), first.notes.join('\n'));
      assert.equal(job.pretraining, true);
      twin.setState(job.getState());
      const rest = await pretrain(job, 400);
      const ended = rest.notes.map((n) => /^pretraining ended at step (\d+): the averaged weights read (\d+) %/.exec(n)).find(Boolean);
      assert.ok(ended, rest.notes.join('\n'));
      const end = Number(ended[1]);
      assert.ok(end > 5 && end % 10 === 0 && Number(ended[2]) >= 50, ended[0]);
      assert.equal(job.iteration, end);
      assert.ok('ctc' in await job.runIteration(), 'the step after trains on the real captchas');
      // The checkpoint taken mid-pretraining resumes exactly: the same end, the same weights.
      const resumed = await pretrain(twin, 400);
      assert.equal(twin.iteration, end);
      assert.ok(resumed.notes.includes(ended.input), `${ended.input} / ${resumed.notes.join(' · ')}`);
      await twin.runIteration();
      assert.deepEqual(tensorsOf(twin.getState(), 'R/'), tensorsOf(job.getState(), 'R/'));
      // A checkpoint from before extended pretraining (no such fields) past synthPretrainSteps resumes on the real captchas.
      const legacy = job.getState();
      delete (legacy.meta as Record<string, unknown>).pretrainedUntil;
      delete (legacy.meta as Record<string, unknown>).pretrainingExtended;
      twin.setState(legacy);
      assert.equal(twin.pretraining, false);
    } finally {
      job.dispose();
      twin.dispose();
    }
    // A limit: at a rate too low to learn in 20 steps it stops there and says so.
    const slow = createSequenceRecognizerJob(configOf({ synthPretrainMaxSteps: '20', 'optimizer.learningRate': '1e-5' }), withSynthetic());
    // No extension (the default of earlier versions): exactly synthPretrainSteps, without a word about reading.
    const fixed = createSequenceRecognizerJob(configOf({ synthPretrainMaxSteps: '0', 'optimizer.learningRate': '1e-5' }), withSynthetic());
    try {
      const capped = await pretrain(slow, 100);
      assert.equal(slow.iteration, 20);
      assert.equal(capped.synthetic, 20);
      assert.ok(capped.notes.some((n) => /^pretraining stopped at its limit, step 20, reading only \d+(\.\d)? % of 54/.test(n)), capped.notes.join('\n'));
      const exact = await pretrain(fixed, 100);
      assert.equal(exact.synthetic, 2);
      assert.deepEqual(exact.notes.filter((n) => n.startsWith('pretraining')), ['pretraining for 2 steps on tiny texts']);
    } finally {
      slow.dispose();
      fixed.dispose();
    }
  });

  it('temperature scaling: an overconfident reader is cooled (T > 1) and its calibration error falls; a calibrated one is left near 1', () => {
    // One column per character, blank last: each captcha reads "0" with a sharp score; the reader is right 60% of the time.
    const T = 2;
    const K = 3;
    const rng = new Rng(5);
    const make = (sharpness: number) => Array.from({ length: 200 }, () => {
      const sc = new Float32Array(T * K);
      sc[0] = sharpness + rng.normal() * 0.3; // column 0: "0"
      sc[1 * K + 2] = sharpness; // column 1: blank
      return sc;
    });
    const labels = Array.from({ length: 200 }, () => [0]);
    const correct = Array.from({ length: 200 }, (_, i) => i % 5 < 3);
    const sharp = make(8);
    const confidence = (t: number) => sharp.map((sc) => sequenceConfidence(sc, T, K, [0], t));
    const t = fitTemperature(sharp, labels, correct, T, K);
    assert.ok(t > 1.5, `fitted temperature ${t}`);
    const before = expectedCalibrationError(confidence(1), correct);
    const after = expectedCalibrationError(confidence(t), correct);
    assert.ok(before > 0.3 && after < 0.1, `calibration error ${before.toFixed(3)} → ${after.toFixed(3)}`);
    // Scores of 1.5 give p("0") ≈ 0.61 (summed over its CTC alignments): already calibrated, so the fit stays near 1.
    const fair = make(1.5);
    assert.ok(expectedCalibrationError(fair.map((sc) => sequenceConfidence(sc, T, K, [0], 1)), correct) < 0.1);
    const t2 = fitTemperature(fair, labels, correct, T, K);
    assert.ok(t2 > 0.6 && t2 < 1.6, `fitted temperature ${t2}`);
    // Four wrong readings in 200: too few to fit from; the temperature stays 1.
    assert.equal(fitTemperature(sharp, labels, correct.map((_, i) => i >= 4), T, K), 1);
  });

  it('known-length reading: the texts\' one length when asked for and they agree; a merged double read whole, any length as the fallback', () => {
    const fixed = { fixedLength: true };
    assert.equal(fixedLengthOf(fixed, [Int32Array.of(1, 2, 3), Int32Array.of(3, 3, 0)]), 3);
    assert.equal(fixedLengthOf(fixed, [Int32Array.of(1, 2, 3), Int32Array.of(3, 3)]), null, 'texts of two lengths');
    assert.equal(fixedLengthOf({ fixedLength: false }, [Int32Array.of(1, 2, 3)]), null, 'not asked for');
    // Scores (pre-softmax) over classes 0, 1 and the blank: "0 0 1" whose doubled 0 has no blank column between.
    const scores = Float32Array.from([[3, 0, 0], [2, 0, 1.5], [3, 0, 0], [0, 3, 0]].flat());
    assert.deepEqual(decodeScores(scores, 4, 3, { beamWidth: 1, length: null }), [0, 1]);
    assert.deepEqual(decodeScores(scores, 4, 3, { beamWidth: 1, length: 3 }), [0, 0, 1]);
    // No text of 5 fits 4 columns: the reading of any length rather than none.
    assert.deepEqual(decodeScores(scores, 4, 3, { beamWidth: 1, length: 5 }), [0, 1]);
  });

  it('edit distance and the expected calibration error on constructed cases', () => {
    assert.equal(editDistance([1, 2, 3], [1, 2, 3]), 0);
    assert.equal(editDistance([1, 2, 3], [1, 3]), 1);
    assert.equal(editDistance([], [4, 4]), 2);
    assert.equal(editDistance([1, 2], [2, 1]), 2);
    // Ten readings at 90% confidence: calibrated when 9 are right, 0.4 off when 5 are.
    const nineTenths = new Array<number>(10).fill(0.9);
    assert.ok(Math.abs(expectedCalibrationError(nineTenths, [...new Array<boolean>(9).fill(true), false])) < 1e-12);
    assert.ok(Math.abs(expectedCalibrationError(nineTenths, [...new Array<boolean>(5).fill(true), ...new Array<boolean>(5).fill(false)]) - 0.4) < 1e-12);
    // Two bins weighted by their shares: 0.25 · |1 − 0.3| + 0.75 · |0 − 0.8|.
    assert.ok(Math.abs(expectedCalibrationError([0.3, 0.8, 0.8, 0.8], [true, false, false, false]) - (0.25 * 0.7 + 0.75 * 0.8)) < 1e-12);
  });
});
