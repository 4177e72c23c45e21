/**
 * The coordinator: the process that owns the store (the app or `serve --queue`)
 * and lets fleet workers train its runs. Workers claim a run, report its metrics,
 * grids and progress in batches, upload its checkpoints (resumable, checked by
 * SHA-256) and download what they resume from — all over the host's authenticated
 * API — so every run lands in the one history as if it had trained here, live.
 *
 * Exactly one worker trains a run at a time: a claim is refused while another
 * worker's heartbeat (its reports) is fresh, and a report from a worker that lost
 * the run is refused. BullMQ decides who gets a job; this decides what counts.
 */
import { createHash } from 'node:crypto';
import { appendFileSync, closeSync, fsyncSync, openSync, readFileSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { QueueEvents, type Queue } from 'bullmq';
import type { ApiEvent } from '../api/contract/events.ts';
import type { FleetClaim } from '../domain/fleet.ts';
import { ConflictError, InvalidInputError } from '../domain/errors.ts';
import type { JobConfig } from '../presets/types.ts';
import type { RunEvent } from '../runner/events.ts';
import { previousCheckpointPath, runFiles, truncateRunRecords } from '../runner/run-folder.ts';
import { getCheckpoint, recordCheckpoint } from '../store/checkpoints.ts';
import { appendMetrics, type MetricPoint } from '../store/metrics.ts';
import type { Db } from '../store/open.ts';
import { finishRun, getRun, recordProgress, type RunRow } from '../store/runs.ts';
import { addSample } from '../store/samples.ts';
import { listSweeps, unfinishedSweepRuns } from '../store/sweeps.ts';
import type { RedisAddress } from '../util/redis-url.ts';
import { datasetBundle } from './dataset-bundle.ts';
import { fileSize, promoteFile } from '../util/atomic-write.ts';
import { connectionOptions, enqueueRuns, openQueue, QUEUE_NAME, type RunJob } from './queue.ts';

export interface CoordinatorOptions {
  /** A worker whose last report is older than this has lost its run to the next claim (BullMQ's stall detection runs first). */
  staleAfterMs?: number;
}

interface Report {
  run: string;
  worker: string;
  metrics: MetricPoint[];
  progress?: { step: number; seconds: number };
  events: Record<string, unknown>[];
  samples: { step: number; seconds: number; png: string }[];
  end?: { status: 'completed' | 'stopped' | 'failed'; error?: string; final: boolean };
}

export class FleetCoordinator {
  readonly queue: Queue<RunJob>;
  private readonly events: QueueEvents;
  /** Runs the user asked to stop: the next report of their worker is answered "stop". */
  private readonly stops = new Set<string>();
  private readonly staleAfterMs: number;

  constructor(
    private readonly db: Db, private readonly home: string, private readonly emit: (e: ApiEvent) => void,
    readonly address: RedisAddress, o: CoordinatorOptions = {},
  ) {
    this.staleAfterMs = o.staleAfterMs ?? 60_000;
    this.queue = openQueue(address);
    this.events = new QueueEvents(QUEUE_NAME, { connection: connectionOptions(address, true) });
    // A job out of attempts (failed three times, or stalled too often): its run is failed, with the reason.
    this.events.on('failed', ({ jobId, failedReason }) => void this.onJobFailed(jobId, failedReason));
    this.queue.on('error', () => {});
    this.events.on('error', () => {});
  }

  /** Queues every unfinished run of this queue's sweeps (idempotent: after a restart of either side, nothing runs twice). */
  async resumeSweeps(): Promise<number> {
    const runs = listSweeps(this.db).filter((s) => s.executor === this.address.display).flatMap((s) => unfinishedSweepRuns(this.db, s.pk));
    if (runs.length) await enqueueRuns(this.queue, runs);
    return runs.length;
  }

  async enqueue(runs: string[]): Promise<void> {
    await enqueueRuns(this.queue, runs);
  }

  /** Stops a fleet run: withdrawn if still waiting; otherwise its worker is told at its next report. */
  async stop(run: string): Promise<boolean> {
    const job = await this.queue.getJob(run);
    const state = job ? await job.getState() : 'unknown';
    if (job && (state === 'waiting' || state === 'delayed' || state === 'prioritized')) {
      await job.remove();
      const r = getRun(this.db, run);
      finishRun(this.db, r.pk, 'stopped', 'withdrawn from the queue before a worker took it');
      this.emit({ topic: 'runs-changed', run, status: 'stopped' });
      return true;
    }
    const r = getRun(this.db, run);
    if (r.status !== 'running' || !r.worker) return false;
    this.stops.add(run);
    return true;
  }

  claim(runId: string, worker: string): FleetClaim {
    const now = Date.now();
    return this.db.transaction((): FleetClaim => {
      const r = getRun(this.db, runId);
      const config = r.config as JobConfig;
      const none = { run: r.id, config: config as unknown as Record<string, unknown>, backendChoice: r.backendChoice, checkpoint: null, dataset: null };
      if (r.status === 'completed') return { ...none, done: true };
      const beat = this.heartbeat(r);
      if (r.status === 'running' && r.worker && r.worker !== worker && now - beat < this.staleAfterMs) {
        throw new ConflictError(`run ${r.id} is being trained by worker ${r.worker} (last report ${Math.round((now - beat) / 1000)} s ago)`);
      }
      const ckpt = getCheckpoint(this.db, r.pk);
      // Whatever was recorded after the checkpoint is re-created by the resumed training.
      truncateRunRecords(this.db, r.pk, ckpt?.step ?? 0);
      this.db.prepare(`UPDATE runs SET status = 'running', worker = ?, host = 'fleet', pid = NULL, heartbeat_at = ?, claims = claims + 1,
        started_at = coalesce(started_at, ?), ended_at = NULL, error = NULL WHERE pk = ?`).run(worker, new Date(now).toISOString(), new Date(now).toISOString(), r.pk);
      this.stops.delete(r.id);
      const bundle = config.data.source === 'dataset' ? datasetBundle(this.db, this.home, config.data.id) : null;
      this.emit({ topic: 'runs-changed', run: r.id, status: 'running' });
      return {
        ...none, done: false,
        checkpoint: ckpt ? { step: ckpt.step, sha256: ckpt.sha256, bytes: ckpt.bytes } : null,
        dataset: bundle && config.data.source === 'dataset' ? { id: config.data.id, sha256: bundle.sha256, bytes: bundle.bytes } : null,
      };
    }).immediate();
  }

  report(p: Report): { stop: boolean } {
    const r = this.ownRun(p.run, p.worker);
    // Idempotent: a batch sent again after a lost answer adds nothing twice.
    const last = new Map((this.db.prepare('SELECT key, last_step FROM metric_series WHERE run = ?').all(r.pk) as { key: string; last_step: number }[])
      .map((s) => [s.key, s.last_step]));
    const fresh = p.metrics.filter((m) => m.step > (last.get(m.key) ?? -1));
    this.db.transaction(() => {
      appendMetrics(this.db, r.pk, fresh);
      for (const s of p.samples) {
        const png = Buffer.from(s.png, 'base64');
        const path = join(runFiles(this.home, r.id).samples, `step-${String(s.step).padStart(6, '0')}.png`);
        writeFileSync(path, png);
        addSample(this.db, r.pk, { step: s.step, seconds: s.seconds, path, sha256: createHash('sha256').update(png).digest('hex') });
      }
      if (p.progress) recordProgress(this.db, r.pk, p.progress.step, p.progress.seconds);
      else this.db.prepare('UPDATE runs SET heartbeat_at = ? WHERE pk = ?').run(new Date().toISOString(), r.pk);
      // Marked interrupted while the coordinator was away (its heartbeat went stale): the worker is still on it.
      if (r.status !== 'running' && !p.end) this.db.prepare("UPDATE runs SET status = 'running', ended_at = NULL, error = NULL WHERE pk = ?").run(r.pk);
    })();
    for (const event of p.events as unknown as RunEvent[]) {
      if (event.type === 'started') {
        this.db.prepare('UPDATE runs SET backend = ?, dataset = ?, target_steps = ? WHERE pk = ?')
          .run(`${event.backend.name} ${event.backend.version} (${event.backend.detail}) on ${p.worker}`, event.data, event.toStep, r.pk);
      }
      this.emit({ topic: 'run', run: r.id, event });
    }
    if (p.end) {
      // A failure the queue will retry leaves the run interrupted (resumable), not failed.
      const status = p.end.status === 'failed' && !p.end.final ? 'interrupted' : p.end.status;
      finishRun(this.db, r.pk, status, p.end.error ?? null);
      this.stops.delete(r.id);
      this.emit({ topic: 'runs-changed', run: r.id, status });
    }
    return { stop: this.stops.has(r.id) };
  }

  /**
   * One chunk of a checkpoint upload at `offset` (resumable: the answer says how
   * many bytes are held). The complete file is checked against its SHA-256, then
   * replaces the run's checkpoint (the previous one kept) and is recorded.
   */
  upload(p: { run: string; worker: string; step: number; sha256: string; bytes: number; offset: number; data: string }): { received: number; done: boolean } {
    const r = this.ownRun(p.run, p.worker);
    const files = runFiles(this.home, r.id);
    const part = `${files.checkpoint}.${p.sha256.slice(0, 16)}.upload`;
    const held = fileSize(part);
    if (p.offset !== held) return { received: held, done: false };
    const data = Buffer.from(p.data, 'base64');
    if (held + data.length > p.bytes) throw new InvalidInputError(`the upload of ${r.id}'s checkpoint is longer than announced`, 'data');
    appendFileSync(part, data);
    const received = held + data.length;
    if (received < p.bytes) return { received, done: false };
    const digest = createHash('sha256').update(readFileSync(part)).digest('hex');
    if (digest !== p.sha256) {
      rmSync(part, { force: true });
      throw new InvalidInputError(`the uploaded checkpoint of ${r.id} does not match its checksum; upload it again`, 'data');
    }
    const fd = openSync(part, 'r');
    fsyncSync(fd);
    closeSync(fd);
    const previousPath = previousCheckpointPath(files.checkpoint);
    promoteFile(part, files.checkpoint, { keepPreviousAs: previousPath });
    recordCheckpoint(this.db, r.pk, { step: p.step, path: files.checkpoint, sha256: p.sha256, bytes: p.bytes, previousPath });
    this.emit({ topic: 'run', run: r.id, event: { type: 'checkpoint', step: p.step, path: files.checkpoint } });
    return { received, done: true };
  }

  /** A slice of the run's recorded checkpoint, or of a dataset's bundle. */
  download(p: { what: 'checkpoint' | 'dataset'; run?: string; dataset?: number; offset: number; length: number }): { data: string; bytes: number; sha256: string } {
    let file: { path: string; sha256: string; bytes: number };
    if (p.what === 'checkpoint') {
      const r = getRun(this.db, p.run ?? '');
      const ckpt = getCheckpoint(this.db, r.pk);
      if (!ckpt) throw new InvalidInputError(`run ${r.id} has no checkpoint`, 'run');
      file = { path: ckpt.path, sha256: ckpt.sha256, bytes: ckpt.bytes };
    } else {
      file = datasetBundle(this.db, this.home, p.dataset ?? 0);
    }
    const length = Math.max(0, Math.min(p.length, file.bytes - p.offset));
    const buf = Buffer.alloc(length);
    const fd = openSync(file.path, 'r');
    try {
      readSync(fd, buf, 0, length, p.offset);
    } finally {
      closeSync(fd);
    }
    return { data: buf.toString('base64'), bytes: file.bytes, sha256: file.sha256 };
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.events.close(), this.queue.close()]);
  }

  private heartbeat(r: RunRow): number {
    const row = this.db.prepare('SELECT heartbeat_at FROM runs WHERE pk = ?').get(r.pk) as { heartbeat_at: string | null };
    return row.heartbeat_at ? Date.parse(row.heartbeat_at) : 0;
  }

  /** The run, if `worker` is the one training it; a ConflictError for a worker that lost it. */
  private ownRun(run: string, worker: string): RunRow {
    const r = getRun(this.db, run);
    if (r.worker !== worker) throw new ConflictError(`run ${r.id} is now trained by worker ${r.worker ?? '(none)'}, not ${worker}`);
    return r;
  }

  private async onJobFailed(jobId: string, reason: string): Promise<void> {
    const job = await this.queue.getJob(jobId).catch(() => undefined);
    if (!job || (await job.getState()) !== 'failed') return;
    const r = (() => {
      try {
        return getRun(this.db, jobId);
      } catch {
        return null;
      }
    })();
    if (!r || r.status === 'completed' || r.status === 'failed') return;
    finishRun(this.db, r.pk, 'failed', `the fleet gave up after ${job.attemptsMade} attempts: ${reason}`);
    this.emit({ topic: 'runs-changed', run: r.id, status: 'failed' });
  }
}
