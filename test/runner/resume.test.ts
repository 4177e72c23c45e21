import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { BackendName } from '../../src-core/engine/backend.ts';
import { resolveConfig } from '../../src-core/presets/resolve.ts';
import type { RunEvent } from '../../src-core/runner/events.ts';
import { CheckpointError, readCheckpoint, writeCheckpoint } from '../../src-core/training/checkpoint.ts';
import { recordCheckpoint } from '../../src-core/store/checkpoints.ts';
import { createRun, previousCheckpointPath } from '../../src-core/runner/run-folder.ts';
import { runJob } from '../../src-core/runner/run-job.ts';
import { openStore } from '../../src-core/store/index.ts';
import { tempDir } from '../helpers.ts';
import { resumeInProcess, trainInProcess } from '../run-helpers.ts';

/** Small but complete runs: tiny batch and data so each case takes seconds. */
const SMALL = { batchSize: '8', 'data.count': '48', checkpointEvery: '1000', progressEvery: '1' };

function train(home: string, preset: string, backend: BackendName, steps: number) {
  const ganOnly: Record<string, string> = preset === 'captcha-recognizer-ctc' ? { evalEvery: '2', patience: '100' }
    : preset === 'captcha-recognizer' ? {} : { sampleEvery: '0' };
  return trainInProcess(home, preset, { ...SMALL, ...ganOnly, steps: String(steps * 2) }, { backend, steps });
}

function maxDifference(a: string, b: string): number {
  const x = readCheckpoint(a).state;
  const y = readCheckpoint(b).state;
  assert.equal(x.iteration, y.iteration);
  assert.deepEqual(Object.keys(x.tensors).sort(), Object.keys(y.tensors).sort());
  let worst = 0;
  for (const [name, t] of Object.entries(x.tensors)) {
    const u = y.tensors[name]!.values;
    t.values.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - u[i]!))));
  }
  return worst;
}

const CASES: [string, BackendName, number][] = [
  // labels, selective clipping, parameter-free batch norm, smoothing tail
  ['captcha-wdcgan-label-update', 'wasm', 2],
  // the adaptive schedule's state
  ['captcha-wdcgan-update-adaptive', 'wasm', 2],
  // the gradient penalty's α stream
  ['captcha-wdcgan-gp', 'wasm', 2],
  ['captcha-fc-wgan-gp', 'cpu', 3],
  ['captcha-recognizer', 'wasm', 4],
  // Augmented batches, early-stopping state and the best weights all travel in the checkpoint.
  ['captcha-recognizer-ctc', 'wasm', 3],
];

describe('resume is exact: N steps + stop + resume N steps = 2N straight steps', () => {
  for (const [preset, backend, n] of CASES) {
    it(`${preset} on ${backend}, N = ${n}`, async () => {
      const home = tempDir();
      const straight = await train(home, preset, backend, 2 * n);
      const split = await train(home, preset, backend, n);
      const resumed = await resumeInProcess(split, n);
      const started = resumed.find((e) => e.type === 'started');
      assert.ok(started && started.type === 'started' && started.fromStep === n);
      const diff = maxDifference(straight.checkpoint, split.checkpoint);
      assert.ok(diff <= 1e-5, `weights differ by ${diff}`);
      // The clock continues too: the resumed run's seconds exceed the first session's.
      const done = resumed.find((e) => e.type === 'done');
      assert.ok(done?.type === 'done' && done.summary.steps === 2 * n);
    });
  }

  it('negative control: a resume that does not restore the RNG state diverges', async () => {
    const home = tempDir();
    // The FC WGAN-GP draws noise and the penalty's α from the same stream as the conv nets, at a tenth of the cost.
    const straight = await train(home, 'captcha-fc-wgan-gp', 'wasm', 4);
    const split = await train(home, 'captcha-fc-wgan-gp', 'wasm', 2);
    const file = split.checkpoint;
    const ckpt = readCheckpoint(file);
    // Put the noise stream back to a fresh one, as a resume that forgot the RNG would.
    ckpt.state.meta.noiseRng = [1, 2, 3, 4];
    // Recorded in the store as the runner would, else resume refuses a file it did not write.
    recordCheckpoint(split.db, split.run.pk, { step: 2, path: file, ...writeCheckpoint(file, ckpt.state, ckpt.seconds), previousPath: null });
    await resumeInProcess(split, 2);
    const diff = maxDifference(straight.checkpoint, file);
    assert.ok(diff > 1e-5, `expected divergence, got ${diff}`);
  });
});

