/** Recogniser rules shared by the CLI and the app: which dataset trains one, with what configuration, and what uses it. */
import { InvalidInputError } from '../domain/errors.ts';
import { createRun } from '../runner/run-folder.ts';
import { getDatasetOfKind } from '../store/datasets.ts';
import type { Db } from '../store/open.ts';
import { labelCounts } from '../store/captchas.ts';
import { labelBudgetProblem } from '../training/sequence-data.ts';
import type { RunRow } from '../store/runs.ts';
import { resolveRunConfig } from './runs.ts';
import type { RecognizerModel } from '../domain/datasets.ts';
import type { Settings } from '../domain/runs.ts';

// The recogniser's dataset tasks run in the task process (runner/dataset-tasks.ts); the CLI calls them here.
export { findDatasetMislabels, prelabelDataset } from '../runner/dataset-tasks.ts';

/** The preset each recogniser model trains with. */
export const RECOGNIZER_PRESETS: Record<RecognizerModel, string> = { ctc: 'captcha-recognizer-ctc', lenet: 'captcha-recognizer' };

/**
 * A new recogniser run on a captcha dataset (its runner not yet started): the
 * segmentation-free model by default (97.2% of real captchas against LeNet's 87.9%,
 * docs/benchmarks.md), the thesis's LeNet on tiles with `lenet`; `overrides` as `--set`.
 */
export function createRecognizerRun(
  db: Db, home: string, datasetId: number | string, overrides: Settings = {}, model: RecognizerModel = 'ctc',
): RunRow {
  const d = getDatasetOfKind(db, datasetId, 'captcha');
  const config = resolveRunConfig(db, RECOGNIZER_PRESETS[model], { ...overrides, data: JSON.stringify({ source: 'dataset', id: d.id }) });
  if (config.kind === 'recognizer' && config.labelBudget > 0) {
    if (config.model !== 'ctc') throw new InvalidInputError('--labels: a label budget trains the segmentation-free recogniser (--model ctc)', 'labels');
    const problem = labelBudgetProblem(config.labelBudget, labelCounts(db, d.id).labelled, config.testSplit, d.settings.alphabet.length, d.settings.length);
    if (problem) throw new InvalidInputError(problem, 'labels');
  }
  return createRun(db, home, config, 'auto');
}

/**
 * Training steps per fold of the mislabel search, by model: the CTC recogniser leaves its
 * plateau after ≈ 1,100 steps on real captchas (captcha-kaggle-v2) and stops early on its
 * validation share; the LeNet on tiles is read well at 600.
 */
export const MISLABEL_STEPS: Record<RecognizerModel, number> = { ctc: 2000, lenet: 600 };
