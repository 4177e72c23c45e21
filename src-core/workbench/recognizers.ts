/** Recogniser rules shared by the CLI and the app: which dataset trains one, and with what configuration. */
import { createRun } from '../runner/run-folder.ts';
import { getDatasetOfKind } from '../store/datasets.ts';
import type { Db } from '../store/open.ts';
import type { RunRow } from '../store/runs.ts';
import { resolveRunConfig } from './runs.ts';

/** A new `captcha-recognizer` run on a captcha dataset (its runner not yet started); `overrides` as `--set`. */
export function createRecognizerRun(db: Db, home: string, datasetId: number | string, overrides: Record<string, string> = {}): RunRow {
  const d = getDatasetOfKind(db, datasetId, 'captcha');
  const config = resolveRunConfig(db, 'captcha-recognizer', { ...overrides, data: JSON.stringify({ source: 'dataset', id: d.id }) });
  return createRun(db, home, config, 'auto');
}
