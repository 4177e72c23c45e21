/**
 * A run's quality, asked after training: its latest checkpoint measured on the fixed evaluation batch (or the
 * evaluation recorded nearest an earlier step), the first time runs reach a quality, weight histograms. The CLI's
 * `eval`, `ttq` and `histograms` call these; nothing here formats output.
 */
import { BatchSampler } from '../data/sampler.ts';
import { loadImageSet } from '../data/load.ts';
import { InvalidInputError } from '../domain/errors.ts';
import { initBackend } from '../engine/backend.ts';
import { createEvaluator } from '../evaluation/evaluator.ts';
import { betterDirection, timeToQuality, type Crossing } from '../metrics/time-to-quality.ts';
import type { JobConfig } from '../presets/types.ts';
import { getCheckpoint } from '../store/checkpoints.ts';
import { histogramsAt } from '../store/histograms.ts';
import { rawSeries, recordedNear } from '../store/metrics.ts';
import { openStore } from '../store/index.ts';
import type { Db } from '../store/open.ts';
import { getRun, listRuns } from '../store/runs.ts';
import { getSweep } from '../store/sweeps.ts';
import { readCheckpoint } from '../training/checkpoint.ts';
import { createGanJob } from '../training/gan-job.ts';
import { homePaths } from '../util/home.ts';
import { Rng } from '../util/rng.ts';

/** The metrics an evaluation writes, the ones an earlier step is answered from. */
const QUALITY_KEYS = ['legibility', 'class_entropy', 'inception_score', 'conditional_accuracy', 'frechet', 'swd', 'ms_ssim'];

/** What an evaluation answered from the metrics recorded during training says it was measured with. */
export const RECORDED = 'recorded during training';

export interface RunEvaluation {
  run: string;
  step: number;
  /** What measured it: the evaluator's source, or 'recorded during training'. */
  measuredWith: string;
  metrics: Record<string, number>;
  /** The step whose weights are kept (the latest checkpoint's). */
  keptStep: number;
}

/**
 * Quality metrics of a GAN run: its latest checkpoint's generator on the fixed evaluation batch (`count` samples,
 * the run's own when unset); asked for another `step`, the evaluation recorded during training nearest it.
 */
export async function evaluateRun(home: string, id: string, o: { step?: number; count?: number } = {}): Promise<RunEvaluation> {
  const db = openStore(home);
  try {
    const run = getRun(db, id);
    const config = run.config as JobConfig;
    if (config.kind !== 'gan') throw new InvalidInputError(`${run.id} is a ${config.kind} run; eval measures GAN runs`);
    const ckpt = getCheckpoint(db, run.pk);
    if (!ckpt) throw new InvalidInputError(`run ${run.id} has no checkpoint yet`);
    if (o.step !== undefined && o.step !== ckpt.step) {
      // Only the latest weights are kept; earlier steps are answered from the evaluations
      // recorded during training (the same fixed batch and metrics: see the quality tests).
      const recorded = recordedNear(db, run.pk, QUALITY_KEYS, o.step);
      if (!recorded) throw new InvalidInputError(`run ${run.id} keeps weights for step ${ckpt.step} only and recorded no evaluations: train with --set evalEvery=N`);
      return { run: run.id, step: recorded.step, measuredWith: RECORDED, metrics: recorded.values, keptStep: ckpt.step };
    }
    await initBackend('auto');
    const evalConfig = { ...config, evalCount: o.count ?? config.evalCount };
    const data = await loadImageSet(config.data, { imageSize: config.imageSize, cacheDir: homePaths(home).cache, db });
    const job = createGanJob(evalConfig, data, new BatchSampler(data, config.batchSize, new Rng(config.seed).fork('data').nextUint32()));
    const evaluator = await createEvaluator(evalConfig, data, home, db);
    try {
      job.setState(readCheckpoint(ckpt.path).state);
      const metrics = await evaluator.evaluate(await job.generateEval());
      return { run: run.id, step: ckpt.step, measuredWith: evaluator.source, metrics, keptStep: ckpt.step };
    } finally {
      job.dispose();
      evaluator.dispose();
      data.close?.();
    }
  } finally {
    db.close();
  }
}

export interface QualityCrossings {
  direction: 'above' | 'below';
  runs: { run: string; preset: string; crossing: Crossing | null }[];
}

/** The first step and wall-second each run's `metric` crosses `threshold` (smoothed over `window` points), the better way unless told. */
export function timesToQuality(db: Db, ids: string[], metric: string, threshold: number, o: { direction?: 'above' | 'below'; window: number }): QualityCrossings {
  const direction = o.direction ?? betterDirection(metric);
  return {
    direction,
    runs: ids.map((id) => {
      const run = getRun(db, id);
      return { run: run.id, preset: run.preset, crossing: timeToQuality(rawSeries(db, run.pk, metric), threshold, direction, o.window) };
    }),
  };
}

/** A run's per-layer weight histograms at `step` (the nearest recorded; the latest when unset). */
export function runHistograms(home: string, id: string, step?: number): { run: string } & NonNullable<ReturnType<typeof histogramsAt>> {
  const db = openStore(home);
  try {
    const run = getRun(db, id);
    const h = histogramsAt(db, run.pk, step);
    if (!h) throw new InvalidInputError(`run ${run.id} has no weight histograms`);
    return { run: run.id, ...h };
  } finally {
    db.close();
  }
}

/** The completed runs of a sweep, by id: what a reproduction report judges when given `--sweep`. */
export function completedSweepRuns(home: string, sweep: string): string[] {
  const db = openStore(home, { readonly: true });
  try {
    return listRuns(db, { sweep: getSweep(db, sweep).id, status: 'completed' }).map((r) => r.id);
  } finally {
    db.close();
  }
}
