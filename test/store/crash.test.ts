import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { resolveConfig } from '../../src-core/presets/resolve.ts';
import type { RunEvent } from '../../src-core/runner/events.ts';
import { createRun } from '../../src-core/runner/run-folder.ts';
import { runJob } from '../../src-core/runner/run-job.ts';
import { startRunner } from '../../src-core/runner/spawn.ts';
import { openStore } from '../../src-core/store/index.ts';
import { openDatabase } from '../../src-core/store/open.ts';
import { getRun } from '../../src-core/store/runs.ts';
import { getCheckpoint } from '../../src-core/store/checkpoints.ts';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { tempDir } from '../helpers.ts';

describe('crashes and concurrency', () => {
  it('a runner killed with SIGKILL mid-write leaves a sound database, the run "interrupted", and resume completes it', async () => {
    const home = tempDir();
    const db = openStore(home);
    const config = resolveConfig('captcha-fc-wgan', {
      steps: '60', batchSize: '8', 'data.count': '32', checkpointEvery: '10', progressEvery: '1', sampleEvery: '5',
    });
    const run = createRun(db, home, config, 'wasm');
    db.close();
    let killedAt = 0;
    const runner = startRunner({ home, run: run.id, resume: false }, (e: RunEvent) => {
      if (e.type === 'progress' && e.step >= 23 && !killedAt) {
        killedAt = e.step;
        runner.child.kill('SIGKILL');
      }
    });
    await runner.exited;
    assert.ok(killedAt >= 23);

    const after = openStore(home);
    assert.equal(after.pragma('integrity_check', { simple: true }), 'ok');
    const interrupted = getRun(after, run.id);
    assert.equal(interrupted.status, 'interrupted');
    assert.match(interrupted.error ?? '', /resume/);
    const events: RunEvent[] = [];
    const summary = await runJob({ home, db: after, run: interrupted, resume: true, shouldStop: () => false, emit: (e) => events.push(e) });
    const started = events.find((e) => e.type === 'started');
    assert.ok(started?.type === 'started' && started.fromStep === 20, 'resumes from the last checkpoint (step 20)');
    assert.equal(summary.steps, 60);
    assert.equal(getRun(after, run.id).status, 'completed');
    const recorded = getCheckpoint(after, run.pk)!;
    assert.equal(recorded.step, 60);
    assert.equal(recorded.sha256, createHash('sha256').update(readFileSync(recorded.path)).digest('hex'), 'the store\'s checksum is the file\'s');
    // Exactly one point per step and key: the steps after the checkpoint were re-created, not duplicated.
    const counts = after.prepare('SELECT key, count(*) AS n, min(step) AS lo, max(step) AS hi FROM metrics WHERE run = ? GROUP BY key').all(run.pk) as
      { key: string; n: number; lo: number; hi: number }[];
    for (const c of counts) assert.deepEqual([c.n, c.lo, c.hi], [60, 1, 60], c.key);
    const series = after.prepare('SELECT count FROM metric_series WHERE run = ? AND key = ?').get(run.pk, 'd') as { count: number };
    assert.equal(series.count, 60);
    after.close();
  });

  it('a reader sees consistent snapshots while another process writes', async () => {
    const home = tempDir();
    const db = openStore(home);
    const run = createRun(db, home, resolveConfig('captcha-dcgan'), 'wasm');
    const writer = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./fixtures/metric-writer.ts', import.meta.url)), home, run.id, '1500'],
      { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    writer.stdout.on('data', (c: Buffer) => (out += c.toString()));
    const exited = new Promise<number | null>((r) => writer.on('exit', r));
    const reader = openDatabase(home, { readonly: true });
    const snapshot = reader.transaction(() => {
      const raw = reader.prepare('SELECT key, count(*) AS n FROM metrics WHERE run = ? GROUP BY key ORDER BY key').all(run.pk) as { key: string; n: number }[];
      const summary = reader.prepare('SELECT key, count AS n FROM metric_series WHERE run = ? ORDER BY key').all(run.pk) as { key: string; n: number }[];
      return { raw, summary };
    });
    let reads = 0;
    let nonEmpty = 0;
    let done = false;
    void exited.then(() => (done = true));
    while (!done) {
      const s = snapshot();
      reads += 1;
      assert.deepEqual(s.raw, s.summary, 'raw rows and their summary agree in every snapshot');
      for (const r of s.raw) assert.equal(r.n % 500, 0, 'no half-written batch is visible');
      if (s.raw.length) nonEmpty += 1;
      await new Promise((r) => setTimeout(r, 5));
    }
    assert.equal(await exited, 0);
    assert.ok(Number(out) > 3, `writer wrote ${out} batches`);
    assert.ok(reads > 20 && nonEmpty > 5, `${reads} reads, ${nonEmpty} while data was arriving`);
    reader.close();
    db.close();
  });
});
