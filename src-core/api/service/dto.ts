import { changesSince } from '../../presets/catalog.ts';
import type { RunListItem, RunRow } from '../../store/runs.ts';
import type { DatasetRow } from '../../store/datasets.ts';
import type { Db } from '../../store/open.ts';
import { labelCounts } from '../../store/captchas.ts';
import { latestRecognizer } from '../../store/recognizers.ts';
import type { DatasetInfo, RunSummaryRow } from '../types.ts';

/** A store row as the API shows it (no primary keys, no config: lists stay small). */
export function runSummary(r: RunRow | RunListItem): RunSummaryRow {
  const version = (r.config as { presetVersion?: number }).presetVersion ?? 1;
  return {
    id: r.id, preset: r.preset, status: r.status, seed: r.seed, backend: r.backend, dataset: r.dataset, createdAt: r.createdAt,
    startedAt: r.startedAt, endedAt: r.endedAt, stepsDone: r.stepsDone, targetSteps: r.targetSteps, wallSeconds: r.wallSeconds,
    error: r.error, notes: r.notes, tags: r.tags, best: 'best' in r ? r.best : null, last: 'last' in r ? r.last : null,
    presetVersion: version, presetChanges: changesSince(r.preset, version),
  };
}

export function datasetInfo(db: Db, d: DatasetRow): DatasetInfo {
  const recognizer = d.kind === 'captcha' ? latestRecognizer(db, d.id) : null;
  return {
    id: d.id, kind: d.kind, name: d.name, sourcePath: d.sourcePath, createdAt: d.createdAt, counts: d.counts,
    settings: d.settings as Record<string, unknown>, errors: d.errors,
    labels: d.kind === 'captcha' ? labelCounts(db, d.id) : null,
    recognizer: recognizer && {
      id: recognizer.id, characterAccuracy: recognizer.characterAccuracy, captchaAccuracy: recognizer.captchaAccuracy,
      validationCaptchas: recognizer.validationCaptchas,
    },
  };
}
