import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { defaultCaptchaSettings, getDataset, getDatasetOfKind, importCaptchaFolder, importFaces, type ImportReport, importSynthCaptchas, listDatasets } from '../workbench/datasets.ts';
import type { CaptchaSettings } from '../domain/datasets.ts';
import { cutPreviewPng, exportLabelsCsv, importLabelsCsv, labelCounts, latestRecognizer, listCaptchas, mislabelQueue } from '../workbench/labelling.ts';
import { withStore } from '../workbench/home.ts';
import { createRecognizerRun, findDatasetMislabels, MISLABEL_STEPS, prelabelDataset } from '../workbench/recognizers.ts';
import { RECOGNIZER_MODELS, type RecognizerModel } from '../domain/datasets.ts';
import type { SettingValue } from '../domain/runs.ts';
import { existingFolder } from '../workbench/datasets.ts';
import { resolveHome } from '../util/home.ts';
import { UsageError, intFlag, stringFlag, type ParsedArgs } from './args.ts';
import { drive, withHomeStore, type Io } from './commands.ts';
import { ProgressBar } from './progress.ts';

/** `--model ctc|lenet` (ctc when absent). */
function recognizerModel(args: ParsedArgs): RecognizerModel {
  const model = (stringFlag(args, 'model') ?? 'ctc') as RecognizerModel;
  if (!RECOGNIZER_MODELS.includes(model)) throw new UsageError(`--model takes ctc (segmentation-free, the default) or lenet (the thesis's, on cut tiles), not "${model}"`);
  return model;
}

function captchaSettings(args: ParsedArgs): CaptchaSettings {
  const length = intFlag(args, 'length', 1) ?? 4;
  const s = defaultCaptchaSettings(length, stringFlag(args, 'alphabet') ?? undefined);
  const size = stringFlag(args, 'size');
  if (size) {
    const m = /^(\d+)x(\d+)$/i.exec(size);
    if (!m) throw new UsageError(`--size takes WxH (e.g. 80x20), got "${size}"`);
    s.width = Number(m[1]);
    s.height = Number(m[2]);
    if (s.width < length || s.height < 4 || s.width * s.height > 1_000_000) throw new UsageError(`--size ${size} does not fit ${length} characters`);
  }
  const threshold = stringFlag(args, 'threshold');
  if (threshold !== undefined) {
    const t = Number(threshold);
    if (threshold !== 'otsu' && !(Number.isInteger(t) && t >= 0 && t <= 255)) throw new UsageError('--threshold takes otsu or a whole number 0–255');
    s.threshold = threshold === 'otsu' ? 'otsu' : t;
  }
  const seg = stringFlag(args, 'segmentation');
  if (seg !== undefined) {
    if (seg !== 'equal' && seg !== 'projection') throw new UsageError('--segmentation takes equal or projection');
    s.segmentation = seg;
  }
  const median = args.flags.has('median');
  const lines = intFlag(args, 'remove-lines', 0) ?? 0;
  if (lines > 8) throw new UsageError('--remove-lines takes 0–8 (strokes thinner than N pixels are removed)');
  if (median || lines > 1) s.preprocess = { median, removeStrokesThinnerThan: lines };
  if (new Set(s.alphabet).size !== s.alphabet.length) throw new UsageError('--alphabet has repeated characters');
  return s;
}

function printImport(r: ImportReport, args: ParsedArgs, io: Io): void {
  if (args.flags.has('json')) {
    io.out.write(`${JSON.stringify({ dataset: r.dataset.id, imported: r.imported, labelled: r.labelled, skipped: r.skipped, refusedLabels: r.refusedLabels })}\n`);
    return;
  }
  io.out.write(`dataset ${r.dataset.id}: ${r.imported} captchas imported, ${r.labelled} labelled, ${r.skipped.length} files skipped, ${r.refusedLabels.length} labels refused\n`);
  for (const s of [...r.skipped, ...r.refusedLabels].slice(0, 50)) io.out.write(`  ${s.file}: ${s.reason}\n`);
}

