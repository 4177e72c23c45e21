/**
 * Sweeps, decided here once for the CLI and the app: a named set of runs — presets ×
 * every combination of a grid of settings × seeds — validated whole before anything
 * is written, then recorded in one transaction with the executor that will run them.
 */
import { randomBytes } from 'node:crypto';
import type { SweepGroup } from '../domain/sweeps.ts';
import { ConfigError, InvalidInputError } from '../domain/errors.ts';
import type { BackendChoice } from '../domain/runs.ts';
import type { JobConfig } from '../presets/types.ts';
import { median } from '../reproduce/stats.ts';
import { createRun } from '../runner/run-folder.ts';
import type { Db } from '../store/open.ts';
import { finishRun, getRun, type RunRow } from '../store/runs.ts';
import { getSweep, insertSweep, listSweeps, unfinishedSweepRuns, type SweepRow, type SweepSpec } from '../store/sweeps.ts';
import { parseRedisUrl } from '../util/redis-url.ts';
import { UNCONFINED, type DataRoots } from './data-roots.ts';
import { resolveRunConfig } from './runs.ts';

/** Most runs one sweep may hold (a typo in a grid should not queue a million runs). */
export const MAX_SWEEP_RUNS = 1000;

// Sweeps listed and found, and the runs of one not finished yet: the store's own queries.
export { getSweep, listSweeps, unfinishedSweepRuns, type SweepRow };

/** The runs of this machine's (local-executor) sweeps not finished yet: after a restart they go back to its queue. */
export function unfinishedLocalSweepRuns(db: Db): string[] {
  return listSweeps(db).filter((s) => s.executor === 'local').flatMap((s) => unfinishedSweepRuns(db, s.pk));
}

/** Every run of the spec: preset × grid combination × seed, with its overrides. */
export function expandSweep(spec: SweepSpec): { preset: string; overrides: Record<string, string> }[] {
  if (spec.presets.length === 0) throw new InvalidInputError('a sweep needs at least one preset', 'presets');
  if (!Number.isInteger(spec.seeds) || spec.seeds < 1) throw new InvalidInputError('a sweep needs at least one seed', 'seeds');
  let combos: Record<string, string>[] = [{}];
  for (const [key, values] of Object.entries(spec.grid)) {
    if (values.length === 0) throw new InvalidInputError(`grid ${key} has no values`, 'grid');
    combos = combos.flatMap((c) => values.map((v) => ({ ...c, [key]: v })));
  }
  const total = spec.presets.length * combos.length * spec.seeds;
  if (total > MAX_SWEEP_RUNS) throw new InvalidInputError(`the sweep would hold ${total} runs; at most ${MAX_SWEEP_RUNS}`, 'grid');
  const base = spec.overrides.seed === undefined ? null : Number(spec.overrides.seed);
  return spec.presets.flatMap((preset) => combos.flatMap((combo) => Array.from({ length: spec.seeds }, (_, s) => ({
    preset, overrides: { ...spec.overrides, ...combo, ...(base === null && spec.seeds === 1 ? {} : { seed: String((base ?? 0) + s) }) },
  }))));
}

/** 'local' or a Redis address (its password kept out of what is stored). */
export function checkExecutor(executor: string): { stored: string; redis: boolean } {
  if (executor === 'local') return { stored: 'local', redis: false };
  const address = parseRedisUrl(executor);
  if (!address) throw new InvalidInputError(`executor "${executor}" is neither local nor a redis:// address (redis://[:password@]host:port)`, 'executor');
  return { stored: address.display, redis: true };
}

export interface CreatedSweep {
  sweep: SweepRow;
  runs: RunRow[];
}

/**
 * Validates every run of the spec (each bad setting named once, with the preset it
 * broke), then records the sweep and its queued runs in one transaction.
 */
