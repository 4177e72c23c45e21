import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { readLossBatches } from '../../src-core/engine/reads.ts';
import { tf } from '../../src-core/engine/tf.ts';
import type { IterationLosses } from '../../src-core/training/job.ts';
import { useBackend } from '../helpers.ts';
import { memoryOverIterations, smallGanJob } from '../support/gan-job.ts';
import { randomImages } from '../../src-core/bench/train-bench.ts';
import { BatchSampler } from '../../src-core/data/sampler.ts';
import { resolveConfig } from '../../src-core/presets/resolve.ts';
import type { GanJobConfig } from '../../src-core/presets/types.ts';
import { createGanJob } from '../../src-core/training/gan-job.ts';

describe('losses stay on the device until the runner reads a batch of them', () => {
  before(() => useBackend('wasm'));

  it('readLossBatches reads numbers and scalars of several iterations in order, and disposes the scalars', async () => {
    const before = tf.memory().numTensors;
    const batches: IterationLosses[] = [
      { d: tf.scalar(1.5), g: 2 },
      { d: tf.scalar(-3), wasserstein: tf.scalar(0.25), g: tf.scalar(7) },
      {},
    ];
    assert.deepEqual(await readLossBatches(batches), [{ d: 1.5, g: 2 }, { d: -3, wasserstein: 0.25, g: 7 }, {}]);
    assert.equal(tf.memory().numTensors, before, 'every scalar read is disposed');
  });

  for (const preset of ['captcha-wdcgan-update', 'captcha-wdcgan-gp']) {
    it(`${preset}: an iteration returns its losses as device scalars; read in a batch, nothing is left behind`, async () => {
      const job = smallGanJob(preset);
      await readLossBatches([await job.runIteration()]); // the optimisers' slots are made on the first step
      const before = tf.memory().numTensors;
      const pending: IterationLosses[] = [];
      for (let i = 0; i < 3; i++) pending.push(await job.runIteration());
      assert.ok(Object.values(pending[0]!).every((v) => typeof v !== 'number'), 'no loss was read back during the iteration');
      assert.equal(tf.memory().numTensors, before + 3 * Object.keys(pending[0]!).length, 'only the loss scalars wait');
      const read = await readLossBatches(pending);
      assert.equal(tf.memory().numTensors, before);
      for (const losses of read) for (const [k, v] of Object.entries(losses)) assert.ok(Number.isFinite(v), `${k} = ${v}`);
      if (preset.endsWith('-gp')) assert.ok(read.every((l) => l.gp! > 0), 'the penalty is reported');
      job.dispose();
    });
  }

  it('the adaptive schedule still sees every iteration\'s Wasserstein estimate and switches', async () => {
    // A window of 2 and no steadiness needed: it switches as soon as the estimate falls twice (SPEC §6's rule, made quick).
    const job = smallGanJob('captcha-wdcgan-update-adaptive', { schedule: JSON.stringify({ kind: 'adaptive', early: { d: 5, g: 1 }, late: { d: 1, g: 5 }, window: 2, steadiness: 0 }) });
    const notes: string[] = [];
    for (let i = 0; i < 40 && notes.length === 0; i++) {
      await readLossBatches([await job.runIteration()]);
      notes.push(...job.notes());
    }
    assert.match(notes[0] ?? '', /schedule switched/);
    job.dispose();
  });

  // Any leak shows within a few iterations (the counts must be equal); GWB_LONG_TESTS=1 runs the 1,000.
  const iterations = process.env.GWB_LONG_TESTS === '1' ? 1000 : 150;
  it(`${iterations} iterations with losses read in batches of 50 leave tf.memory() as after the first`, async () => {
    const job = smallGanJob('captcha-fc-wgan');
    const { before, after } = await memoryOverIterations(job, iterations);
    assert.equal(after.numTensors, before.numTensors);
    assert.equal(after.numBytes, before.numBytes);
    job.dispose();
  });

  it('a label-conditioned GAN trains on an alphabet smaller than the thesis\'s 32 (an imported dataset\'s), and refuses a larger one', async () => {
    const config = resolveConfig('captcha-dcgan-label', { batchSize: '4', 'data.count': '16' }) as GanJobConfig;
    const data = { ...randomImages(config, 16), classes: 3, labels: Int32Array.from({ length: 16 }, (_, i) => i % 3) };
    const job = createGanJob(config, data, new BatchSampler(data, 4, 1));
    const [losses] = await readLossBatches([await job.runIteration()]);
    assert.ok(Number.isFinite(losses!.d) && Number.isFinite(losses!.g), JSON.stringify(losses));
    job.dispose();
    const wide = { ...data, classes: 40 };
    assert.throws(() => createGanJob(config, wide, new BatchSampler(wide, 4, 1)), /alphabets of up to 32 characters/);
  });
});
