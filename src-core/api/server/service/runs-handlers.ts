import { readFileSync } from 'node:fs';
import type { BackendChoice } from '../../../domain/runs.ts';
import { CHOICES, editableSettings, PRESETS, resolveConfig } from '../../../workbench/presets.ts';
import { addTag, configDiff, countRuns, displaySeries, getRun, listRuns, listSamples, metricKeys, nearestSample, removeTag, type SeriesPoint, setNotes } from '../../../workbench/history.ts';
import { createRunFrom, deleteRunChecked, runToResume, validateOverrides } from '../../../workbench/runs.ts';
import { timesToQuality } from '../../../workbench/quality.ts';
import type { ApiHandlers } from '../../contract/methods.ts';
import type { PresetInfo } from '../../contract/types.ts';
import type { ServiceContext } from './context.ts';
import { runSummary } from './dto.ts';

type RunHandlers = Pick<ApiHandlers, 'presets.list' | 'presets.validate' | 'runs.start' | 'runs.stop' | 'runs.resume' | 'runs.list'
  | 'runs.get' | 'runs.update' | 'runs.delete' | 'runs.series' | 'runs.sample' | 'runs.configDiff' | 'runs.timeToQuality'>;

const PRESET_INFO: PresetInfo[] = PRESETS.map((p) => ({
  preset: p.preset, section: p.section, title: p.title, kind: p.kind, chapter: p.section.split('.')[0]!,
  config: p as unknown as Record<string, unknown>,
  settings: editableSettings(p.preset),
}));

export function runHandlers(ctx: ServiceContext): RunHandlers {
  const { db, home } = ctx;
  const isActive = (id: string) => ctx.runs.isActive(id);
  const startRun = (preset: string, overrides: Record<string, string>, backend: BackendChoice = 'auto') => {
    const run = createRunFrom(db, home, preset, overrides, backend, ctx.dataRoots);
    ctx.runs.start(run.id, { resume: false, backend });
    ctx.emit({ topic: 'runs-changed', run: run.id, status: 'queued' });
    return runSummary(run);
  };
  const series = (run: string, key: string, x: 'step' | 'seconds', maxPoints: number): SeriesPoint[] =>
    displaySeries(db, getRun(db, run).pk, key, maxPoints, x);

  return {
    'presets.list': () => ({ presets: PRESET_INFO, choices: CHOICES }),
    'presets.validate': ({ preset, overrides }) => {
      const errors = validateOverrides(preset, overrides);
      return { config: errors.length ? null : (resolveConfig(preset, overrides) as unknown as Record<string, unknown>), errors };
    },
    'runs.start': ({ preset, overrides, backend }) => startRun(preset, overrides, backend),
    'runs.stop': async ({ run }) => {
      const id = getRun(db, run).id;
      return { stopping: ctx.runs.stop(id) || (ctx.fleet ? await ctx.fleet.stop(id) : false) };
    },
    'runs.resume': ({ run, steps }) => {
      const row = runToResume(db, run, { steps, isActive });
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
      const r = deleteRunChecked(db, home, run, { isActive });
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
    'runs.timeToQuality': ({ runs, metric, threshold, window }) =>
      timesToQuality(db, runs, metric, threshold, { window }).runs.map((r) => r.crossing && { run: r.run, ...r.crossing }),
  };
}