export function createSweep(
  db: Db, home: string, spec: SweepSpec, o: { executor?: string; name?: string; backend?: BackendChoice; dataRoots?: DataRoots } = {},
): CreatedSweep {
  const executor = checkExecutor(o.executor ?? 'local');
  const planned = expandSweep(spec);
  const errors: ConfigError[] = [];
  const configs: JobConfig[] = [];
  for (const p of planned) {
    try {
      configs.push(resolveRunConfig(db, p.preset, p.overrides, o.dataRoots ?? UNCONFINED));
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      if (!errors.some((e) => e.message === err.message)) errors.push(err);
    }
  }
  if (errors.length) throw ConfigError.all(errors);
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 13);
  const id = `sweep-${stamp}-${randomBytes(2).toString('hex')}`;
  const name = o.name ?? `${spec.presets.join(' + ')}${Object.keys(spec.grid).length ? ` × ${Object.keys(spec.grid).join(', ')}` : ''} × ${spec.seeds} seed${spec.seeds > 1 ? 's' : ''}`;
  return db.transaction(() => {
    const sweep = insertSweep(db, { id, name, spec, executor: executor.stored });
    const runs = configs.map((c) => createRun(db, home, c, o.backend ?? 'auto', { sweep: sweep.pk }));
    return { sweep, runs };
  })();
}

/** A dotted setting of a resolved config as `--set` would write it. */
function settingOf(config: unknown, key: string): string {
  let node: unknown = config;
  for (const part of key.split('.')) node = node !== null && typeof node === 'object' && Object.hasOwn(node, part) ? (node as Record<string, unknown>)[part] : undefined;
  return typeof node === 'object' ? JSON.stringify(node) : String(node);
}

/**
 * A sweep's configurations (preset × grid values) with, for `metric`, the last value
 * each seed's run reached: the median and the spread (min–max) across seeds.
 */
export function sweepGroups(db: Db, sweep: SweepRow, runs: RunRow[], metric: string | null): SweepGroup[] {
  const groups = new Map<string, SweepGroup>();
  const last = db.prepare('SELECT last_value FROM metric_series WHERE run = ? AND key = ?');
  for (const r of runs) {
    const settings = Object.fromEntries(Object.keys(sweep.spec.grid).map((k) => [k, settingOf(r.config, k)]));
    const key = JSON.stringify([r.preset, settings]);
    const g = groups.get(key) ?? { preset: r.preset, settings, runs: [], values: [], median: null, min: null, max: null };
    g.runs.push(r.id);
    const v = metric ? (last.get(r.pk, metric) as { last_value: number } | undefined)?.last_value : undefined;
    if (v !== undefined) g.values.push(v);
    groups.set(key, g);
  }
  return [...groups.values()].map((g) => ({
    ...g, median: g.values.length ? median(g.values) : null, min: g.values.length ? Math.min(...g.values) : null, max: g.values.length ? Math.max(...g.values) : null,
  }));
}

/**
 * Cancelling a sweep, the part every caller shares: its runs not yet finished, split
 * into those that have not started (or were interrupted) — marked stopped here, as
 * withdrawn — and those running, which only the process or worker training them can
 * stop. `withdrawable` says which not-started runs this caller may withdraw (the app
 * only those still in its own queue; the CLI all of them).
 */
export function cancelSweepRuns(db: Db, sweepId: string, withdrawable: (runs: string[]) => string[] = (runs) => runs): { withdrawn: string[]; running: string[] } {
  const sweep = getSweep(db, sweepId);
  const runs = unfinishedSweepRuns(db, sweep.pk).map((id) => getRun(db, id));
  const running = runs.filter((r) => r.status === 'running').map((r) => r.id);
  const withdrawn = withdrawable(runs.filter((r) => r.status !== 'running').map((r) => r.id));
  db.transaction(() => {
    for (const id of withdrawn) finishRun(db, getRun(db, id).pk, 'stopped', 'cancelled with its sweep before it trained');
  })();
  return { withdrawn, running };
}
