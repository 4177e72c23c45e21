import { hostname } from 'node:os';
import type { Db } from './open.ts';
import { NotFoundError } from '../domain/errors.ts';
import { assertMayRun } from './run-ownership.ts';
import type { RunFields, RunStatus } from '../domain/runs.ts';

/** A run's row: the domain's run fields, its key, config and backend choice. */
export interface RunRow extends RunFields {
  pk: number;
  config: unknown;
  backendChoice: string;
}

export class UnknownRunError extends NotFoundError {
  override name = 'UnknownRunError';
}

interface RawRun {
  pk: number; id: string; preset: string; config: string; seed: number; backend_choice: string; backend: string | null;
  dataset: string | null; status: RunStatus; created_at: string; started_at: string | null; ended_at: string | null;
  steps_done: number; target_steps: number; wall_seconds: number; error: string | null; notes: string; tags: string | null;
  sweep_id: string | null; worker: string | null;
}

const SELECT_RUN = `
  SELECT r.*, (SELECT group_concat(tag, char(31)) FROM run_tags t WHERE t.run = r.pk) AS tags,
    (SELECT id FROM sweeps w WHERE w.pk = r.sweep) AS sweep_id FROM runs r`;

function toRow(r: RawRun): RunRow {
  return {
    pk: r.pk, id: r.id, preset: r.preset, config: JSON.parse(r.config), seed: r.seed, backendChoice: r.backend_choice,
    backend: r.backend, dataset: r.dataset, status: r.status, createdAt: r.created_at, startedAt: r.started_at,
    endedAt: r.ended_at, stepsDone: r.steps_done, targetSteps: r.target_steps, wallSeconds: r.wall_seconds, error: r.error,
    notes: r.notes, tags: r.tags ? r.tags.split('\u001f').sort() : [], sweep: r.sweep_id, worker: r.worker,
  };
}

export interface NewRun {
  id: string;
  preset: string;
  config: unknown;
  seed: number;
  backendChoice: string;
  targetSteps: number;
  /** The sweep's key, for a run of a sweep. */
  sweep?: number;
}

export function insertRun(db: Db, run: NewRun): RunRow {
  db.prepare(`
    INSERT INTO runs (id, preset, config, seed, backend_choice, status, created_at, target_steps, pid, host, heartbeat_at, sweep)
    VALUES (?, ?, ?, ?, ?, 'queued', ?, ?, ?, ?, ?, ?)`).run(run.id, run.preset, JSON.stringify(run.config), run.seed, run.backendChoice,
    new Date().toISOString(), run.targetSteps, process.pid, hostname(), new Date().toISOString(), run.sweep ?? null);
  return getRun(db, run.id);
}

/** A run by id or by a unique prefix of one. */
export function getRun(db: Db, idOrPrefix: string): RunRow {
  const exact = db.prepare(`${SELECT_RUN} WHERE r.id = ?`).get(idOrPrefix) as RawRun | undefined;
  if (exact) return toRow(exact);
  const like = idOrPrefix.replace(/[\\%_]/g, (c) => `\\${c}`);
  const matches = db.prepare(`${SELECT_RUN} WHERE r.id LIKE ? ESCAPE '\\' LIMIT 3`).all(`${like}%`) as RawRun[];
  if (matches.length === 1) return toRow(matches[0]!);
  throw new UnknownRunError(matches.length === 0 ? `unknown run "${idOrPrefix}"` : `"${idOrPrefix}" matches several runs: ${matches.map((m) => m.id).join(', ')}…`);
}

/**
 * The runner takes its run: running, with this process's pid and a fresh heartbeat.
 * Allowed when this process or its parent (which claimed the run and forked us)
 * holds it, or no live process does; refused with a ConflictError naming the holder
 * otherwise. Checked and written in one immediate transaction.
 */
export function markRunning(db: Db, pk: number, fields: { backend: string; dataset: string; targetSteps: number }): void {
  const now = new Date().toISOString();
  db.transaction(() => {
    assertMayRun(db, pk);
    db.prepare(`
      UPDATE runs SET status = 'running', started_at = coalesce(started_at, ?), ended_at = NULL, error = NULL,
        backend = ?, dataset = ?, target_steps = ?, pid = ?, host = ?, heartbeat_at = ?
      WHERE pk = ?`).run(now, fields.backend, fields.dataset, fields.targetSteps, process.pid, hostname(), now, pk);
  }).immediate();
}

export function recordProgress(db: Db, pk: number, stepsDone: number, wallSeconds: number): void {
  db.prepare('UPDATE runs SET steps_done = ?, wall_seconds = ?, heartbeat_at = ? WHERE pk = ?')
    .run(stepsDone, wallSeconds, new Date().toISOString(), pk);
}

export function finishRun(db: Db, pk: number, status: Exclude<RunStatus, 'queued' | 'running'>, error: string | null = null): void {
  db.prepare('UPDATE runs SET status = ?, error = ?, ended_at = ?, pid = NULL WHERE pk = ?')
    .run(status, error, new Date().toISOString(), pk);
}

