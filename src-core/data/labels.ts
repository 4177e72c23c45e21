import { csvField, unguardCsvField } from '../util/csv.ts';
import { readFileSync } from 'node:fs';
import type { Db } from '../store/open.ts';
import { changeLabel, durably, getCaptcha, listCaptchas, type CaptchaRow } from '../store/captchas.ts';
import { getDatasetOfKind } from '../store/datasets.ts';
import { LABEL_STATUSES, type CaptchaSettings, type LabelStatus } from '../domain/datasets.ts';
import { InvalidInputError } from '../domain/errors.ts';
import { labelProblem } from './captcha-image.ts';

/** A label the dataset cannot take: the caller shows the reason; nothing was written. */
export class LabelError extends InvalidInputError {
  override name = 'LabelError';
  constructor(message: string) {
    super(message, 'label');
  }
}

export function settingsOf(db: Db, dataset: number): CaptchaSettings {
  return getDatasetOfKind(db, dataset, 'captcha').settings;
}

/** Labels a captcha (status → labelled) after validating against the alphabet and length. */
export function setLabel(db: Db, captchaId: number, label: string): CaptchaRow {
  const c = getCaptcha(db, captchaId);
  const problem = labelProblem(label, settingsOf(db, c.dataset));
  if (problem) throw new LabelError(problem);
  return changeLabel(db, captchaId, label, 'labelled');
}

/** Marks a captcha skipped, flagged or unlabelled, keeping its label text. */
export function setStatus(db: Db, captchaId: number, status: Exclude<LabelStatus, 'labelled'>): CaptchaRow {
  const c = getCaptcha(db, captchaId);
  return changeLabel(db, captchaId, c.label, status);
}

/** CSV of a dataset's labels: file,label,status. */
export function exportLabelsCsv(db: Db, dataset: number): string {
  const rows = listCaptchas(db, dataset);
  return ['file,label,status', ...rows.map((r) => `${csvField(r.file)},${csvField(r.label ?? '')},${r.status}`)].join('\n') + '\n';
}

/**
 * Applies a CSV of file,label[,status] rows. Every row is validated first; if any
 * is refused nothing is written, and the errors say which rows and why.
 */
export function importLabelsCsv(db: Db, dataset: number, path: string): { applied: number; unchanged: number } {
  const settings = settingsOf(db, dataset);
  const byFile = new Map(listCaptchas(db, dataset).map((c) => [c.file, c]));
  const errors: string[] = [];
  const changes: { id: number; label: string | null; status: LabelStatus }[] = [];
  let unchanged = 0;
  readFileSync(path, 'utf8').split(/\r?\n/).forEach((line, i) => {
    if (!line.trim() || (i === 0 && /^file\b/i.test(line))) return;
    const [file = '', label = '', status = ''] = parseCsvLine(line).map(unguardCsvField);
    const c = byFile.get(file);
    if (!c) return void errors.push(`row ${i + 1}: no captcha "${file}" in dataset ${dataset}`);
    const st = (status || (label ? 'labelled' : 'unlabelled')) as LabelStatus;
    if (!LABEL_STATUSES.includes(st)) return void errors.push(`row ${i + 1}: status "${status}" is not one of ${LABEL_STATUSES.join(', ')}`);
    if (label) {
      const problem = labelProblem(label, settings);
      if (problem) return void errors.push(`row ${i + 1}: ${problem}`);
    } else if (st === 'labelled') {
      return void errors.push(`row ${i + 1}: status labelled needs a label`);
    }
    if (c.label === (label || null) && c.status === st) unchanged += 1;
    else changes.push({ id: c.id, label: label || null, status: st });
  });
  if (errors.length) throw new LabelError(`nothing imported; ${errors.length} row(s) refused:\n${errors.slice(0, 20).join('\n')}`);
  durably(db, () => {
    for (const ch of changes) changeLabel(db, ch.id, ch.label, ch.status);
  });
  return { applied: changes.length, unchanged };
}

function parseCsvLine(line: string): string[] {
  if (line.includes('\t')) return line.split('\t').map((s) => s.trim());
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"';
        i += 1;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  out.push(cur.trim());
  return out;
}
