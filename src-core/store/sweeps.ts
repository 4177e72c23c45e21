import { NotFoundError } from '../domain/errors.ts';
import type { RunStatus } from '../domain/runs.ts';
import type { Db } from './open.ts';

/** What a sweep runs: presets × every combination of the grid's values × seeds, each with the common overrides. */
export interface SweepSpec {
  presets: string[];
  /** Setting → the values to try (each a string as `--set` takes it). */
  grid: Record<string, string[]>;
  /** Seeds 0 … seeds − 1 (added to the config's seed). */
  seeds: number;
  /** Settings every run of the sweep gets. */
  overrides: Record<string, string>;
}

export interface SweepRow {
  pk: number;
  id: string;
  name: string;
  spec: SweepSpec;
  /** 'local', or the Redis queue's address (without a password). */
  executor: string;
  createdAt: string;
  /** Runs by status. */
  counts: Partial<Record<RunStatus, number>>;
  total: number;
}

export class UnknownSweepError extends NotFoundError {
  override name = 'UnknownSweepError';
}

interface Raw { pk: number; id: string; name: string; spec: string; executor: string; created_at: string }

function toRow(db: Db, r: Raw): SweepRow {
  const counts: Partial<Record<RunStatus, number>> = {};
  let total = 0;
  for (const c of db.prepare('SELECT status, count(*) AS n FROM runs WHERE sweep = ? GROUP BY status').all(r.pk) as { status: RunStatus; n: number }[]) {
    counts[c.status] = c.n;
    total += c.n;
  }
  return { pk: r.pk, id: r.id, name: r.name, spec: JSON.parse(r.spec) as SweepSpec, executor: r.executor, createdAt: r.created_at, counts, total };
}

export function insertSweep(db: Db, s: { id: string; name: string; spec: SweepSpec; executor: string }): SweepRow {
  db.prepare('INSERT INTO sweeps (id, name, spec, executor, created_at) VALUES (?, ?, ?, ?, ?)')
    .run(s.id, s.name, JSON.stringify(s.spec), s.executor, new Date().toISOString());
  return getSweep(db, s.id);
}

/** A sweep by id or a unique prefix of one. */
export function getSweep(db: Db, idOrPrefix: string): SweepRow {
  const exact = db.prepare('SELECT * FROM sweeps WHERE id = ?').get(idOrPrefix) as Raw | undefined;
  if (exact) return toRow(db, exact);
  const like = `${idOrPrefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const matches = db.prepare("SELECT * FROM sweeps WHERE id LIKE ? ESCAPE '\\' LIMIT 3").all(like) as Raw[];
  if (matches.length === 1) return toRow(db, matches[0]!);
  throw new UnknownSweepError(matches.length === 0 ? `unknown sweep "${idOrPrefix}"` : `"${idOrPrefix}" matches several sweeps`);
}

export function listSweeps(db: Db): SweepRow[] {
  return (db.prepare('SELECT * FROM sweeps ORDER BY pk DESC').all() as Raw[]).map((r) => toRow(db, r));
}

/** The ids of a sweep's runs not yet finished (queued, running, interrupted), oldest first. */
export function unfinishedSweepRuns(db: Db, sweepPk: number): string[] {
  return (db.prepare("SELECT id FROM runs WHERE sweep = ? AND status IN ('queued', 'running', 'interrupted') ORDER BY pk").all(sweepPk) as { id: string }[])
    .map((r) => r.id);
}
