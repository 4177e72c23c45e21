/**
 * A fleet worker (`gan-workbench worker`): pulls runs from the BullMQ queue, trains
 * each in its own runner process against a store in the worker's own home (a
 * mirror of the run, its dataset fetched once by checksum, its checkpoint
 * downloaded to resume from), and reports everything back to the coordinator.
 *
 * Faults are BullMQ's to notice: a worker killed mid-run stops renewing its job's
 * lock, the job stalls, another worker takes it and resumes from the last uploaded
 * checkpoint. A run that fails is retried (3 attempts), then failed with its error.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { DelayedError, Worker, type Job } from 'bullmq';
import type { FleetClaim } from '../domain/fleet.ts';
import { ConflictError } from '../domain/errors.ts';
import type { BackendChoice } from '../domain/runs.ts';
import { threadShare } from '../engine/threads.ts';
import type { JobConfig } from '../presets/types.ts';
import type { RunEvent } from '../runner/events.ts';
import { runFiles } from '../runner/run-folder.ts';
import { startRunner, type RunnerHandle } from '../runner/spawn.ts';
import { recordCheckpoint } from '../store/checkpoints.ts';
import { openStore } from '../store/index.ts';
import type { Db } from '../store/open.ts';
import { deleteRunRows, getRun, insertRun } from '../store/runs.ts';
import { CoordinatorClient } from './client.ts';
import { installBundle } from './dataset-bundle.ts';
import { ATTEMPTS, connectionOptions, QUEUE_NAME, redisAddress, type RunJob } from './queue.ts';
import { download, RunReporter } from './reporter.ts';

export interface FleetWorkerOptions {
  queue: string;
  /** The coordinator's URL (the host `serve` printed, without the token). */
  coordinator: string;
  token: string;
  home: string;
  name?: string;
  concurrency?: number;
  backend?: BackendChoice;
  /** BullMQ's lock on a job: a worker silent this long has stalled and loses it (default 30 s). */
  lockMs?: number;
  /** How often runs report (default 1 s). */
  reportMs?: number;
  log?: (line: string) => void;
}

export interface FleetWorker {
  name: string;
  /** Stops taking jobs; running ones stop at their next iteration, checkpoint and are handed back to the queue. */
  close(): Promise<void>;
}

export async function startFleetWorker(o: FleetWorkerOptions): Promise<FleetWorker> {
  const log = o.log ?? (() => {});
  const name = o.name ?? `${hostname()}-${process.pid}`;
  const address = redisAddress(o.queue);
  const client = new CoordinatorClient(o.coordinator.replace(/\/+$/, ''), o.token, log);
  // Fails fast on a wrong token or address, before any job is taken.
  await client.call('system.info', {});
  const db = openStore(o.home);
  const runners = new Set<RunnerHandle>();
  let closing = false;
  const lockMs = o.lockMs ?? 30_000;
  const worker = new Worker<RunJob>(QUEUE_NAME, (job, token) => trainJob(job, token), {
    connection: connectionOptions(address, true), concurrency: o.concurrency ?? 1, autorun: true,
    lockDuration: lockMs, stalledInterval: Math.max(500, Math.floor(lockMs / 2)), maxStalledCount: 2,
  });
  worker.on('error', (err) => log(`queue: ${err.message}`));

  async function trainJob(job: Job<RunJob>, token: string | undefined): Promise<string> {
    const run = job.data.run;
    let claim: FleetClaim;
    try {
      claim = await client.call('fleet.claim', { run, worker: name });
    } catch (err) {
      if (!(err instanceof ConflictError) || !token) throw err;
      // Another worker's lease on the run has not run out yet: try again shortly, without spending an attempt.
      log(`${run}: ${err.message}; retrying in 2 s`);
      await job.moveToDelayed(Date.now() + 2000, token);
      throw new DelayedError();
    }
    if (claim.done) return 'already complete';
    log(`${run}: training${claim.checkpoint ? ` from step ${claim.checkpoint.step}` : ''} (attempt ${job.attemptsMade + 1})`);
    let config = claim.config as unknown as JobConfig;
    if (claim.dataset) {
      const bundle = await download(client, { what: 'dataset', dataset: claim.dataset.id }, claim.dataset);
      config = { ...config, data: { source: 'dataset', id: installBundle(db, o.home, bundle, claim.dataset.sha256) } };
    }
    mirrorRun(db, o.home, run, config, claim.backendChoice);
    if (claim.checkpoint) {
      const bytes = await download(client, { what: 'checkpoint', run }, claim.checkpoint);
      const path = runFiles(o.home, run).checkpoint;
      writeFileSync(path, bytes);
      recordCheckpoint(db, getRun(db, run).pk, { step: claim.checkpoint.step, path, sha256: claim.checkpoint.sha256, bytes: bytes.length, previousPath: null });
    }
    let runner: RunnerHandle | null = null;
    const reporter = new RunReporter(client, db, run, name, () => runner?.stop(), claim.checkpoint);
    let outcome: { status: 'completed' | 'stopped' | 'failed'; error?: string } = { status: 'failed', error: 'the runner ended without a word' };
    runner = startRunner({ home: o.home, run, resume: claim.checkpoint !== null, backend: o.backend, threads: threadShare(o.concurrency ?? 1) }, (e: RunEvent) => {
      reporter.event(e);
      if (e.type === 'done') outcome = { status: e.summary.status === 'completed' ? 'completed' : 'stopped' };
      if (e.type === 'error') outcome = { status: 'failed', error: e.message };
    });
    runners.add(runner);
    const timer = setInterval(() => void reporter.tick().catch((err: Error) => log(`${run}: report: ${err.message}`)), o.reportMs ?? 1000);
    try {
      await runner.exited;
    } finally {
      clearInterval(timer);
      runners.delete(runner);
    }
    if (closing && outcome.status === 'stopped') {
      // Shutting down, not stopped by the user: hand the run back (it resumes from the checkpoint just uploaded).
      await reporter.finish({ status: 'failed', error: `worker ${name} shut down; the run continues on the next worker`, final: false });
      throw new Error(`worker ${name} shut down`);
    }
    const final = outcome.status !== 'failed' || job.attemptsMade + 1 >= ATTEMPTS;
    await reporter.finish({ ...outcome, final });
    if (outcome.status === 'failed') throw new Error(outcome.error);
    return outcome.status;
  }

  return {
    name,
    async close() {
      closing = true;
      for (const r of runners) r.stop();
      await worker.close();
      client.close();
      db.close();
    },
  };
}

/** The run as the worker's store holds it: recreated from the coordinator's config for every attempt. */
function mirrorRun(db: Db, home: string, run: string, config: JobConfig, backendChoice: string): void {
  db.transaction(() => {
    const existing = db.prepare('SELECT pk FROM runs WHERE id = ?').get(run) as { pk: number } | undefined;
    if (existing) deleteRunRows(db, existing.pk);
    insertRun(db, { id: run, preset: config.preset, config, seed: config.seed, backendChoice, targetSteps: config.steps });
  })();
  const files = runFiles(home, run);
  rmSync(files.dir, { recursive: true, force: true });
  mkdirSync(files.samples, { recursive: true });
}