async function datasetSynthCaptchas(target: string | undefined, args: ParsedArgs, io: Io): Promise<number> {
  return withHomeStore(args, async (db) => {
    const count = intFlag(args, 'count', 1);
    if (!count) throw new UsageError('dataset synth-captchas needs --count N');
    printImport(await importSynthCaptchas(db, count, intFlag(args, 'seed', 0) ?? 1, defaultCaptchaSettings()), args, io);
    return 0;
  });
}

async function datasetImportCaptchas(target: string | undefined, args: ParsedArgs, io: Io): Promise<number> {
  if (!target) throw new UsageError('dataset import-captchas needs a folder');
  return withHomeStore(args, async (db) => {
    let bar: ProgressBar | null = null;
    const t0 = performance.now();
    const report = await importCaptchaFolder(db, existingFolder(target), {
      settings: captchaSettings(args), labelsFromFilenames: args.flags.has('labels-from-filenames'),
      labelsFile: stringFlag(args, 'labels'),
      onProgress: (done, total) => {
        if (args.flags.has('json')) return;
        bar ??= new ProgressBar(io.err, total, 0);
        const rate = done / ((performance.now() - t0) / 1000);
        bar.update(done, rate, (total - done) / Math.max(rate, 1e-9), {}, done === total);
      },
    });
    (bar as ProgressBar | null)?.finish();
    printImport(report, args, io);
    return 0;
  });
}

async function datasetImportCeleba(target: string | undefined, args: ParsedArgs, io: Io): Promise<number> {
  if (!target) throw new UsageError('dataset import-celeba needs a folder');
  const size = intFlag(args, 'size', 1) ?? 64;
  if (size !== 64 && size !== 128) throw new UsageError('--size takes 64 or 128');
  return withHomeStore(args, async (db, home) => {
    const abort = new AbortController();
    const onSignal = () => abort.abort();
    process.on('SIGINT', onSignal);
    let bar: ProgressBar | null = null;
    const t0 = performance.now();
    try {
      const r = await importFaces(db, home, existingFolder(target), {
        size, signal: abort.signal,
        onProgress: (done, total) => {
          if (args.flags.has('json')) return;
          bar ??= new ProgressBar(io.err, total, 0);
          const secs = (performance.now() - t0) / 1000;
          bar.update(done, done / secs, (total - done) / Math.max(done / secs, 1e-9), {});
        },
      });
      (bar as ProgressBar | null)?.finish();
      const seconds = (performance.now() - t0) / 1000;
      if (args.flags.has('json')) {
        io.out.write(`${JSON.stringify({ dataset: r.dataset.id, records: r.records, skipped: r.skipped, cancelled: r.cancelled, resumed: r.resumed, seconds })}\n`);
      } else {
        io.out.write(`dataset ${r.dataset.id}: ${r.records} faces at ${size}² ${r.cancelled ? '(cancelled: run the same command to resume)' : ''}` +
          `${r.resumed ? ' (resumed)' : ''}, ${r.skipped.length} skipped, ${seconds.toFixed(1)} s\n`);
        for (const s of r.skipped.slice(0, 50)) io.out.write(`  ${s.file}: ${s.reason}\n`);
      }
      return r.cancelled ? 130 : 0;
    } finally {
      process.off('SIGINT', onSignal);
    }
  });
}

async function datasetList(target: string | undefined, args: ParsedArgs, io: Io): Promise<number> {
  return withHomeStore(args, (db) => {
    const all = listDatasets(db);
    if (args.flags.has('json')) io.out.write(`${JSON.stringify(all.map(({ errors: _e, ...d }) => d))}\n`);
    else if (all.length === 0) io.out.write('no datasets\n');
    else for (const d of all) io.out.write(`${String(d.id).padStart(4)}  ${d.kind.padEnd(8)} ${d.name}  ${JSON.stringify(d.counts)}\n`);
    return 0;
  });
}

