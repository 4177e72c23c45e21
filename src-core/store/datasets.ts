import { StoreError } from '../domain/errors.ts';
import type { Db } from './open.ts';
import { parseDatasetSettings, type DatasetFields, type DatasetKind, type DatasetSettingsOf } from '../domain/datasets.ts';
import { InvalidInputError, NotFoundError } from '../domain/errors.ts';

/** A dataset's row: exactly the domain's dataset fields, settings parsed by kind. */
export type DatasetRow = DatasetFields;

export class UnknownDatasetError extends NotFoundError {
  override name = 'UnknownDatasetError';
}

interface Raw {
  pk: number; kind: DatasetKind; name: string; source_path: string; settings: string; counts: string; errors: string; created_at: string;
}

function toRow(r: Raw): DatasetRow {
  const parsed = parseDatasetSettings(r.kind, JSON.parse(r.settings));
  if (!parsed.ok) throw new StoreError(`dataset ${r.pk} (${r.kind}) has settings this version cannot read: ${parsed.reason}`);
  return {
    id: r.pk, kind: r.kind, name: r.name, sourcePath: r.source_path, settings: parsed.settings,
    counts: JSON.parse(r.counts) as Record<string, number>, errors: JSON.parse(r.errors) as DatasetRow['errors'], createdAt: r.created_at,
  } as DatasetRow;
}

export function insertDataset<K extends DatasetKind>(db: Db, d: { kind: K; name: string; sourcePath: string; settings: DatasetSettingsOf<K> }): DatasetRow {
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

/** A dataset that must be of one kind (a captcha dataset for labelling, say): anything else is the user's error. */
export function getDatasetOfKind<K extends DatasetKind>(db: Db, id: number | string, kind: K): Extract<DatasetRow, { kind: K }> {
  const d = getDataset(db, id);
  if (d.kind !== kind) throw new InvalidInputError(`dataset ${d.id} holds ${d.kind}, not ${kind === 'captcha' ? 'captchas' : kind}`, 'dataset');
  return d as Extract<DatasetRow, { kind: K }>;
}

export function listDatasets(db: Db): DatasetRow[] {
  return (db.prepare('SELECT * FROM datasets ORDER BY pk').all() as Raw[]).map(toRow);
}

export function updateDatasetReport(db: Db, id: number, counts: Record<string, number>, errors: DatasetRow['errors']): void {
  db.prepare('UPDATE datasets SET counts = ?, errors = ? WHERE pk = ?').run(JSON.stringify(counts), JSON.stringify(errors), id);
}

export function updateDatasetSettings<K extends DatasetKind>(db: Db, id: number, _kind: K, settings: DatasetSettingsOf<K>): void {
  db.prepare('UPDATE datasets SET settings = ? WHERE pk = ?').run(JSON.stringify(settings), id);
}
