/**
 * Fault injection: processes killed with SIGKILL at seeded random moments — runners
 * mid-training, task workers mid-import (captchas and CelebA), the host mid-labelling
 * (its runner then has no parent) — and afterwards the store is sound, no acknowledged
 * label is lost, runs resume to exactly the metrics of an unbroken run, and imports
 * resume without duplicates. GWB_LONG_TESTS=1 kills more often (docs/reliability.md).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { HTTP_API_PREFIX } from '../../src-core/api/contract/channels.ts';
import type { TaskEvent } from '../../src-core/api/contract/events.ts';
import type { TaskRequest } from '../../src-core/domain/tasks.ts';
import { defaultCaptchaSettings } from '../../src-core/data/captcha-image.ts';
import { importCaptchaFolder } from '../../src-core/data/import-captchas.ts';
import { resolveConfig } from '../../src-core/presets/resolve.ts';
import type { RunEvent } from '../../src-core/runner/events.ts';
import { createRun } from '../../src-core/runner/run-folder.ts';
import { forkWorker, startRunner } from '../../src-core/runner/spawn.ts';
import { listCaptchas } from '../../src-core/store/captchas.ts';
import { listDatasets } from '../../src-core/store/datasets.ts';
import { openStore } from '../../src-core/store/index.ts';
import type { Db } from '../../src-core/store/open.ts';
import { processAlive } from '../../src-core/store/run-ownership.ts';
import { getRun } from '../../src-core/store/runs.ts';
import { Rng } from '../../src-core/util/rng.ts';
import { runToResume } from '../../src-core/workbench/runs.ts';
import { writeCaptchaFolder, writeCeleba } from '../datasets/fixtures.ts';
import { startHost } from '../e2e/harness.ts';
import { tempDir } from '../helpers.ts';

const LONG = process.env.GWB_LONG_TESTS === '1';
// ≥ 30 kills in npm test; the cheap ones (import workers) carry more of them than runners and hosts, which load TensorFlow.js.
const KILLS = LONG ? { training: 20, captchas: 20, faces: 15, host: 20 } : { training: 6, captchas: 11, faces: 6, host: 7 };
const CLI = fileURLToPath(new URL('../../bin/gan-workbench.mjs', import.meta.url));
const rng = new Rng(20261202);
const survived: Record<string, number> = {};
after(() => console.log(`# kills survived: ${JSON.stringify(survived)} (total ${Object.values(survived).reduce((a, b) => a + b, 0)})`));

const integrity = (db: Db) => String(db.pragma('integrity_check', { simple: true }));
const metricRows = (db: Db, pk: number) =>
  db.prepare('SELECT key, step, value FROM metrics WHERE run = ? ORDER BY key, step').all(pk) as { key: string; step: number; value: number }[];

/** Runs a runner process for `run` (resuming), killing it with SIGKILL once a progress event reaches `killAt`; resolves with the step reached. */
async function runnerUntil(home: string, run: string, resume: boolean, killAt: number | null): Promise<number> {
  let reached = 0;
  const runner = startRunner({ home, run, resume }, (e: RunEvent) => {
    if (e.type === 'progress') reached = e.step;
    if (killAt !== null && e.type === 'progress' && e.step >= killAt) runner.child.kill('SIGKILL');
  });
  await runner.exited;
  return reached;
}

/** A task worker process, as the host forks it, killed with SIGKILL once it reports `killAt` items done. */
function taskUntil(home: string, task: TaskRequest, killAt: number | null): Promise<{ done: boolean; progress: number }> {
  const { child } = forkWorker('task', 'GAN_WORKBENCH_TASK_REQUEST', { home, task });
  let progress = 0;
  let done = false;
  child.on('message', (m: TaskEvent) => {
    if (m.type === 'progress') {
      progress = m.done;
      if (killAt !== null && m.done >= killAt) child.kill('SIGKILL');
    }
    if (m.type === 'done') done = true;
  });
  return new Promise((resolve) => child.on('exit', () => resolve({ done, progress })));
}