describe('checkpoints', () => {
  it('a damaged checkpoint is refused, not half-loaded', async () => {
    const home = tempDir();
    const run = await train(home, 'captcha-fc-wgan', 'wasm', 1);
    const file = run.checkpoint;
    const bytes = readFileSync(file);
    bytes[bytes.length - 5] = bytes[bytes.length - 5]! ^ 0xff;
    writeFileSync(file, bytes);
    assert.throws(() => readCheckpoint(file), /damaged/);
  });

  it('a damaged header is detected too (the checksum covers the whole file)', async () => {
    const run = await train(tempDir(), 'captcha-fc-wgan', 'wasm', 1);
    const bytes = readFileSync(run.checkpoint);
    const at = bytes.indexOf('"iteration":1');
    bytes[at + 12] = '7'.charCodeAt(0);
    writeFileSync(run.checkpoint, bytes);
    assert.throws(() => readCheckpoint(run.checkpoint), /damaged/);
  });

  it('resume falls back to the previous checkpoint when the latest is damaged, and names both files when both are', async () => {
    const home = tempDir();
    const run = await trainInProcess(home, 'captcha-fc-wgan', { ...SMALL, checkpointEvery: '1', steps: '6' }, { backend: 'wasm', steps: 2 });
    const previous = previousCheckpointPath(run.checkpoint);
    const damage = (file: string) => {
      const bytes = readFileSync(file);
      bytes[bytes.length - 40] = bytes[bytes.length - 40]! ^ 0xff;
      writeFileSync(file, bytes);
    };
    damage(run.checkpoint);
    const events = await resumeInProcess(run, 1);
    const started = events.find((e) => e.type === 'started');
    assert.ok(started?.type === 'started' && started.fromStep === 1, 'resumed from step 1, the previous checkpoint');
    assert.ok(events.some((e) => e.type === 'warning' && /latest checkpoint \(step 2\) is unusable; resuming from step 1/.test(e.text)));
    // Now checkpoint.ckpt is step 2 again and checkpoint.prev.ckpt the damaged one; damage the new latest too.
    damage(run.checkpoint);
    await assert.rejects(resumeInProcess(run, 1), (e: Error) => e instanceof CheckpointError
      && e.message.includes(run.checkpoint) && e.message.includes(previous) && /start a new run/.test(e.message));
  });

  it('a checkpoint file the store did not record (replaced by another) is refused', async () => {
    const home = tempDir();
    const a = await train(home, 'captcha-fc-wgan', 'wasm', 1);
    const b = await train(home, 'captcha-fc-wgan', 'wasm', 1);
    writeFileSync(a.checkpoint, readFileSync(b.checkpoint));
    await assert.rejects(resumeInProcess(a, 1), /not the checkpoint the store recorded/);
  });

  it('resume of a run stopped before its first checkpoint starts it again from step 0, saying so', async () => {
    const home = tempDir();
    const db = openStore(home);
    const run = createRun(db, home, resolveConfig('captcha-fc-wgan', { ...SMALL, steps: '2' }), 'wasm');
    const events: RunEvent[] = [];
    await runJob({ home, db, run, resume: true, shouldStop: () => false, emit: (e) => events.push(e) });
    assert.ok(events.some((e) => e.type === 'warning' && /no checkpoint yet: it starts again from step 0/.test(e.text)));
    const started = events.find((e) => e.type === 'started');
    assert.ok(started?.type === 'started' && started.fromStep === 0);
  });
});