async function datasetShow(target: string | undefined, args: ParsedArgs, io: Io): Promise<number> {
  if (!target) throw new UsageError('dataset show needs an id');
  return withHomeStore(args, (db) => {
    const d = getDataset(db, target);
    const labels = d.kind === 'captcha' ? labelCounts(db, d.id) : null;
    const recognizer = d.kind === 'captcha' ? latestRecognizer(db, d.id) : null;
    if (args.flags.has('json')) {
      io.out.write(`${JSON.stringify({ ...d, labels, recognizer: recognizer && { ...recognizer, confusion: undefined } })}\n`);
      return 0;
    }
    io.out.write(`dataset ${d.id} (${d.kind}) ${d.name}\n  source   ${d.sourcePath}\n  counts   ${JSON.stringify(d.counts)}\n`);
    if (labels) io.out.write(`  labels   ${JSON.stringify(labels)}\n`);
    if (recognizer) io.out.write(`  recogniser ${recognizer.id}: ${(recognizer.characterAccuracy * 100).toFixed(1)}% characters, ${(recognizer.captchaAccuracy * 100).toFixed(1)}% captchas\n`);
    for (const e of d.errors.slice(0, 50)) io.out.write(`  skipped ${e.file}: ${e.reason}\n`);
    return 0;
  });
}

async function datasetPreview(target: string | undefined, args: ParsedArgs, io: Io): Promise<number> {
  if (!target) throw new UsageError('dataset preview needs an id');
  const out = stringFlag(args, 'out');
  if (!out) throw new UsageError('dataset preview needs --out FILE.png');
  return withHomeStore(args, async (db) => {
    const d = getDatasetOfKind(db, target, 'captcha');
    const s = d.settings;
    const c = listCaptchas(db, d.id, { offset: intFlag(args, 'captcha', 0) ?? 0, limit: 1 })[0];
    if (!c) throw new UsageError(`dataset ${d.id} has no captcha at that position`);
    writeFileSync(resolve(out), await cutPreviewPng(c.pixels, s));
    io.out.write(`wrote ${resolve(out)} (${c.file}, label ${c.label ?? '-'})\n`);
    return 0;
  });
}

/** `dataset <verb> …`: one function per verb. */
const DATASET_VERBS: Record<string, (target: string | undefined, args: ParsedArgs, io: Io) => Promise<number>> = {
  'synth-captchas': datasetSynthCaptchas,
  'import-captchas': datasetImportCaptchas,
  'import-celeba': datasetImportCeleba,
  'list': datasetList,
  'show': datasetShow,
  'preview': datasetPreview,
};

export async function datasetCommand(args: ParsedArgs, io: Io): Promise<number> {
  const [verb, target] = args.positionals;
  const run = verb !== undefined && Object.hasOwn(DATASET_VERBS, verb) ? DATASET_VERBS[verb] : undefined;
  if (!run) throw new UsageError('dataset takes synth-captchas, import-captchas, import-celeba, list, show or preview');
  return run(target, args, io);
}

export async function labelsCommand(args: ParsedArgs, io: Io): Promise<number> {
  const [verb, id, file] = args.positionals;
  if (!id) throw new UsageError('labels export|import needs a dataset id');
  return withHomeStore(args, (db) => {
    const d = getDataset(db, id);
    if (verb === 'export') {
      const out = stringFlag(args, 'out');
      if (!out) throw new UsageError('labels export needs --out FILE.csv');
      writeFileSync(resolve(out), exportLabelsCsv(db, d.id));
      io.out.write(`wrote ${resolve(out)}\n`);
      return 0;
    }
    if (verb === 'import') {
      if (!file) throw new UsageError('labels import needs a CSV file');
      const r = importLabelsCsv(db, d.id, file);
      io.out.write(`${r.applied} labels applied, ${r.unchanged} unchanged\n`);
      return 0;
    }
    throw new UsageError('labels takes export or import');
  });
}