describe('fault injection', () => {
  it(`runner SIGKILLed ${KILLS.training} times mid-training: the run resumes to exactly an unbroken run's metrics`, async () => {
    const home = tempDir();
    const db = openStore(home);
    const config = resolveConfig('captcha-fc-wgan', {
      steps: '40', batchSize: '8', 'data.count': '32', checkpointEvery: '4', progressEvery: '1', sampleEvery: '0',
    });
    const unbroken = createRun(db, home, config, 'wasm');
    await runnerUntil(home, unbroken.id, false, null);
    const broken = createRun(db, home, config, 'wasm');
    let step = 0;
    for (let k = 0; k < KILLS.training; k++) {
      // Kill somewhere in the next few steps (past the last checkpoint, so each kill loses work to redo).
      const killAt = Math.min(39, step + 1 + rng.int(6));
      if (k > 0) runToResume(db, broken.id);
      step = await runnerUntil(home, broken.id, k > 0, killAt);
      assert.equal(integrity(db), 'ok');
      survived.training = (survived.training ?? 0) + 1;
    }
    runToResume(db, broken.id);
    await runnerUntil(home, broken.id, true, null);
    assert.equal(getRun(db, broken.id).status, 'completed', getRun(db, broken.id).error ?? '');
    assert.equal(getRun(db, broken.id).stepsDone, 40);
    assert.deepEqual(metricRows(db, broken.pk), metricRows(db, unbroken.pk), 'same metrics, step for step, as the unbroken run');
    db.close();
  });

  it(`task worker SIGKILLed ${KILLS.captchas} times mid-import of a captcha folder: the import resumes without duplicates`, async () => {
    const folder = join(tempDir(), 'scraped');
    // Enough files that every kill lands before the end (≈ 6 files between kills).
    const files = 12 * KILLS.captchas;
    await writeCaptchaFolder(folder, files, 4);
    const settings = defaultCaptchaSettings();
    // The same folder imported without faults, for comparison.
    const cleanHome = tempDir();
    const cleanDb = openStore(cleanHome);
    const clean = await importCaptchaFolder(cleanDb, folder, { settings, labelsFromFilenames: true });
    const expected = listCaptchas(cleanDb, clean.dataset.id).map((c) => [c.ordinal, c.file, c.label]);

    const home = tempDir();
    const task: TaskRequest = { kind: 'import-captchas', folder, settings, labelsFromFilenames: true, commitEvery: 8 };
    let reached = 0;
    for (let k = 0; k < KILLS.captchas; k++) {
      const r = await taskUntil(home, task, Math.min(files - 12, reached + 1 + rng.int(12))); // the last 12 are never a kill point: see CelebA below
      assert.equal(r.done, false, 'killed before the end');
      reached = r.progress;
      survived.captchaImport = (survived.captchaImport ?? 0) + 1;
    }
    assert.equal((await taskUntil(home, task, null)).done, true);
    const db = openStore(home);
    assert.equal(integrity(db), 'ok');
    const datasets = listDatasets(db);
    assert.equal(datasets.length, 1, 'every restart continued the one unfinished import');
    assert.equal(datasets[0]!.kind === 'captcha' && datasets[0]!.settings.complete, true);
    assert.deepEqual(listCaptchas(db, datasets[0]!.id).map((c) => [c.ordinal, c.file, c.label]), expected);
    db.close();
  });

  it(`task worker SIGKILLed ${KILLS.faces} times mid-import of CelebA: the shards resume without duplicates`, async () => {
    const dir = tempDir();
    // A kill lands a moment after the progress report that asked for it, and the worker goes on meanwhile (from its
    // bundle it starts and imports faster): the last 16 faces are never a kill point, so every kill is before the end.
    const faces = 16 * KILLS.faces;
    await writeCeleba(dir, faces, 'flattened');
    const home = tempDir();
    const task: TaskRequest = { kind: 'import-celeba', folder: dir, size: 64, recordsPerShard: 4 };
    let reached = 0;
    for (let k = 0; k < KILLS.faces; k++) {
      const r = await taskUntil(home, task, Math.min(faces - 16, reached + 1 + rng.int(8)));
      assert.equal(r.done, false, 'killed before the end');
      reached = r.progress;
      survived.celebaImport = (survived.celebaImport ?? 0) + 1;
    }
    assert.equal((await taskUntil(home, task, null)).done, true);
    const db = openStore(home);
    assert.equal(integrity(db), 'ok');
    const [d] = listDatasets(db);
    assert.ok(d?.kind === 'faces' && d.settings.complete);
    assert.equal(d.settings.shards.reduce((n, s) => n + s.records, 0), faces);
    db.close();
  });

  it(`host SIGKILLed ${KILLS.host} times mid-labelling: no acknowledged label is lost; its runner checkpoints and exits; a second process cannot take its run`, async () => {
    const home = tempDir();
    const folder = join(home, 'to-label');
    await writeCaptchaFolder(folder, 10 * KILLS.host, 5);
    const db = openStore(home);
    const { dataset } = await importCaptchaFolder(db, folder, { settings: defaultCaptchaSettings() });
    const ids = listCaptchas(db, dataset.id).map((c) => c.id);
    db.close();
    const A = defaultCaptchaSettings().alphabet;
    const acknowledged = new Map<number, string>();
    const token = 'faults-token';
    let next = 0;
    for (let k = 0; k < KILLS.host; k++) {
      const host = await startHost(home, token);
      const call = async (method: string, payload: unknown) => (await fetch(`${host.origin}${HTTP_API_PREFIX}${method}`, {
        method: 'POST', body: JSON.stringify(payload), headers: { Authorization: `Bearer ${token}` },
      }).then((r) => r.json())) as { ok: boolean; value?: { id: string }; error?: { message: string } };
      if (k === 0) {
        // A run trains under this host; a second process (the CLI) may neither resume nor delete it.
        const started = await call('runs.start', { preset: 'captcha-fc-wgan', overrides: { steps: '100000', batchSize: '8', 'data.count': '32', sampleEvery: '0' } });
        assert.ok(started.ok && started.value, started.error?.message);
        const training = { id: started.value.id };
        const runnerPid = await waitForRunner(home, training.id);
        for (const args of [['resume', training.id], ['delete', training.id]]) {
          const r = spawnSync(process.execPath, [CLI, ...args, '--home', home], { encoding: 'utf8' });
          assert.equal(r.status, 2, r.stderr);
          assert.match(r.stderr, new RegExp(`${training.id} is (running|queued) in process \\d+`));
        }
        host.process.kill('SIGKILL');
        await host.stop();
        // Its runner saw the parent go: it checkpoints, marks the run stopped, and exits — no orphan.
        const t0 = Date.now();
        while (processAlive(runnerPid) && Date.now() - t0 < 15_000) await new Promise((r) => setTimeout(r, 50));
        assert.equal(processAlive(runnerPid), false, `runner ${runnerPid} outlived its parent by ${Date.now() - t0} ms`);
        const check = openStore(home);
        assert.equal(getRun(check, training.id).status, 'stopped');
        check.close();
        survived.hostWithRunner = 1;
        continue;
      }
      // Label as fast as answers come; kill the host after a seeded number of acknowledgements, with a save in flight.
      const killAfter = 2 + rng.int(8);
      let acked = 0;
      let killed = false;
      while (!killed && next < ids.length) {
        const id = ids[next]!;
        const label = `${A[next % A.length]}${A[(next * 7) % A.length]}${A[(next * 3) % A.length]}${A[k % A.length]}`;
        const pending = call('labels.save', { captcha: id, label }).then((r) => {
          if (r.ok) acknowledged.set(id, label);
        }, () => {});
        if (acked === killAfter) {
          host.process.kill('SIGKILL');
          killed = true;
        }
        await pending;
        acked += 1;
        next += 1;
      }
      await host.stop();
      survived.hostLabelling = (survived.hostLabelling ?? 0) + 1;
    }
    const after = openStore(home);
    assert.equal(integrity(after), 'ok');
    const stored = new Map(listCaptchas(after, dataset.id).map((c) => [c.id, c.label]));
    const lost = [...acknowledged].filter(([id, label]) => stored.get(id) !== label);
    assert.deepEqual(lost, [], 'every acknowledged label is on disk');
    assert.ok(acknowledged.size >= KILLS.host, `${acknowledged.size} labels acknowledged`);
    after.close();
  });
});

/** The pid of the runner once it is training the run (its row says running, with steps done). */
async function waitForRunner(home: string, run: string): Promise<number> {
  const t0 = Date.now();
  while (Date.now() - t0 < 60_000) {
    const db = openStore(home, { backup: false });
    const r = db.prepare('SELECT status, pid, steps_done FROM runs WHERE id = ?').get(run) as { status: string; pid: number | null; steps_done: number };
    db.close();
    if (r.status === 'running' && r.pid !== null && r.steps_done > 0) return r.pid;
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error(`run ${run} did not start training`);
}
