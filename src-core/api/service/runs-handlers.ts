import { readFileSync } from 'node:fs';
import type { BackendChoice } from '../../engine/backend.ts';
import { PRESETS } from '../../presets/catalog.ts';
import { CHOICES, ConfigError, resolveConfig } from '../../presets/resolve.ts';
import { createRun, deleteRun } from '../../runner/run-folder.ts';
import { getDataset } from '../../store/datasets.ts';
import { displaySeries, metricKeys, rawSeries, type SeriesPoint } from '../../store/metrics.ts';
import { addTag, configDiff, countRuns, getRun, listRuns, removeTag, setNotes } from '../../store/runs.ts';
import { listSamples, nearestSample } from '../../store/samples.ts';
import { timeToQuality, betterDirection } from '../../metrics/time-to-quality.ts';
import type { ApiHandlers } from '../contract.ts';
import { ApiError } from '../errors.ts';
import type { FieldError, PresetInfo } from '../types.ts';
import type { ServiceContext } from './context.ts';
import { runSummary } from './dto.ts';

type RunHandlers = Pick<ApiHandlers, 'presets.list' | 'presets.validate' | 'runs.start' | 'runs.stop' | 'runs.resume' | 'runs.list'
  | 'runs.get' | 'runs.update' | 'runs.delete' | 'runs.series' | 'runs.sample' | 'runs.configDiff' | 'runs.timeToQuality'>;

const PRESET_INFO: PresetInfo[] = PRESETS.map((p) => ({
  preset: p.preset, section: p.section, title: p.title, kind: p.kind, chapter: p.section.split('.')[0]!,
  config: p as unknown as Record<string, unknown>,
}));

/** The message without the CLI's "--set key: " prefix, which the form shows beside the field. */
const fieldMessage = (key: string, message: string) => message.replace(`--set ${key}: `, '').replace(new RegExp(`^${key.replace(/[.]/g, '\\.')}: `), '');

/**
 * Each override is resolved alone first, so every bad field gets its own inline
 * error; then all together, for errors that only a combination causes.
 */
export function validateOverrides(preset: string, overrides: Record<string, string>): FieldError[] {
  const errors: FieldError[] = [];
  for (const [key, value] of Object.entries(overrides)) {
    try {
      resolveConfig(preset, { [key]: value });
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      errors.push({ key, message: fieldMessage(key, err.message) });
    }
  }
  if (errors.length) return errors;
  try {
    resolveConfig(preset, overrides);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    const key = /^([\w.]+): /.exec(err.message)?.[1] ?? '(config)';
    errors.push({ key, message: fieldMessage(key, err.message) });
  }
  return errors;
}

export function runHandlers(ctx: ServiceContext): RunHandlers {
  const { db, home } = ctx;
  const resolveOrThrow = (preset: string, overrides: Record<string, string>) => {
    if (!PRESETS.some((p) => p.preset === preset)) throw new ApiError('invalid-config', `unknown preset "${preset}"`, [{ key: 'preset', message: 'unknown preset' }]);
    const errors = validateOverrides(preset, overrides);
    if (errors.length) throw new ApiError('invalid-config', errors.map((e) => `${e.key}: ${e.message}`).join('; '), errors);
    const config = resolveConfig(preset, overrides);
    if (config.data.source === 'dataset') getDataset(db, config.data.id);
    if (config.data.source === 'face-folder' && !config.data.path) {
      throw new ApiError('invalid-config', `${preset} trains on faces: choose an imported face dataset`, [{ key: 'data', message: 'choose a face dataset' }]);
    }
    return config;
  };
  const startRun = (preset: string, overrides: Record<string, string>, backend: BackendChoice = 'auto') => {
    const run = createRun(db, home, resolveOrThrow(preset, overrides), backend);
    ctx.runs.start(run.id, { resume: false, backend });
    ctx.emit({ topic: 'runs-changed', run: run.id, status: 'queued' });
    return runSummary(run);
  };
  const series = (run: string, key: string, x: 'step' | 'seconds', maxPoints: number): SeriesPoint[] =>
    displaySeries(db, getRun(db, run).pk, key, maxPoints, x);

  return {
    'presets.list': () => ({ presets: PRESET_INFO, choices: CHOICES }),
    'presets.validate': ({ preset, overrides }) => {
      const errors = PRESETS.some((p) => p.preset === preset) ? validateOverrides(preset, overrides) : [{ key: 'preset', message: 'unknown preset' }];
      return { config: errors.length ? null : (resolveConfig(preset, overrides) as unknown as Record<string, unknown>), errors };
    },
    'runs.start': ({ preset, overrides, backend }) => startRun(preset, overrides, backend),
    'runs.stop': ({ run }) => ({ stopping: ctx.runs.stop(getRun(db, run).id) }),
    'runs.resume': ({ run, steps }) => {
      const row = getRun(db, run);
      if (ctx.runs.isActive(row.id) || row.status === 'running') throw new ApiError('conflict', `run ${row.id} is running; stop it before resuming`);
      if (row.status === 'completed' && steps === undefined) throw new ApiError('conflict', `run ${row.id} is complete; give more steps to go on`);
      ctx.runs.start(row.id, { resume: true, steps });
      return runSummary(row);
    },
    'runs.list': (f) => ({ runs: listRuns(db, f).map(runSummary), total: countRuns(db, f) }),
    'runs.get': ({ run }) => {
      const r = getRun(db, run);
      return {
        ...runSummary(r), config: r.config as Record<string, unknown>, metrics: metricKeys(db, r.pk),
        samples: listSamples(db, r.pk).map(({ step, seconds }) => ({ step, seconds })), active: ctx.runs.isActive(r.id),
      };
    },
    'runs.update': ({ run, notes, addTags, removeTags }) => {
      const r = getRun(db, run);
      db.transaction(() => {
        if (notes !== undefined) setNotes(db, r.pk, notes);
        for (const t of addTags ?? []) addTag(db, r.pk, t);
        for (const t of removeTags ?? []) removeTag(db, r.pk, t);
      })();
      ctx.emit({ topic: 'runs-changed', run: r.id, status: r.status });
      return runSummary(getRun(db, r.id));
    },
    'runs.delete': ({ run }) => {
      const r = getRun(db, run);
      if (ctx.runs.isActive(r.id)) throw new ApiError('conflict', `run ${r.id} is training; stop it before deleting`);
      deleteRun(db, home, r.id);
      ctx.emit({ topic: 'runs-changed', run: r.id, status: 'deleted' });
      return { deleted: r.id };
    },
    'runs.series': ({ runs, keys, x, maxPoints }) =>
      runs.flatMap((run) => keys.map((key) => ({ run: getRun(db, run).id, key, points: series(run, key, x, maxPoints) }))),
    'runs.sample': ({ run, step }) => {
      const r = getRun(db, run);
      const s = step === undefined ? listSamples(db, r.pk).at(-1) ?? null : nearestSample(db, r.pk, step);
      return s && { step: s.step, seconds: s.seconds, png: readFileSync(s.path).toString('base64') };
    },
    'runs.configDiff': ({ runs }) => configDiff(runs.map((run) => getRun(db, run).config)),
    'runs.timeToQuality': ({ runs, metric, threshold, window }) => runs.map((run) => {
      const r = getRun(db, run);
      const c = timeToQuality(rawSeries(db, r.pk, metric), threshold, betterDirection(metric), window);
      return c && { run: r.id, ...c };
    }),
  };
}
