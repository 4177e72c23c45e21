import type { Db } from './open.ts';
import type { LabelStatus } from '../domain/datasets.ts';
import { NotFoundError } from '../domain/errors.ts';

export interface CaptchaRow {
  id: number;
  dataset: number;
  ordinal: number;
  file: string;
  /** Normalised grayscale pixels, width × height of the dataset's settings. */
  pixels: Uint8Array;
  label: string | null;
  status: LabelStatus;
  updatedAt: string;
}

interface Raw { pk: number; dataset: number; ordinal: number; file: string; pixels: Buffer; label: string | null; status: LabelStatus; updated_at: string }
const toRow = (r: Raw): CaptchaRow => ({
  id: r.pk, dataset: r.dataset, ordinal: r.ordinal, file: r.file, pixels: new Uint8Array(r.pixels), label: r.label, status: r.status, updatedAt: r.updated_at,
});

export class UnknownCaptchaError extends NotFoundError {
  override name = 'UnknownCaptchaError';
}

/** Inserts captchas of one import batch in one transaction. */
export function insertCaptchas(db: Db, dataset: number, rows: { ordinal: number; file: string; pixels: Uint8Array; label: string | null }[]): void {
  const stmt = db.prepare('INSERT INTO captchas (dataset, ordinal, file, pixels, label, status, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
  const now = new Date().toISOString();
  db.transaction(() => {
    for (const r of rows) stmt.run(dataset, r.ordinal, r.file, Buffer.from(r.pixels), r.label, r.label ? 'labelled' : 'unlabelled', now);
  })();
}

export function getCaptcha(db: Db, id: number): CaptchaRow {
  const r = db.prepare('SELECT * FROM captchas WHERE pk = ?').get(id) as Raw | undefined;
  if (!r) throw new UnknownCaptchaError(`unknown captcha ${id}`);
  return toRow(r);
}

export interface CaptchaFilter {
  status?: LabelStatus;
  /** Captchas whose label contains this text. */
  labelContains?: string;
  limit?: number;
  offset?: number;
}

export function listCaptchas(db: Db, dataset: number, f: CaptchaFilter = {}): CaptchaRow[] {
  const where = ['dataset = ?'];
  const params: unknown[] = [dataset];
  if (f.status) {
    where.push('status = ?');
    params.push(f.status);
  }
  if (f.labelContains) {
    where.push("label LIKE ? ESCAPE '\\'");
    params.push(`%${f.labelContains.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
  }
  return (db.prepare(`SELECT * FROM captchas WHERE ${where.join(' AND ')} ORDER BY ordinal LIMIT ? OFFSET ?`)
    .all(...params, f.limit ?? -1, f.offset ?? 0) as Raw[]).map(toRow);
}

/** The first unlabelled captcha after `afterOrdinal` (wrapping to the start), or null when none is left. */
export function nextUnlabelled(db: Db, dataset: number, afterOrdinal = -1): CaptchaRow | null {
  const q = db.prepare("SELECT * FROM captchas WHERE dataset = ? AND status = 'unlabelled' AND ordinal > ? ORDER BY ordinal LIMIT 1");
  const r = (q.get(dataset, afterOrdinal) ?? q.get(dataset, -1)) as Raw | undefined;
  return r ? toRow(r) : null;
}

/**
 * The unlabelled captcha the recogniser is least sure of (its latest prediction's
 * confidence, lowest first; captchas it has not read come after, in order): labelling
 * these first teaches the next recogniser most.
 */
export function leastConfidentUnlabelled(db: Db, dataset: number): CaptchaRow | null {
  const r = db.prepare(`
    SELECT c.* FROM captchas c
    WHERE c.dataset = ? AND c.status = 'unlabelled'
    ORDER BY (SELECT p.confidence FROM predictions p WHERE p.captcha = c.pk ORDER BY p.recognizer DESC LIMIT 1) IS NULL,
      (SELECT p.confidence FROM predictions p WHERE p.captcha = c.pk ORDER BY p.recognizer DESC LIMIT 1), c.ordinal
    LIMIT 1`).get(dataset) as Raw | undefined;
  return r ? toRow(r) : null;
}

export function labelCounts(db: Db, dataset: number): Record<LabelStatus | 'total', number> {
  const rows = db.prepare('SELECT status, count(*) AS n FROM captchas WHERE dataset = ? GROUP BY status').all(dataset) as { status: LabelStatus; n: number }[];
  const out = { unlabelled: 0, labelled: 0, skipped: 0, flagged: 0, total: 0 };
  for (const r of rows) {
    out[r.status] = r.n;
    out.total += r.n;
  }
  return out;
}

/**
 * Changes a captcha's label and status and records the change, durably: the write
 * runs with synchronous = FULL, so once this returns the label survives a crash or
 * power loss. A new change discards the redo history.
 */
export function changeLabel(db: Db, id: number, label: string | null, status: LabelStatus): CaptchaRow {
  durably(db, () => {
    // Read inside the write transaction: the undo record's "before" is the row this change replaced, even with two writers.
    const before = getCaptcha(db, id);
    db.prepare('DELETE FROM label_events WHERE dataset = ? AND undone = 1').run(before.dataset);
    db.prepare('UPDATE captchas SET label = ?, status = ?, updated_at = ? WHERE pk = ?').run(label, status, new Date().toISOString(), id);
    db.prepare(`INSERT INTO label_events (dataset, captcha, before_label, before_status, after_label, after_status, at)
      VALUES (?, ?, ?, ?, ?, ?, ?)`).run(before.dataset, id, before.label, before.status, label, status, new Date().toISOString());
  });
  return getCaptcha(db, id);
}

/** Undoes the dataset's latest change not yet undone; returns the captcha it restored, or null. */
export function undoLabel(db: Db, dataset: number): CaptchaRow | null {
  let restored: number | null = null;
  durably(db, () => {
    const e = db.prepare('SELECT * FROM label_events WHERE dataset = ? AND undone = 0 ORDER BY pk DESC LIMIT 1').get(dataset) as
      { pk: number; captcha: number; before_label: string | null; before_status: LabelStatus } | undefined;
    if (!e) return;
    db.prepare('UPDATE captchas SET label = ?, status = ?, updated_at = ? WHERE pk = ?').run(e.before_label, e.before_status, new Date().toISOString(), e.captcha);
    db.prepare('UPDATE label_events SET undone = 1 WHERE pk = ?').run(e.pk);
    restored = e.captcha;
  });
  return restored === null ? null : getCaptcha(db, restored);
}

/** Re-applies the earliest undone change; returns the captcha, or null when there is nothing to redo. */
export function redoLabel(db: Db, dataset: number): CaptchaRow | null {
  let reapplied: number | null = null;
  durably(db, () => {
    const e = db.prepare('SELECT * FROM label_events WHERE dataset = ? AND undone = 1 ORDER BY pk ASC LIMIT 1').get(dataset) as
      { pk: number; captcha: number; after_label: string | null; after_status: LabelStatus } | undefined;
    if (!e) return;
    db.prepare('UPDATE captchas SET label = ?, status = ?, updated_at = ? WHERE pk = ?').run(e.after_label, e.after_status, new Date().toISOString(), e.captcha);
    db.prepare('UPDATE label_events SET undone = 0 WHERE pk = ?').run(e.pk);
    reapplied = e.captcha;
  });
  return reapplied === null ? null : getCaptcha(db, reapplied);
}

/**
 * Runs a write transaction with synchronous = FULL (the connection's default is
 * NORMAL), taking the write lock first (BEGIN IMMEDIATE) so what it reads is what it
 * changes. Inside a caller's transaction it joins it: the caller made it durable.
 */
export function durably(db: Db, f: () => void): void {
  if (db.inTransaction) {
    db.transaction(f)();
    return;
  }
  db.pragma('synchronous = FULL');
  try {
    db.transaction(f).immediate();
  } finally {
    db.pragma('synchronous = NORMAL');
  }
}
