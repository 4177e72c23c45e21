/**
 * Who owns a run. One process at a time trains a run: the one whose pid (on its
 * host) the row names while the run is queued or running. A claim is one write
 * transaction taken immediately (BEGIN IMMEDIATE), so two processes on one home —
 * the app and the CLI, or two apps — cannot both win; the loser is told who holds it.
 * An owner that died (its pid gone on this host, its heartbeat stale elsewhere)
 * holds nothing.
 */
import { hostname } from 'node:os';
import { ConflictError } from '../domain/errors.ts';
import type { RunStatus } from '../domain/runs.ts';
import type { Db } from './open.ts';

/** How long without a heartbeat before a run on another host counts as interrupted. */
export const HEARTBEAT_TIMEOUT_MS = 60_000;

interface OwnerRow {
  pk: number;
  id: string;
  status: RunStatus;
  pid: number | null;
  host: string | null;
  heartbeat_at: string | null;
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether the owner a row names is still there: its pid on this host, its heartbeat elsewhere. */
function ownerAlive(r: OwnerRow, now: number): boolean {
  if (r.host === hostname() && r.pid !== null) return processAlive(r.pid);
  const beat = r.heartbeat_at ? Date.parse(r.heartbeat_at) : 0;
  return now - beat <= HEARTBEAT_TIMEOUT_MS;
}

const isActiveStatus = (s: RunStatus) => s === 'running' || s === 'queued';

function ownerRow(db: Db, pk: number): OwnerRow | undefined {
  return db.prepare('SELECT pk, id, status, pid, host, heartbeat_at FROM runs WHERE pk = ?').get(pk) as OwnerRow | undefined;
}

/**
 * Whether a live process holds the run: another one that queued or runs it, or this
 * one training it in-process. (A run this process queued is this process's to start.)
 */
function held(r: OwnerRow, now: number): boolean {
  if (!isActiveStatus(r.status) || r.pid === null) return false;
  if (r.pid === process.pid && r.host === hostname()) return r.status === 'running';
  return ownerAlive(r, now);
}

/**
 * Inside the caller's transaction: throws a ConflictError unless this process may
 * train the run — it or its parent (which claimed the run and forked it) holds it,
 * or no live process does.
 */
export function assertMayRun(db: Db, pk: number): void {
  const r = ownerRow(db, pk);
  if (!r) throw new ConflictError(`run #${pk} no longer exists`);
  if (isActiveStatus(r.status) && r.pid === process.ppid && r.host === hostname()) return;
  if (held(r, Date.now())) throw new ConflictError(`run ${r.id} is ${r.status} in process ${r.pid} on ${r.host}; stop it there first`);
}

/**
 * Claims the run for this process, atomically: status 'queued' with this pid, or a
 * ConflictError naming the process that holds it. `check` runs inside the claim's
 * transaction on the fresh row (e.g. "a complete run needs more steps").
 */
export function claimRun(db: Db, pk: number, check: (status: RunStatus) => void = () => {}): void {
  db.transaction(() => {
    const r = ownerRow(db, pk);
    if (!r) throw new ConflictError(`run #${pk} no longer exists`);
    if (held(r, Date.now())) {
      throw new ConflictError(`run ${r.id} is ${r.status} in process ${r.pid} on ${r.host}; stop it there first`);
    }
    check(r.status);
    db.prepare(`UPDATE runs SET status = 'queued', pid = ?, host = ?, heartbeat_at = ?, ended_at = NULL WHERE pk = ?`)
      .run(process.pid, hostname(), new Date().toISOString(), pk);
  }).immediate();
}

/**
 * Runs `remove` (the caller's deletion of the run's rows) only if no live process
 * holds the run, in one immediate transaction, so a run cannot be claimed between
 * the check and the delete. Returns false if the run was already gone.
 */
export function deleteUnheldRun(db: Db, pk: number, remove: () => void): void {
  db.transaction(() => {
    const r = ownerRow(db, pk);
    if (!r) return;
    if (held(r, Date.now())) {
      throw new ConflictError(`run ${r.id} is ${r.status} in process ${r.pid} on ${r.host}; stop it before deleting`);
    }
    remove();
  }).immediate();
}

/**
 * Runs left 'running' by a process that died (SIGKILL, power loss) become
 * 'interrupted': on this host when their pid is gone, elsewhere when their heartbeat
 * is older than HEARTBEAT_TIMEOUT_MS. Returns the ids marked.
 */
export function markInterrupted(db: Db, now = Date.now()): string[] {
  const running = db.prepare("SELECT pk, id, status, pid, host, heartbeat_at FROM runs WHERE status = 'running'").all() as OwnerRow[];
  const dead = running.filter((r) => !ownerAlive(r, now));
  const mark = db.prepare(`UPDATE runs SET status = 'interrupted', ended_at = coalesce(heartbeat_at, ?), pid = NULL,
    error = 'the runner process ended without finishing (killed or crashed); resume continues from the last checkpoint'
    WHERE pk = ? AND status = 'running'`);
  db.transaction(() => {
    for (const r of dead) mark.run(new Date(now).toISOString(), r.pk);
  })();
  return dead.map((r) => r.id);
}
