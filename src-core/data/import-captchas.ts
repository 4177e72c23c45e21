import { readFileSync } from 'node:fs';
import { basename, extname, resolve } from 'node:path';
import sharp from 'sharp';
import type { Db } from '../store/open.ts';
import { insertCaptchas } from '../store/captchas.ts';
import { insertDataset, updateDatasetReport, type DatasetRow } from '../store/datasets.ts';
import { labelProblem, type CaptchaSettings } from './captcha-image.ts';
import { checkImage, scanFolder, type Skipped } from './file-scan.ts';
import { synthesizeCaptchas, CAPTCHA_HEIGHT, CAPTCHA_WIDTH } from './captcha-synth.ts';

export const CAPTCHA_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg', '.gif', '.bmp', '.webp']);

export interface CaptchaImportOptions {
  settings: CaptchaSettings;
  /** Labels from the file name without its extension (`226md.png` → 226md). */
  labelsFromFilenames?: boolean;
  /** A CSV or TSV of `file,label` rows (a header row is allowed). */
  labelsFile?: string;
  name?: string;
  onProgress?: (done: number, total: number) => void;
}

export interface ImportReport {
  dataset: DatasetRow;
  imported: number;
  labelled: number;
  skipped: Skipped[];
  /** Labels that were refused (the captcha was imported unlabelled). */
  refusedLabels: Skipped[];
}

/** Reads `file,label` (or tab-separated) rows; keys are file names (basename). */
export function readLabelsFile(path: string): Map<string, string> {
  const text = readFileSync(path, 'utf8');
  const map = new Map<string, string>();
  text.split(/\r?\n/).forEach((line, i) => {
    if (!line.trim()) return;
    const [file, label] = line.includes('\t') ? line.split('\t') : line.split(',');
    if (file === undefined || label === undefined) throw new Error(`${path}:${i + 1}: expected "file,label"`);
    if (i === 0 && file.trim().toLowerCase() === 'file') return;
    map.set(basename(file.trim()), label.trim());
  });
  return map;
}

/** Decodes a captcha image to the dataset's normalised width × height grayscale. */
export async function normaliseCaptcha(path: string, s: CaptchaSettings): Promise<Uint8Array> {
  const { data } = await sharp(path, { limitInputPixels: false, failOn: 'truncated' })
    .flatten({ background: '#ffffff' }).grayscale().resize(s.width, s.height, { fit: 'fill' }).raw()
    .toBuffer({ resolveWithObject: true });
  return new Uint8Array(data);
}

/**
 * Imports a folder of scraped captchas as a dataset: every readable image is
 * normalised and stored with its label (if any); every file that cannot be used
 * is reported with its reason and the import goes on with the rest.
 */
export async function importCaptchaFolder(db: Db, dir: string, o: CaptchaImportOptions): Promise<ImportReport> {
  const folder = resolve(dir);
  const { files, skipped } = scanFolder(folder, CAPTCHA_EXTENSIONS);
  const fromCsv = o.labelsFile ? readLabelsFile(o.labelsFile) : null;
  const dataset = insertDataset(db, {
    kind: 'captcha', name: o.name ?? basename(folder), sourcePath: folder,
    settings: { ...o.settings, labels: fromCsv ? `file ${resolve(o.labelsFile!)}` : o.labelsFromFilenames ? 'file names' : 'none' },
  });
  const refused: Skipped[] = [];
  let batch: Parameters<typeof insertCaptchas>[2] = [];
  let imported = 0;
  let labelled = 0;
  for (const [i, f] of files.entries()) {
    try {
      await checkImage(f.path);
      const pixels = await normaliseCaptcha(f.path, o.settings);
      let label: string | null = fromCsv?.get(f.name) ?? (o.labelsFromFilenames ? basename(f.name, extname(f.name)) : null);
      if (label !== null) {
        const problem = labelProblem(label, o.settings);
        if (problem) {
          refused.push({ file: f.path, reason: problem });
          label = null;
        }
      }
      batch.push({ ordinal: imported, file: f.name, pixels, label });
      imported += 1;
      if (label) labelled += 1;
    } catch (err) {
      skipped.push({ file: f.path, reason: (err as Error).message });
    }
    if (batch.length >= 200) {
      insertCaptchas(db, dataset.id, batch);
      batch = [];
    }
    o.onProgress?.(i + 1, files.length);
  }
  insertCaptchas(db, dataset.id, batch);
  updateDatasetReport(db, dataset.id, { imported, labelled, skipped: skipped.length, refusedLabels: refused.length }, [...skipped, ...refused]);
  return { dataset: { ...dataset, counts: { imported, labelled, skipped: skipped.length } }, imported, labelled, skipped, refusedLabels: refused };
}

/** The built-in synthesiser as a dataset source: `count` labelled 20×80 captchas. */
export async function importSynthCaptchas(db: Db, count: number, seed: number, settings: CaptchaSettings): Promise<ImportReport> {
  if (settings.width !== CAPTCHA_WIDTH || settings.height !== CAPTCHA_HEIGHT || settings.length !== 4) {
    throw new Error('synthesised captchas are 20×80 with 4 characters');
  }
  const captchas = await synthesizeCaptchas(count, seed, { alphabet: settings.alphabet });
  const dataset = insertDataset(db, { kind: 'captcha', name: `synthesised (seed ${seed})`, sourcePath: `synth:${seed}`, settings: { ...settings, labels: 'synthesiser' } });
  // Stored as grayscale like imports: ink 1 → 0 (black), paper → 255.
  insertCaptchas(db, dataset.id, captchas.map((c, i) => ({
    ordinal: i, file: `synth-${String(i).padStart(6, '0')}.png`, pixels: Uint8Array.from(c.pixels, (v) => (v ? 0 : 255)), label: c.text,
  })));
  updateDatasetReport(db, dataset.id, { imported: count, labelled: count, skipped: 0, refusedLabels: 0 }, []);
  return { dataset, imported: count, labelled: count, skipped: [], refusedLabels: [] };
}