export interface RunFilter {
  preset?: string;
  /** A sweep's id: its runs only. */
  sweep?: string;
  status?: RunStatus;
  tag?: string;
  /** Text in notes or id. */
  text?: string;
  /** ISO dates (inclusive) on created_at. */
  since?: string;
  until?: string;
  /** Show each run's best (min) and last value of this metric, and allow sorting by them. */
  metric?: string;
  sort?: 'created' | 'preset' | 'status' | 'steps' | 'best' | 'last';
  descending?: boolean;
  limit?: number;
  offset?: number;
}

export interface RunListItem extends RunRow {
  best: number | null;
  last: number | null;
}

const SORT_COLUMNS: Record<NonNullable<RunFilter['sort']>, string> = {
  created: 'r.created_at', preset: 'r.preset', status: 'r.status', steps: 'r.steps_done', best: 'best', last: 'last',
};

/** The WHERE clause of a filter, with its bound parameters. */
function filterClause(f: RunFilter): { sql: string; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (clause: string, ...values: unknown[]) => {
    where.push(clause);
    params.push(...values);
  };
  if (f.preset) add('r.preset = ?', f.preset);
  if (f.sweep) add('r.sweep = (SELECT pk FROM sweeps WHERE id = ?)', f.sweep);
  if (f.status) add('r.status = ?', f.status);
  if (f.tag) add('EXISTS (SELECT 1 FROM run_tags t WHERE t.run = r.pk AND t.tag = ?)', f.tag);
  if (f.text) {
    const like = `%${f.text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    add("(r.notes LIKE ? ESCAPE '\\' OR r.id LIKE ? ESCAPE '\\')", like, like);
  }
  if (f.since) add('r.created_at >= ?', f.since);
  if (f.until) add('r.created_at <= ?', f.until);
  return { sql: where.length ? `WHERE ${where.join(' AND ')}` : '', params };
}

/** Runs matching a filter, with the best (lowest) and last value of `metric` when given. */
export function listRuns(db: Db, f: RunFilter = {}): RunListItem[] {
  const where = filterClause(f);
  const sort = SORT_COLUMNS[f.sort ?? 'created'];
  // Newest first by default; lowest first for metric values (losses: lower is better).
  const direction = (f.descending ?? !(f.sort === 'best' || f.sort === 'last')) ? 'DESC' : 'ASC';
  const sql = `
    SELECT r.*, (SELECT group_concat(tag, char(31)) FROM run_tags t WHERE t.run = r.pk) AS tags,
      (SELECT id FROM sweeps w WHERE w.pk = r.sweep) AS sweep_id, s.min_value AS best, s.last_value AS last
    FROM runs r LEFT JOIN metric_series s ON s.run = r.pk AND s.key = ?
    ${where.sql}
    ORDER BY ${sort} IS NULL, ${sort} ${direction}, r.pk DESC
    LIMIT ? OFFSET ?`;
  const rows = db.prepare(sql).all(f.metric ?? null, ...where.params, f.limit ?? -1, f.offset ?? 0) as (RawRun & { best: number | null; last: number | null })[];
  return rows.map((r) => ({ ...toRow(r), best: r.best, last: r.last }));
}

/** How many runs match a filter (limit and offset aside). */
export function countRuns(db: Db, f: RunFilter = {}): number {
  const where = filterClause(f);
  return (db.prepare(`SELECT count(*) AS n FROM runs r ${where.sql}`).get(...where.params) as { n: number }).n;
}

/** The tags in use, most used first. */
export function allTags(db: Db): string[] {
  return (db.prepare('SELECT tag FROM run_tags GROUP BY tag ORDER BY count(*) DESC, tag').all() as { tag: string }[]).map((r) => r.tag);
}

export function addTag(db: Db, pk: number, tag: string): void {
  const t = tag.trim();
  if (!t) throw new Error('a tag cannot be empty');
  db.prepare('INSERT OR IGNORE INTO run_tags (run, tag) VALUES (?, ?)').run(pk, t);
}

export function removeTag(db: Db, pk: number, tag: string): void {
  db.prepare('DELETE FROM run_tags WHERE run = ? AND tag = ?').run(pk, tag);
}

export function setNotes(db: Db, pk: number, notes: string): void {
  db.prepare('UPDATE runs SET notes = ? WHERE pk = ?').run(notes, pk);
}

/** Deletes a run's rows (metrics, samples, checkpoints, tags cascade). Its files are the caller's. */
export function deleteRunRows(db: Db, pk: number): void {
  db.prepare('DELETE FROM runs WHERE pk = ?').run(pk);
}

export interface ConfigDifference {
  key: string;
  values: unknown[];
}

function flatten(value: unknown, prefix = '', out: Map<string, unknown> = new Map()): Map<string, unknown> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else {
    out.set(prefix, value);
  }
  return out;
}

/** The dotted config keys whose values differ between runs (missing = undefined). */
export function configDiff(configs: unknown[]): ConfigDifference[] {
  const flat = configs.map((c) => flatten(c));
  const keys = [...new Set(flat.flatMap((f) => [...f.keys()]))].sort();
  return keys
    .map((key) => ({ key, values: flat.map((f) => f.get(key)) }))
    .filter((d) => d.values.some((v) => JSON.stringify(v) !== JSON.stringify(d.values[0])));
}
