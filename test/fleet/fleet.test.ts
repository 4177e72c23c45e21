/**
 * The fleet end to end: a real Redis (started here), the coordinator (`serve
 * --queue`, a real host process) and two workers (`gan-workbench worker`, each
 * with its own home, standing in for two machines). Tiny runs; faults injected:
 * a worker SIGKILLed mid-run, Redis killed and restarted, the coordinator killed and
 * restarted, a wrong token.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { HTTP_API_PREFIX } from '../../src-core/api/contract/channels.ts';
import type { RunSummaryRow, SweepDetail, SweepInfo } from '../../src-core/api/contract/types.ts';
import { resolveConfig } from '../../src-core/presets/resolve.ts';
import { createRun } from '../../src-core/runner/run-folder.ts';
import { startRunner } from '../../src-core/runner/spawn.ts';
import { openStore } from '../../src-core/store/index.ts';
import type { Db } from '../../src-core/store/open.ts';
import { getRun } from '../../src-core/store/runs.ts';
import { startHost, type Host } from '../e2e/harness.ts';
import { tempDir } from '../helpers.ts';
import { freePort, REDIS_MISSING, redisAvailable, TestRedis } from '../support/redis.ts';

const CLI = fileURLToPath(new URL('../../bin/gan-workbench.mjs', import.meta.url));
const TOKEN = 'fleet-token';
/** Leases and staleness short enough that a killed worker's run moves on within seconds. */
const LOCK_SECONDS = '4';
const TINY = { batchSize: '8', 'data.count': '32', sampleEvery: '0', checkpointEvery: '10' };

interface Worker {
  name: string;
  child: ChildProcess;
  log: () => string;
}

function startWorker(name: string, home: string, queue: string, coordinator: string, token = TOKEN): Worker {
  const child = spawn(process.execPath, [CLI, 'worker', '--queue', queue, '--host', coordinator, '--token', token, '--home', home, '--name', name, '--lock-seconds', LOCK_SECONDS], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (b: Buffer) => (out += b));
  child.stderr!.on('data', (b: Buffer) => (out += b));
  return { name, child, log: () => out };
}

const metricRows = (db: Db, pk: number) =>
  db.prepare('SELECT key, step, value FROM metrics WHERE run = ? ORDER BY key, step').all(pk) as { key: string; step: number; value: number }[];

