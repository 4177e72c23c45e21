import type { Db } from './open.ts';
import type { DatasetFields } from '../api/types.ts';

export const DATASET_KINDS = ['captcha', 'faces', 'images'] as const;
export type DatasetKind = (typeof DATASET_KINDS)[number];

/** A dataset's row: exactly the API's dataset fields (src-core/api/types.ts). */
export type DatasetRow = DatasetFields;

export class UnknownDatasetError extends Error {
  override name = 'UnknownDatasetError';
}

interface Raw {
  pk: number; kind: DatasetKind; name: string; source_path: string; settings: string; counts: string; errors: string; created_at: string;
}

const toRow = (r: Raw): DatasetRow => ({
  id: r.pk, kind: r.kind, name: r.name, sourcePath: r.source_path, settings: JSON.parse(r.settings) as Record<string, unknown>,
  counts: JSON.parse(r.counts) as Record<string, number>, errors: JSON.parse(r.errors) as DatasetRow['errors'], createdAt: r.created_at,
});

export function insertDataset(db: Db, d: { kind: DatasetKind; name: string; sourcePath: string; settings: object }): DatasetRow {
  const info = db.prepare('INSERT INTO datasets (kind, name, source_path, settings, created_at) VALUES (?, ?, ?, ?, ?)')
    .run(d.kind, d.name, d.sourcePath, JSON.stringify(d.settings), new Date().toISOString());
  return getDataset(db, Number(info.lastInsertRowid));
}

export function getDataset(db: Db, id: number | string): DatasetRow {
  const n = Number(id);
  const r = Number.isInteger(n) ? (db.prepare('SELECT * FROM datasets WHERE pk = ?').get(n) as Raw | undefined) : undefined;
  if (!r) throw new UnknownDatasetError(`unknown dataset "${id}" (see \`gan-workbench dataset list\`)`);
  return toRow(r);
}

export function listDatasets(db: Db): DatasetRow[] {
  return (db.prepare('SELECT * FROM datasets ORDER BY pk').all() as Raw[]).map(toRow);
}

export function updateDatasetReport(db: Db, id: number, counts: Record<string, number>, errors: DatasetRow['errors']): void {
  db.prepare('UPDATE datasets SET counts = ?, errors = ? WHERE pk = ?').run(JSON.stringify(counts), JSON.stringify(errors), id);
}

export function updateDatasetSettings(db: Db, id: number, settings: object): void {
  db.prepare('UPDATE datasets SET settings = ? WHERE pk = ?').run(JSON.stringify(settings), id);
}
