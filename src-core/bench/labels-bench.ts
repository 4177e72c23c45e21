/**
 * `npm run bench -- labels (--folder DIR --length N --alphabet S --size WxH | --scheme hard [--count C]) [--budgets 25,50,100,200,all]
 *  [--seeds 0,1,2] [--seconds S] [--set key=value …] [--results FILE]`
 * The label curve: for each label budget N and seed, the segmentation-free recogniser trains with only N labels
 * (chosen by the seed; the other labels withheld, their captchas read unlabelled by self-training) with the
 * default settings or `--set` changes, and is read on one fixed test split. Prints each run, then per budget
 * the median over seeds with its bootstrap interval and the pooled test captchas' Wilson interval (90%).
 * A curve is hours on 2 cores (10–20 minutes a point): with `--results FILE` each finished run is appended to FILE
 * (JSON lines), a rerun skips the points FILE already holds for the same captchas and settings, and the summary is
 * over all of them, so a curve can be built over several sittings.
 */
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultCaptchaSettings } from '../data/captcha-image.ts';
import { HARD_SCHEME } from '../data/captcha-scheme.ts';
import { importCaptchaFolder, importSchemeCaptchas } from '../data/import-captchas.ts';
import { resolveConfig } from '../presets/resolve.ts';
import type { RecognizerJobConfig } from '../presets/types.ts';
import { formatInterval, medianInterval, wilsonInterval } from '../reproduce/stats.ts';
import { runJob } from '../runner/run-job.ts';
import { openStore } from '../store/index.ts';
import type { Db } from '../store/open.ts';
import { latestRecognizer } from '../store/recognizers.ts';
import { budgetableLabels } from '../training/sequence-data.ts';
import { createRecognizerRun } from '../workbench/recognizers.ts';
import { pseudoLabelPrecision } from './pseudo-check.ts';

export type LabelCurveCaptchas = { folder: string; length: number; alphabet: string; width: number; height: number } | { scheme: 'hard'; count: number };

interface CurveRun { budget: number; seed: number; right: number; test: number; characters: number; pseudo: number; unlabelled: number; steps: number; seconds: number }

/** A curve's captchas imported into a fresh store, labels from the file names (a folder) or the drawn texts (the hard scheme). */
export async function importCurveCaptchas(db: Db, c: LabelCurveCaptchas) {
  const imported = 'scheme' in c
    ? await importSchemeCaptchas(db, HARD_SCHEME, c.count, 1, 'hard scheme')
    : await importCaptchaFolder(db, c.folder, { settings: { ...defaultCaptchaSettings(c.length, c.alphabet), width: c.width, height: c.height }, labelsFromFilenames: true });
  console.log(`${imported.imported} captchas (${imported.labelled} labelled) from ${'scheme' in c ? `the hard scheme (seed 1: ${HARD_SCHEME.length} of ${HARD_SCHEME.alphabet.length} symbols, ${HARD_SCHEME.width}×${HARD_SCHEME.height}, ${HARD_SCHEME.lines} lines)` : c.folder}`);
  return imported;
}

/** What makes two runs points of one curve: the captchas, the preset's version (its defaults), the settings changed and the time limit. */
export function curveKey(o: { captchas: LabelCurveCaptchas; seconds: number; set?: Record<string, string> }, presetVersion: number): string {
  return JSON.stringify({ captchas: o.captchas, presetVersion, seconds: o.seconds, set: Object.fromEntries(Object.entries(o.set ?? {}).sort()) });
}

/** The runs a results file holds for this curve. */
function storedRuns(file: string | undefined, key: string): CurveRun[] {
  if (!file || !existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { key: string; run: CurveRun })
    .filter((l) => l.key === key).map((l) => l.run);
}

export async function benchLabelCurve(o: { captchas: LabelCurveCaptchas; budgets: (number | 'all')[]; seeds: number[]; seconds: number; set?: Record<string, string>; results?: string }): Promise<void> {
  const home = mkdtempSync(join(tmpdir(), 'gwb-bench-labels-'));
  const db = openStore(home);
  try {
    const imported = await importCurveCaptchas(db, o.captchas);
    if (o.set && Object.keys(o.set).length) console.log(`settings changed from the defaults: ${Object.entries(o.set).map(([k, v]) => `${k}=${v}`).join(', ')}`);
    const defaults = resolveConfig('captcha-recognizer-ctc', o.set ?? {}) as RecognizerJobConfig;
    const all = budgetableLabels(imported.labelled, defaults.testSplit);
    const key = curveKey(o, defaults.presetVersion);
    const runs: CurveRun[] = storedRuns(o.results, key);
    if (runs.length) console.log(`${runs.length} runs of this curve already in ${o.results}: ${runs.map((r) => `N=${r.budget} seed ${r.seed}`).join(', ')}`);
    for (const b of o.budgets) {
      const budget = b === 'all' ? all : b;
      for (const seed of o.seeds) {
        if (runs.some((r) => r.budget === budget && r.seed === seed)) continue;
        const run = createRecognizerRun(db, home, imported.dataset.id, { ...o.set, labelBudget: budget, seed, seconds: o.seconds }, 'ctc');
        const t0 = performance.now();
        const summary = await runJob({ home, db, run, resume: false, shouldStop: () => false, emit: (e) => { if (e.type === 'warning') console.log(`  ${e.text}`); } });
        const r = latestRecognizer(db, imported.dataset.id)!;
        const right = Math.round(r.captchaAccuracy * r.validationCaptchas);
        const p = pseudoLabelPrecision(db, home, run.id, imported.dataset.id, r.alphabet);
        const point: CurveRun = { budget, seed, right, test: r.validationCaptchas, characters: r.characterAccuracy, pseudo: r.pseudoLabelled ?? 0, unlabelled: r.unlabelledUsed ?? 0, steps: summary.steps, seconds: summary.seconds };
        runs.push(point);
        if (o.results) appendFileSync(o.results, `${JSON.stringify({ key, run: point, date: new Date().toISOString() })}\n`);
        console.log(`N=${budget} seed ${seed}: ${(r.captchaAccuracy * 100).toFixed(1)}% of ${r.validationCaptchas} test captchas (${(r.characterAccuracy * 100).toFixed(1)}% of characters); ` +
          `${r.labelsUsed} labels, ${r.pseudoLabelled ?? 0} of ${r.unlabelledUsed ?? 0} unlabelled pseudo-labelled (${p.right} of ${p.checked} right); ${summary.steps} steps, ${summary.seconds.toFixed(0)} s training, ${((performance.now() - t0) / 1000).toFixed(0)} s in all`);
      }
    }
    console.log('\nlabels | captchas read whole: median over seeds [90% bootstrap] | pooled [90% Wilson] | per seed');
    for (const budget of [...new Set(runs.map((r) => r.budget))].sort((a, b) => a - b)) {
      const rs = runs.filter((r) => r.budget === budget);
      const pooled = wilsonInterval(rs.reduce((s, r) => s + r.right, 0), rs.reduce((s, r) => s + r.test, 0));
      console.log(`${String(budget).padStart(6)} | ${formatInterval(medianInterval(rs.map((r) => (r.right / r.test) * 100)), 3, '%')} | ${formatInterval({ median: pooled.median * 100, low: pooled.low * 100, high: pooled.high * 100 }, 3, '%')} | ` +
        rs.map((r) => `${((r.right / r.test) * 100).toFixed(1)}%`).join(' '));
    }
  } finally {
    db.close();
    rmSync(home, { recursive: true, force: true });
  }
}
