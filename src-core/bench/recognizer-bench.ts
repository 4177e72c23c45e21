/**
 * `npm run bench -- recognizer (--folder DIR --length N --alphabet S --size WxH | --synth COUNT) [--model ctc|lenet] [--seconds S] [--seed K] [--set key=value …]`
 * Imports a labelled folder of real captchas (names are their texts), or COUNT captchas
 * of the built-in synthesiser (its seed fixed: the same set for every --seed), into a scratch
 * home, trains a recogniser with the default settings (or with `--set` changes, to compare a
 * candidate default) for at most S seconds (600), and prints its accuracy on the held-out test split (never trained on, never used
 * for early stopping), the training time and the calibration error.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultCaptchaSettings } from '../data/captcha-image.ts';
import { CAPTCHA_HEIGHT, CAPTCHA_WIDTH } from '../data/captcha-synth.ts';
import { importCaptchaFolder, importSynthCaptchas } from '../data/import-captchas.ts';
import { runJob } from '../runner/run-job.ts';
import { openStore } from '../store/index.ts';
import { latestRecognizer } from '../store/recognizers.ts';
import { createRecognizerRun } from '../workbench/recognizers.ts';
import { pseudoLabelPrecision } from './pseudo-check.ts';

/** A folder of captchas named by their texts, or the synthesiser's. */
export type BenchCaptchas = { folder: string; length: number; alphabet: string; width: number; height: number } | { synth: number };

export async function benchRecognizer(o: { captchas: BenchCaptchas; model: 'ctc' | 'lenet'; seconds: number; seed: number; set?: Record<string, string> }): Promise<void> {
  const home = mkdtempSync(join(tmpdir(), 'gwb-bench-recognizer-'));
  const db = openStore(home);
  try {
    const c = o.captchas;
    const imported = 'synth' in c
      ? await importSynthCaptchas(db, c.synth, 1, defaultCaptchaSettings())
      : await importCaptchaFolder(db, c.folder, { settings: { ...defaultCaptchaSettings(c.length, c.alphabet), width: c.width, height: c.height }, labelsFromFilenames: true });
    const size = 'synth' in c ? `${CAPTCHA_WIDTH}×${CAPTCHA_HEIGHT}` : `${c.width}×${c.height}`;
    console.log(`${imported.imported} captchas (${imported.labelled} labelled) from ${'synth' in c ? 'the synthesiser (seed 1)' : c.folder} at ${size}`);
    const run = createRecognizerRun(db, home, imported.dataset.id, { ...o.set, seconds: String(o.seconds), seed: String(o.seed) }, o.model);
    if (o.set && Object.keys(o.set).length) console.log(`settings changed from the defaults: ${Object.entries(o.set).map(([k, v]) => `${k}=${v}`).join(', ')}`);
    const t0 = performance.now();
    let lastEval = '';
    const summary = await runJob({
      home, db, run, resume: false, shouldStop: () => false,
      emit: (e) => {
        if (e.type === 'progress' && e.losses.val_captcha_accuracy !== undefined) {
          const p = e.losses.val_text_probability;
          lastEval = `step ${e.step} (${e.seconds.toFixed(0)} s): validation ${(e.losses.val_captcha_accuracy * 100).toFixed(1)}% of captchas` +
            `${p === undefined ? '' : `, mean probability of the true texts ${p.toFixed(4)}`}`;
          console.log(`  ${lastEval}`);
        }
        if (e.type === 'note') console.log(`  ${e.text}`);
      },
    });
    const r = latestRecognizer(db, imported.dataset.id)!;
    console.log(`${o.model}: ${summary.steps} steps in ${((performance.now() - t0) / 1000).toFixed(0)} s (${summary.seconds.toFixed(0)} s of training) on ${summary.backend}`);
    console.log(`held-out: ${(r.captchaAccuracy * 100).toFixed(1)}% of captchas, ${(r.characterAccuracy * 100).toFixed(1)}% of characters on ${r.validationCaptchas} captchas` +
      `${r.calibrationError === null ? '' : `; expected calibration error ${r.calibrationError.toFixed(3)}`}`);
    if (r.unlabelledUsed) {
      const p = pseudoLabelPrecision(db, home, run.id, imported.dataset.id, r.alphabet);
      console.log(`pseudo-labels: ${r.pseudoLabelled} of ${r.unlabelledUsed} unlabelled captchas; ${p.right} of the ${p.checked} whose labels were withheld are right`);
    }
  } finally {
    db.close();
    rmSync(home, { recursive: true, force: true });
  }
}
