/**
 * The fleet's queue: one BullMQ queue in Redis, one job per run (its id is the run's
 * id, so adding a run twice — after a coordinator or Redis restart — is a no-op).
 * BullMQ gives the leases (a worker's lock on its job, renewed while it trains),
 * stalled-job detection (a worker that stops renewing loses the job to another),
 * retries (3 attempts) and per-worker concurrency.
 */
import { Queue, type ConnectionOptions, type JobsOptions } from 'bullmq';
import { parseRedisUrl, type RedisAddress } from '../util/redis-url.ts';
import { InvalidInputError } from '../domain/errors.ts';

export const QUEUE_NAME = 'gan-workbench-runs';

/** Attempts per run before it is marked failed with its error. */
export const ATTEMPTS = 3;

export interface RunJob {
  run: string;
}

export function redisAddress(url: string): RedisAddress {
  const a = parseRedisUrl(url);
  if (!a) throw new InvalidInputError(`"${url}" is not a Redis address: redis://[:password@]host:port[/db] (rediss:// for TLS)`, 'queue');
  return a;
}

/** ioredis options for an address; `blocking` connections (workers) must retry forever rather than fail a command. */
export function connectionOptions(a: RedisAddress, blocking: boolean): ConnectionOptions {
  return {
    host: a.host, port: a.port, db: a.db, username: a.username, password: a.password, ...(a.tls ? { tls: {} } : {}),
    maxRetriesPerRequest: blocking ? null : 2,
    // Reconnect after a Redis restart: quickly at first, then every 2 s.
    retryStrategy: (times: number) => Math.min(100 * times, 2000),
  };
}

export const JOB_OPTIONS: JobsOptions = {
  attempts: ATTEMPTS, backoff: { type: 'fixed', delay: 1000 }, removeOnComplete: { count: 10_000 }, removeOnFail: { count: 10_000 },
};

export function openQueue(a: RedisAddress): Queue<RunJob> {
  return new Queue<RunJob>(QUEUE_NAME, { connection: connectionOptions(a, false), defaultJobOptions: JOB_OPTIONS });
}

/** Adds a job per run (idempotent: the job id is the run id). */
export async function enqueueRuns(queue: Queue<RunJob>, runs: string[]): Promise<void> {
  await queue.addBulk(runs.map((run) => ({ name: 'train', data: { run }, opts: { ...JOB_OPTIONS, jobId: run } })));
}
