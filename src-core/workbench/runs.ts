/**
 * The run rules, decided here once for the CLI, the API service and the Electron
 * main process: which configurations start, which runs may be resumed, stopped or
 * deleted. Callers only launch (a foreground runner for the CLI, a managed one for
 * the app) and map the UserErrors thrown here to their exit code or envelope.
 */
import type { BackendChoice } from '../engine/backend.ts';
import { ConfigError, ConflictError } from '../domain/errors.ts';
import type { Settings } from '../domain/runs.ts';
import { PRESETS } from '../presets/catalog.ts';
import { resolveConfig } from '../presets/resolve.ts';
import type { JobConfig } from '../presets/types.ts';
import { createRun, deleteRun } from '../runner/run-folder.ts';
import { getDataset } from '../store/datasets.ts';
import type { Db } from '../store/open.ts';
import { claimRun } from '../store/run-ownership.ts';
import { UNCONFINED, type DataRoots } from './data-roots.ts';
import { getRun, type RunRow } from '../store/runs.ts';

export interface FieldProblem {
  key: string;
  message: string;
}

/** Whether a runner of the calling process drives a run (the app's run manager knows; the CLI's never does). */
export type IsActive = (runId: string) => boolean;
const nothingActive: IsActive = () => false;

/**
 * Each override is resolved alone first, so every bad field gets its own error;
 * then all together, for errors that only a combination causes.
 */
export function validateOverrides(preset: string, overrides: Settings): FieldProblem[] {
  return configErrors(preset, overrides).flatMap((e) => (e.field ? e.fieldErrors() : [{ key: '(config)', message: e.message }]));
}

function configErrors(preset: string, overrides: Settings): ConfigError[] {
  const errors: ConfigError[] = [];
  const tryResolve = (o: Settings) => {
    try {
      resolveConfig(preset, o);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      errors.push(err);
    }
  };
  if (!PRESETS.some((p) => p.preset === preset)) tryResolve({});
  else for (const [key, value] of Object.entries(overrides)) tryResolve({ [key]: value });
  if (errors.length === 0) tryResolve(overrides);
  return errors;
}

/**
 * The configuration a new run of `preset` with `overrides` trains, or a ConfigError
 * naming every field at fault; a data folder must be one `dataRoots` allows (a host's).
 */
export function resolveRunConfig(db: Db, preset: string, overrides: Settings, dataRoots: DataRoots = UNCONFINED): JobConfig {
  const errors = configErrors(preset, overrides);
  if (errors.length) throw ConfigError.all(errors);
  const config = resolveConfig(preset, overrides);
  if (config.data.source === 'dataset') getDataset(db, config.data.id); // an unknown id is not-found, before anything is written
  if (config.data.source === 'face-folder' && !config.data.path) {
    throw new ConfigError(
      `${preset} trains on faces: choose an imported face dataset (--data ID), or pass --data DIR with a folder of face images, e.g. a CelebA ` +
        'download (its Img/img_align_celeba is used). CelebA is at mmlab.ie.cuhk.edu.hk/projects/CelebA.html (non-commercial research use).',
      'data', 'choose a face dataset',
    );
  }
  if (config.data.source === 'face-folder' || config.data.source === 'captcha-folder') config.data.path = dataRoots.allow(config.data.path, 'data');
  return config;
}

/** Records a new run (status queued, its folder made); the caller launches its runner. */
export function createRunFrom(
  db: Db, home: string, preset: string, overrides: Settings, backend: BackendChoice = 'auto', dataRoots: DataRoots = UNCONFINED,
): RunRow {
  return createRun(db, home, resolveRunConfig(db, preset, overrides, dataRoots), backend);
}

/**
 * Claims the run for this process to resume (the caller then launches its runner),
 * or a ConflictError: another process (the app, the CLI, a second app) holds it, a
 * runner of this process drives it, or it is complete and no more steps were given.
 */
export function runToResume(db: Db, runId: string, o: { steps?: number; isActive?: IsActive } = {}): RunRow {
  const run = getRun(db, runId);
  if ((o.isActive ?? nothingActive)(run.id)) throw new ConflictError(`run ${run.id} is running; stop it before resuming`);
  claimRun(db, run.pk, (status) => {
    if (status === 'completed' && o.steps === undefined) throw new ConflictError(`run ${run.id} is complete; give more steps to go on`);
  });
  return getRun(db, run.id);
}

/** Deletes a run's rows and folder, or a ConflictError while any process trains it. */
export function deleteRunChecked(db: Db, home: string, runId: string, o: { isActive?: IsActive } = {}): RunRow {
  const run = getRun(db, runId);
  if ((o.isActive ?? nothingActive)(run.id)) throw new ConflictError(`run ${run.id} is training; stop it before deleting`);
  return deleteRun(db, home, run.id);
}
