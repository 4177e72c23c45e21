import { changesSince } from '../../../workbench/presets.ts';
import type { RunListItem, RunRow } from '../../../workbench/history.ts';
import type { DatasetRow } from '../../../workbench/datasets.ts';
import type { Db } from '../../../workbench/home.ts';
import { labelCounts, latestRecognizer } from '../../../workbench/labelling.ts';
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