export async function recognizerCommand(args: ParsedArgs, io: Io): Promise<number> {
  const [verb] = args.positionals;
  const datasetId = stringFlag(args, 'dataset');
  if (!datasetId) throw new UsageError(`recognizer ${verb ?? ''} needs --dataset ID`);
  const home = resolveHome(stringFlag(args, 'home'));
  if (verb === 'train') {
    const sets: Record<string, SettingValue> = { ...args.sets };
    const steps = intFlag(args, 'steps', 1);
    if (steps) sets.steps = steps;
    const labels = intFlag(args, 'labels', 1);
    if (labels) sets.labelBudget = labels;
    const seed = intFlag(args, 'seed', 0);
    if (seed !== undefined) sets.seed = seed;
    const { d, run } = withStore(home, (db) => {
      const d = getDatasetOfKind(db, datasetId, 'captcha');
      return { d, run: createRecognizerRun(db, home, d.id, sets, recognizerModel(args)) };
    });
    const code = await drive({ home, run: run.id, resume: false }, args, io);
    if (code !== 0) return code;
    return withHomeStore(args, (db2) => {
      const r = latestRecognizer(db2, d.id);
      if (!r) return 1;
      const summary = {
        recognizer: r.id, dataset: d.id, model: r.model, characterAccuracy: r.characterAccuracy, captchaAccuracy: r.captchaAccuracy,
        validationCaptchas: r.validationCaptchas, calibrationError: r.calibrationError,
        labelsUsed: r.labelsUsed ?? null, unlabelledUsed: r.unlabelledUsed ?? 0, pseudoLabelled: r.pseudoLabelled ?? 0,
      };
      if (args.flags.has('json')) io.out.write(`${JSON.stringify({ ...summary, confusion: r.confusion })}\n`);
      else {
        io.out.write(`recogniser ${r.id} (${r.model}): per-character accuracy ${(r.characterAccuracy * 100).toFixed(2)}%, per-captcha ${(r.captchaAccuracy * 100).toFixed(2)}% on ${r.validationCaptchas} held-out captchas` +
          `${r.calibrationError === null ? '' : `, expected calibration error ${r.calibrationError.toFixed(3)}`}` +
          `${r.labelsUsed == null ? '' : `; ${r.labelsUsed} labels used, ${r.unlabelledUsed ?? 0} unlabelled captchas (${r.pseudoLabelled ?? 0} pseudo-labelled)`}\n`);
      }
      return 0;
    });
  }
  return withHomeStore(args, async (db) => {
    if (verb === 'prelabel') {
      const r = await prelabelDataset(db, datasetId, intFlag(args, 'recognizer', 1));
      io.out.write(`${r.count} unlabelled captchas pre-labelled by recogniser ${r.recognizer}\n`);
      return 0;
    }
    if (verb === 'mislabels') {
      const model = recognizerModel(args);
      const scored = await findDatasetMislabels(db, datasetId, {
        folds: intFlag(args, 'folds', 2) ?? 4, steps: intFlag(args, 'steps', 1) ?? MISLABEL_STEPS[model], seed: intFlag(args, 'seed', 0) ?? 0, model, set: args.sets,
        onFold: (f) => io.err.write(`fold ${f} done\n`),
      });
      const queue = mislabelQueue(db, Number(datasetId), 20);
      if (args.flags.has('json')) io.out.write(`${JSON.stringify({ scored, queue })}\n`);
      else for (const q of queue) io.out.write(`${q.score.toFixed(3)}  ${q.file}  labelled ${q.label}  reads as ${q.suggested}\n`);
      return 0;
    }
    throw new UsageError('recognizer takes train, prelabel or mislabels');
  });
}