describe('the fleet: sweeps over BullMQ and Redis', () => {
  // Folders made here, not in before(): a tempDir made inside a hook is removed when the hook ends.
  const home = tempDir('gwb-coordinator-');
  const redisDir = tempDir('gwb-redis-');
  const workerHomes = { alpha: tempDir('gwb-worker-alpha-'), beta: tempDir('gwb-worker-beta-') };
  let redis: TestRedis;
  let host: Host;
  let port = 0;
  const workers: Worker[] = [];

  const call = async <T>(method: string, payload: unknown): Promise<T> => {
    const r = await fetch(`${host.origin}${HTTP_API_PREFIX}${method}`, {
      method: 'POST', body: JSON.stringify(payload), headers: { Authorization: `Bearer ${TOKEN}` },
    }).then((x) => x.json()) as { ok: boolean; value: T; error?: { message: string } };
    assert.ok(r.ok, r.error?.message);
    return r.value;
  };
  const startCoordinator = async () => {
    host = await startHost(home, TOKEN, port, ['--queue', redis.url, '--fleet-stale-seconds', LOCK_SECONDS]);
    port = host.port;
  };
  const sweep = (presets: string[], seeds: number, overrides: Record<string, string>) =>
    call<SweepInfo>('sweeps.create', { presets, seeds, overrides: { ...TINY, ...overrides }, executor: 'queue' });
  const runsOf = async (id: string) => (await call<SweepDetail>('sweeps.get', { sweep: id })).runs;
  async function until<T>(what: string, probe: () => Promise<T | null | undefined | false>, ms = 120_000): Promise<T> {
    const t0 = Date.now();
    for (;;) {
      try {
        const v = await probe();
        if (v) return v;
      } catch {
        // The coordinator may be restarting.
      }
      if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}\n${workers.map((w) => `--- ${w.name}\n${w.log()}`).join('\n')}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  const allCompleted = (id: string) => until(`sweep ${id} to complete`, async () => {
    const runs = await runsOf(id);
    return runs.every((r) => r.status === 'completed') ? runs : null;
  });

  before(async () => {
    if (!redisAvailable()) throw new Error(REDIS_MISSING);
    redis = new TestRedis(await freePort(), redisDir);
    await redis.start();
    await startCoordinator();
    for (const name of ['alpha', 'beta'] as const) workers.push(startWorker(name, workerHomes[name], redis.url, host.origin));
  });
  after(async () => {
    for (const w of workers) w.child.kill('SIGKILL');
    await host?.stop();
    await redis?.stop();
  });

  it('refuses a worker with the wrong token, with a clear message', async () => {
    const w = startWorker('intruder', tempDir(), redis.url, host.origin, 'wrong-token');
    const code = await new Promise<number | null>((resolve) => w.child.on('exit', resolve));
    assert.equal(code, 2);
    assert.match(w.log(), /refused the token \(401\)/);
  });

  it('a sweep of 2 presets × 2 seeds runs to completion, split across both workers, every run in the one history', async () => {
    const s = await sweep(['captcha-fc-wgan', 'captcha-fc-gan'], 2, { steps: '30' });
    assert.equal(s.total, 4);
    const runs = await allCompleted(s.id);
    assert.deepEqual(new Set(runs.map((r) => r.worker)), new Set(['alpha', 'beta']), 'both workers trained');
    for (const r of runs) {
      assert.equal(r.stepsDone, 30);
      assert.match(r.backend ?? '', / on (alpha|beta)$/);
    }
    const detail = await call<SweepDetail>('sweeps.get', { sweep: s.id, metric: 'd' });
    assert.equal(detail.groups.length, 2, 'one group per preset');
    for (const g of detail.groups) {
      assert.equal(g.values.length, 2, 'a value per seed');
      assert.ok(g.median !== null && g.min! <= g.median && g.median <= g.max!);
    }
  });

  it('a worker SIGKILLed mid-run: the run resumes on the other worker, with the metrics of an unbroken run', async () => {
    // Long enough that the kill lands mid-run: the coordinator sees progress a report (≈ 1 s) late.
    const overrides = { ...TINY, steps: '300' };
    const s = await sweep(['captcha-fc-wgan'], 1, { steps: '300' });
    const [run] = await runsOf(s.id);
    const victim = await until('the run to pass step 40', async () => {
      const r = (await runsOf(s.id))[0]!;
      return r.status === 'running' && r.stepsDone >= 40 && r.worker ? r.worker : null;
    });
    const w = workers.find((x) => x.name === victim)!;
    w.child.kill('SIGKILL');
    const done = (await allCompleted(s.id))[0]!;
    assert.notEqual(done.worker, victim, 'finished by the other worker');
    // The same run, unbroken, on this machine.
    const refHome = tempDir();
    const refDb = openStore(refHome);
    const ref = createRun(refDb, refHome, resolveConfig('captcha-fc-wgan', overrides), 'auto');
    await startRunner({ home: refHome, run: ref.id, resume: false }, () => {}).exited;
    const db = openStore(home, { backup: false });
    const fleetRun = getRun(db, run!.id);
    assert.deepEqual(metricRows(db, fleetRun.pk), metricRows(refDb, ref.pk), 'metrics equal an unbroken run, step for step');
    db.close();
    refDb.close();
    // The killed machine comes back.
    workers[workers.indexOf(w)] = startWorker(victim, workerHomes[victim as 'alpha' | 'beta'], redis.url, host.origin);
  });

  it('Redis killed and restarted mid-sweep: the sweep completes and no run trains twice', async () => {
    // Long enough that both runs are seen training at once: 100 steps could finish between two polls.
    const steps = 400;
    const s = await sweep(['captcha-fc-gan'], 2, { steps: String(steps) });
    await until('both runs to train', async () => (await runsOf(s.id)).every((r) => r.status === 'running' && r.stepsDone > 10));
    await redis.kill();
    await new Promise((r) => setTimeout(r, 1000));
    await redis.start();
    const runs = await allCompleted(s.id);
    const db = openStore(home, { backup: false });
    for (const r of runs) {
      const pk = getRun(db, r.id).pk;
      const counts = db.prepare('SELECT key, count(*) AS n FROM metrics WHERE run = ? GROUP BY key').all(pk) as { key: string; n: number }[];
      for (const c of counts) assert.equal(c.n, steps, `${r.id} ${c.key}: one point per step`);
      const claims = (db.prepare('SELECT claims FROM runs WHERE pk = ?').get(pk) as { claims: number }).claims;
      assert.equal(claims, 1, `${r.id} was claimed ${claims} times`);
    }
    db.close();
  });

  it('stop works across machines: the worker checkpoints, uploads and the run is stopped', async () => {
    const s = await sweep(['captcha-fc-wgan'], 1, { steps: '100000' });
    const [run] = await runsOf(s.id);
    await until('the run to train', async () => (await runsOf(s.id))[0]!.stepsDone > 20);
    assert.deepEqual(await call('runs.stop', { run: run!.id }), { stopping: true });
    const stopped = await until('the run to stop', async () => {
      const r = (await runsOf(s.id))[0]!;
      return r.status === 'stopped' ? r : null;
    }, 30_000);
    const detail = await call<{ samples: unknown[]; stepsDone: number }>('runs.get', { run: stopped.id });
    const db = openStore(home, { backup: false });
    const ckpt = db.prepare('SELECT step FROM checkpoints WHERE run = ?').get(getRun(db, stopped.id).pk) as { step: number };
    db.close();
    assert.equal(ckpt.step, detail.stepsDone, 'its last checkpoint is where it stopped');
  });

  it('cancelling a fleet sweep withdraws its waiting runs and stops its running ones', async () => {
    // Three long runs on two workers: one waits in the queue.
    const s = await sweep(['captcha-fc-gan'], 3, { steps: '100000' });
    await until('two runs to train', async () => (await runsOf(s.id)).filter((r) => r.status === 'running' && r.stepsDone > 5).length === 2);
    const answer = await call<{ cancelled: number; stopping: number }>('sweeps.cancel', { sweep: s.id });
    assert.equal(answer.stopping, 3, 'the waiting one withdrawn from the queue, the two running told to stop');
    const runs = await until('every run to stop', async () => {
      const rs = await runsOf(s.id);
      return rs.every((r) => r.status === 'stopped') ? rs : null;
    }, 30_000);
    assert.equal(runs.filter((r) => r.stepsDone === 0).length, 1, 'the withdrawn run never trained');
  });

  it('a run that fails on every attempt is failed after 3, with its error, not retried forever', async () => {
    // A face folder that exists on the coordinator but not on the workers: every attempt fails the same way.
    const faces = join(home, 'faces-here-only');
    mkdirSync(faces);
    const s = await call<SweepInfo>('sweeps.create', {
      presets: ['celeba-dcgan'], seeds: 1, executor: 'queue',
      overrides: { steps: '5', batchSize: '4', data: JSON.stringify({ source: 'face-folder', path: faces }) },
    });
    const failed = await until('the run to fail', async () => {
      const r = (await runsOf(s.id))[0]!;
      return r.status === 'failed' ? r : null;
    }, 60_000);
    assert.match(failed.error ?? '', /faces-here-only/);
    const db = openStore(home, { backup: false });
    const claims = (db.prepare('SELECT claims FROM runs WHERE id = ?').get(failed.id) as { claims: number }).claims;
    db.close();
    assert.equal(claims, 3);
  });

  it('the coordinator killed and restarted mid-sweep: workers keep training, then catch up; the sweep completes', async () => {
    const s = await sweep(['captcha-fc-wgan'], 2, { steps: '120' });
    await until('both runs to train', async () => (await runsOf(s.id)).every((r) => r.status === 'running' && r.stepsDone > 10));
    host.process.kill('SIGKILL');
    await host.stop();
    await new Promise((r) => setTimeout(r, 2000));
    await startCoordinator();
    const runs: RunSummaryRow[] = await allCompleted(s.id);
    const db = openStore(home, { backup: false });
    for (const r of runs) {
      const pk = getRun(db, r.id).pk;
      const n = (db.prepare("SELECT count(*) AS n FROM metrics WHERE run = ? AND key = 'd'").get(pk) as { n: number }).n;
      assert.equal(n, 120, `${r.id}: every point arrived once`);
    }
    assert.equal(String(db.pragma('integrity_check', { simple: true })), 'ok');
    db.close();
  });
});
