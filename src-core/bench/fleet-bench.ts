/**
 * The fleet, measured. (1) The coordinator's ingestion: simulated workers post report
 * batches (metric points and progress events) over HTTP to a real host; points/s and
 * calls/s into SQLite. (2) Sweep throughput: a sweep of short runs through Redis with
 * 1, 2 and 4 worker processes on this machine (needs `redis-server`).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HTTP_API_PREFIX } from '../api/contract/channels.ts';
import { createHost } from '../api/server/host.ts';
import { startCore } from '../api/server/core.ts';
import type { SweepDetail, SweepInfo } from '../api/contract/types.ts';
import { RENDERER_DIST } from '../cli/serve-command.ts';
import { resolveConfig } from '../presets/resolve.ts';
import { createRun } from '../runner/run-folder.ts';
import { openStore } from '../store/index.ts';

const CLI = fileURLToPath(new URL('../../bin/gan-workbench.mjs', import.meta.url));
const TOKEN = 'bench-token';

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function withHost<T>(home: string, queue: string | undefined, f: (origin: string, call: <R>(m: string, p: unknown) => Promise<R>) => Promise<T>): Promise<T> {
  const core = startCore({ home, shell: 'browser', log: () => {}, queue, fleetStaleMs: 5000 });
  const hosted = createHost({ dispatch: core.dispatch, subscribe: core.subscribe, rendererDir: RENDERER_DIST, token: TOKEN });
  const port = await freePort();
  await new Promise<void>((resolve) => hosted.server.listen(port, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${port}`;
  const call = async <R>(method: string, payload: unknown): Promise<R> => {
    const r = await fetch(`${origin}${HTTP_API_PREFIX}${method}`, { method: 'POST', body: JSON.stringify(payload), headers: { Authorization: `Bearer ${TOKEN}` } });
    const body = await r.json() as { ok: boolean; value: R; error?: { message: string } };
    if (!body.ok) throw new Error(`${method}: ${body.error?.message}`);
    return body.value;
  };
  try {
    return await f(origin, call);
  } finally {
    await hosted.close();
    await core.close();
  }
}

/** Simulated workers: each owns a run and posts `batches` reports of `points` points (4 keys) and a progress event. */
async function ingestion(queue: string, workers: number, batches: number, steps: number): Promise<void> {
  const home = mkdtempSync(join(tmpdir(), 'gwb-bench-fleet-'));
  try {
    await withHost(home, queue, async (_origin, call) => {
      const db = openStore(home);
      const runs = Array.from({ length: workers }, () => createRun(db, home, resolveConfig('captcha-fc-gan'), 'auto').id);
      db.close();
      for (const [i, run] of runs.entries()) await call('fleet.claim', { run, worker: `sim-${i}` });
      const keys = ['d', 'g', 'wasserstein', 'gp'];
      const t0 = performance.now();
      await Promise.all(runs.map(async (run, i) => {
        for (let b = 0; b < batches; b++) {
          const metrics = Array.from({ length: steps }, (_, s) => keys.map((key) => ({ key, step: b * steps + s + 1, seconds: (b * steps + s) / 10, value: Math.random() }))).flat();
          const step = (b + 1) * steps;
          await call('fleet.report', {
            run, worker: `sim-${i}`, metrics, progress: { step, seconds: step / 10 },
            events: [{ type: 'progress', step, seconds: step / 10, losses: { d: 1, g: 1 }, itPerSec: 10, etaSeconds: 1 }],
          });
        }
      }));
      const seconds = (performance.now() - t0) / 1000;
      const points = workers * batches * steps * keys.length;
      console.log(`ingestion: ${workers} simulated workers × ${batches} reports of ${steps} steps × ${keys.length} keys = ${points.toLocaleString('en')} points in ${seconds.toFixed(2)} s: ` +
        `${Math.round(points / seconds).toLocaleString('en')} points/s, ${Math.round((workers * batches) / seconds)} reports/s (each with a progress event)`);
    });
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

async function throughput(queue: string, runs: number, steps: number, workerCounts: number[]): Promise<void> {
  const baseline: number[] = [];
  for (const k of workerCounts) {
    const home = mkdtempSync(join(tmpdir(), 'gwb-bench-coord-'));
    await withHost(home, queue, async (origin, call) => {
      const workers: ChildProcess[] = Array.from({ length: k }, (_, i) => spawn(process.execPath, [
        CLI, 'worker', '--queue', queue, '--host', origin, '--token', TOKEN, '--home', mkdtempSync(join(tmpdir(), `gwb-bench-w${i}-`)), '--name', `w${i}`,
      ], { stdio: 'ignore' }));
      await new Promise((r) => setTimeout(r, 2500)); // the workers start (tsx, TensorFlow.js) before the clock does
      const t0 = performance.now();
      const sweep = await call<SweepInfo>('sweeps.create', {
        presets: ['captcha-fc-gan'], seeds: runs, executor: 'queue', overrides: { steps: String(steps), batchSize: '16', 'data.count': '64', sampleEvery: '0' },
      });
      for (;;) {
        const d = await call<SweepDetail>('sweeps.get', { sweep: sweep.id });
        if (d.runs.every((r) => r.status === 'completed')) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      const seconds = (performance.now() - t0) / 1000;
      baseline.push(seconds);
      for (const w of workers) w.kill('SIGTERM');
      console.log(`sweep of ${runs} runs × ${steps} steps (captcha-fc-gan, batch 16): ${k} worker${k > 1 ? 's' : ''}: ${seconds.toFixed(1)} s, ` +
        `${((runs / seconds) * 60).toFixed(1)} runs/min, ×${(baseline[0]! / seconds).toFixed(2)} vs 1 worker`);
    });
    rmSync(home, { recursive: true, force: true });
  }
}

export async function benchFleet(o: { runs: number; steps: number }): Promise<void> {
  if (spawnSync('redis-server', ['--version']).status !== 0) {
    console.log('bench fleet needs redis-server (apt-get install redis-server)');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'gwb-bench-redis-'));
  const port = await freePort();
  const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 500));
  const queue = `redis://127.0.0.1:${port}`;
  try {
    await ingestion(queue, 8, 50, 100);
    await throughput(queue, o.runs, o.steps, [1, 2, 4]);
  } finally {
    redis.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}
