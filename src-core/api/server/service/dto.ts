import { changesSince } from '../../../presets/catalog.ts';
import type { RunListItem, RunRow } from '../../../store/runs.ts';
import type { DatasetRow } from '../../../store/datasets.ts';
import type { Db } from '../../../store/open.ts';
import { labelCounts } from '../../../store/captchas.ts';
import { latestRecognizer } from '../../../store/recognizers.ts';
import type { DatasetInfo, RunSummaryRow } from '../../contract/types.ts';

/** A store row as the API shows it: the run's fields, without its key, config and backend choice (lists stay small). */
export function runSummary(r: RunRow | RunListItem): RunSummaryRow {
  const { pk: _pk, config, backendChoice: _b, ...fields } = r;
  const version = (config as { presetVersion?: number }).presetVersion ?? 1;
  return {
    ...fields, best: 'best' in r ? r.best : null, last: 'last' in r ? r.last : null,
    presetVersion: version, presetChanges: changesSince(r.preset, version),
  };
}

export function datasetInfo(db: Db, d: DatasetRow): DatasetInfo {
  const recognizer = d.kind === 'captcha' ? latestRecognizer(db, d.id) : null;
  return {
    ...d,
    labels: d.kind === 'captcha' ? labelCounts(db, d.id) : null,
    recognizer: recognizer && {
      id: recognizer.id, characterAccuracy: recognizer.characterAccuracy, captchaAccuracy: recognizer.captchaAccuracy,
      validationCaptchas: recognizer.validationCaptchas,
    },
  };
}
