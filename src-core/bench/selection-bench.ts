/**
 * `npm run bench -- selection (--folder DIR --length N --alphabet S --size WxH | --scheme hard [--count C]) [--budgets 100]
 *  [--seeds 0,1,2] [--set key=value …] [--results FILE]`
 * Which weights a label-budget run should record: trains the segmentation-free recogniser as the label curve does
 * (the preset's defaults, no time limit) and reads the fixed test split at every evaluation after pretraining with
 * two sets of weights — those the best validation evaluation so far kept, and the averaged weights now — beside the
 * validation score and how many unlabelled captchas are pseudo-labelled. Both are read from one run, so the two choices are compared on the same training. Prints a line per
 * evaluation, the final test errors, and a summary per seed; `--results FILE` appends every line as JSON.
 */
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../engine/backend.ts';
import type { RecognizerJobConfig } from '../presets/types.ts';
import { loadRunData } from '../runner/run-job.ts';
import { openStore } from '../store/index.ts';
import { sequencePools } from '../training/sequence-data.ts';
import { imagesOf } from '../training/sequence-evaluator.ts';
import { createSequenceRecognizerJob } from '../training/sequence-recognizer-job.ts';
import { createRecognizerRun } from '../workbench/recognizers.ts';
import { importCurveCaptchas, type LabelCurveCaptchas } from './labels-bench.ts';

export async function benchSelection(o: { captchas: LabelCurveCaptchas; budgets: number[]; seeds: number[]; set?: Record<string, string>; results?: string }): Promise<void> {
  const home = mkdtempSync(join(tmpdir(), 'gwb-bench-selection-'));
  const db = openStore(home);
  const record = (line: object) => {
    console.log(JSON.stringify(line));
    if (o.results) appendFileSync(o.results, `${JSON.stringify({ captchas: o.captchas, set: o.set ?? {}, ...line })}\n`);
  };
  try {
    const imported = await importCurveCaptchas(db, o.captchas);
    await initBackend('auto', 'training');
    const summary: string[] = [];
    for (const budget of o.budgets) for (const seed of o.seeds) {
      // The best evaluation's weights are asked for explicitly (selectionValidationCaptchas 0): the averaged ones are read beside them.
      const run = createRecognizerRun(db, home, imported.dataset.id, { steps: 5000, ...o.set, labelBudget: budget, seed, seconds: 0, selectionValidationCaptchas: 0 }, 'ctc');
      const config = run.config as RecognizerJobConfig;
      // The run's own data, as runJob loads it: the unlabelled captchas, the fitted synthesiser's (refined when asked).
      const data = await loadRunData(config, { home, db, emit: (e) => { if (e.type === 'warning' || e.type === 'note') console.log(`  ${e.text}`); } });
      const job = createSequenceRecognizerJob(config, data);
      const { test } = sequencePools(data, config);
      const truth = (id: number) => data.sequences![id]!.join(',');
      const t0 = performance.now();
      try {
        while (job.iteration < config.steps && !job.finished?.()) {
          const losses = await job.runIteration();
          for (const n of job.notes()) console.log(`  [${job.iteration}] ${n}`);
          if (job.iteration % config.evalEvery !== 0 || job.pretraining) continue;
          const averaged = await job.withAveragedWeights(() => job.evaluate('test'));
          const best = await job.withRecordedWeights(() => job.evaluate('test'));
          record({
            budget, seed, step: job.iteration, seconds: Math.round((performance.now() - t0) / 1000), validation: losses.val_captcha_accuracy, validationProbability: losses.val_text_probability,
            testAveraged: averaged.captchaAccuracy, testBest: best.captchaAccuracy, pseudoLabelled: job.pseudoLabelled,
          });
        }
        const read = async (recorded: boolean) => {
          const f = () => job.read(imagesOf(data, test), test.length);
          const readings = await (recorded ? job.withRecordedWeights(f) : job.withAveragedWeights(f));
          return test.map((id, i) => ({ truth: truth(id), read: readings[i]!.label.join(','), confidence: readings[i]!.confidence })).filter((r) => r.truth !== r.read);
        };
        const errors = { best: await read(true), averaged: await read(false) };
        record({ budget, seed, end: true, steps: job.iteration, seconds: Math.round((performance.now() - t0) / 1000), errors });
        const right = (e: unknown[]) => `${test.length - e.length} of ${test.length}`;
        summary.push(`N=${budget} seed ${seed}: best validation's weights ${right(errors.best)}, last averaged ${right(errors.averaged)} (${job.iteration} steps)`);
      } finally {
        job.dispose();
        data.close?.();
      }
    }
    console.log(`\n${summary.join('\n')}`);
  } finally {
    db.close();
    rmSync(home, { recursive: true, force: true });
  }
}
