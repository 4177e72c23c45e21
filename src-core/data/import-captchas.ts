import { cleanCaptcha } from './captcha-clean.ts';
import { readFileSync } from 'node:fs';
import { basename, extname, resolve } from 'node:path';
import sharp from 'sharp';
import type { Db } from '../store/open.ts';
import { insertCaptchas } from '../store/captchas.ts';
import { getDataset, insertDataset, listDatasets, updateDatasetReport, updateDatasetSettings, type DatasetRow } from '../store/datasets.ts';
import { labelProblem, type CaptchaSettings } from './captcha-image.ts';
import { checkImage, MAX_PIXELS, scanFolder, type Skipped } from './file-scan.ts';
import { synthesizeCaptchas, CAPTCHA_HEIGHT, CAPTCHA_WIDTH } from './captcha-synth.ts';
import { renderCaptchas, type CaptchaScheme } from './captcha-scheme.ts';

export const CAPTCHA_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg', '.gif', '.bmp', '.webp']);

export interface CaptchaImportOptions {
  settings: CaptchaSettings;
  /** Labels from the file name without its extension (`226md.png` → 226md). */
  labelsFromFilenames?: boolean;
  /** A CSV or TSV of `file,label` rows (a header row is allowed). */
  labelsFile?: string;
  name?: string;
  onProgress?: (done: number, total: number) => void;
  /** Aborting stops after the current file; what was committed stays, and a later import of the folder resumes. */
  signal?: AbortSignal;
  /** Captchas per committed batch (default 200). */
  commitEvery?: number;
}

export interface ImportReport {
  dataset: DatasetRow;
  imported: number;
  labelled: number;
  skipped: Skipped[];
  /** Labels that were refused (the captcha was imported unlabelled). */
  refusedLabels: Skipped[];
  /** Stopped through the signal before the end (resumable). */
  cancelled: boolean;
  /** This import continued an earlier one that was cut off. */
  resumed: boolean;
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

/**
 * Decodes a captcha image to the dataset's normalised width × height grayscale (cleaned
 * as its `preprocess` setting says); the
 * decoder itself enforces the pixel limit too (the file may change after checkImage).
 */
export async function normaliseCaptcha(path: string, s: CaptchaSettings): Promise<Uint8Array> {
  const { data } = await sharp(path, { limitInputPixels: MAX_PIXELS, failOn: 'truncated' })
    .flatten({ background: '#ffffff' }).grayscale().resize(s.width, s.height, { fit: 'fill' }).raw()
    .toBuffer({ resolveWithObject: true });
  return cleanCaptcha(new Uint8Array(data), s);
}

/**
 * Imports a folder of scraped captchas as a dataset: every readable image is
 * normalised and stored with its label (if any); every file that cannot be used
 * is reported with its reason and the import goes on with the rest. Batches are
 * committed with the place the import has reached, so an import cut off (killed,
 * cancelled through `signal`) loses at most the batch in progress and a later
 * import of the same folder with the same cut settings resumes it without duplicates.
 */
export async function importCaptchaFolder(db: Db, dir: string, o: CaptchaImportOptions): Promise<ImportReport> {
  const folder = resolve(dir);
  const { files, skipped: scanSkipped } = scanFolder(folder, CAPTCHA_EXTENSIONS);
  const fromCsv = o.labelsFile ? readLabelsFile(o.labelsFile) : null;
  const unfinished = listDatasets(db).find((d): d is Extract<DatasetRow, { kind: 'captcha' }> => d.kind === 'captcha'
    && d.sourcePath === folder && d.settings.complete === false && sameCut(d.settings, o.settings));
  const settings = unfinished?.settings ?? {
    ...o.settings, labels: fromCsv ? `file ${resolve(o.labelsFile!)}` : o.labelsFromFilenames ? 'file names' : 'none', complete: false, nextFile: 0,
  };
  const dataset = unfinished ?? insertDataset(db, { kind: 'captcha', name: o.name ?? basename(folder), sourcePath: folder, settings });
  const earlier = unfinished ? { counts: unfinished.counts, errors: unfinished.errors } : null;
  const skipped: Skipped[] = earlier ? [] : scanSkipped;
  const refused: Skipped[] = [];
  let batch: Parameters<typeof insertCaptchas>[2] = [];
  let imported = earlier?.counts.imported ?? 0;
  let labelled = earlier?.counts.labelled ?? 0;
  const report = () => ({
    counts: {
      imported, labelled, skipped: (earlier?.counts.skipped ?? 0) + skipped.length, refusedLabels: (earlier?.counts.refusedLabels ?? 0) + refused.length,
    },
    errors: [...(earlier?.errors ?? []), ...skipped, ...refused],
  });
  const commit = (nextFile: number, complete: boolean) => {
    db.transaction(() => {
      insertCaptchas(db, dataset.id, batch);
      updateDatasetSettings(db, dataset.id, 'captcha', { ...settings, nextFile, complete });
      const r = report();
      updateDatasetReport(db, dataset.id, r.counts, r.errors);
    })();
    batch = [];
  };
  let next = settings.nextFile ?? 0;
  let cancelled = false;
  for (; next < files.length; next++) {
    if (o.signal?.aborted) {
      cancelled = true;
      break;
    }
    const f = files[next]!;
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
    if (batch.length >= (o.commitEvery ?? 200)) commit(next + 1, false);
    o.onProgress?.(next + 1, files.length);
  }
  commit(next, !cancelled);
  return {
    dataset: getDataset(db, dataset.id), imported, labelled, skipped: [...(earlier?.errors ?? []), ...skipped], refusedLabels: refused,
    cancelled, resumed: unfinished !== undefined,
  };
}

const sameCut = (a: CaptchaSettings, b: CaptchaSettings) =>
  a.width === b.width && a.height === b.height && a.length === b.length && a.alphabet === b.alphabet
  && JSON.stringify(a.preprocess ?? null) === JSON.stringify(b.preprocess ?? null);

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
  return { dataset, imported: count, labelled: count, skipped: [], refusedLabels: [], cancelled: false, resumed: false };
}

/**
 * `count` captchas of a synthesiser scheme (captcha-scheme.ts; the benchmarks' hard scheme) as a labelled dataset,
 * stored gray as imports store them: a stand-in for a scraped scheme whose labels a benchmark may withhold.
 */
export async function importSchemeCaptchas(db: Db, scheme: CaptchaScheme, count: number, seed: number, name = `synthesised scheme (seed ${seed})`): Promise<ImportReport> {
  const settings: CaptchaSettings = { width: scheme.width, height: scheme.height, length: scheme.length, alphabet: scheme.alphabet, threshold: 'otsu', segmentation: 'equal' };
  const captchas = await renderCaptchas(scheme, count, seed);
  const dataset = insertDataset(db, { kind: 'captcha', name, sourcePath: `scheme:${seed}`, settings: { ...settings, labels: 'synthesiser' } });
  insertCaptchas(db, dataset.id, captchas.map((c, i) => ({ ordinal: i, file: `scheme-${String(i).padStart(6, '0')}.png`, pixels: c.gray, label: c.text })));
  updateDatasetReport(db, dataset.id, { imported: count, labelled: count, skipped: 0, refusedLabels: 0 }, []);
  return { dataset: getDataset(db, dataset.id), imported: count, labelled: count, skipped: [], refusedLabels: [], cancelled: false, resumed: false };
}
