import { BatchSampler } from '../data/sampler.ts';
import { loadImageSet } from '../data/load.ts';
import { initBackend } from '../engine/backend.ts';
import { createEvaluator } from '../evaluation/evaluator.ts';
import { betterDirection, timeToQuality } from '../metrics/time-to-quality.ts';
import type { JobConfig } from '../presets/types.ts';
import { readCheckpoint } from '../training/checkpoint.ts';
import { openStore } from '../store/index.ts';
import type { Db } from '../store/open.ts';
import { getCheckpoint } from '../store/checkpoints.ts';
import { histogramsAt } from '../store/histograms.ts';
import { rawSeries } from '../store/metrics.ts';
import { getRun, listRuns } from '../store/runs.ts';
import { getSweep } from '../store/sweeps.ts';
import { createGanJob } from '../training/gan-job.ts';
import { homePaths, resolveHome } from '../util/home.ts';
import { Rng } from '../util/rng.ts';
import { UsageError, intFlag, numberFlag, stringFlag, type ParsedArgs } from './args.ts';
import type { Io } from './commands.ts';
import { ReproductionStopped, reproduceCaptcha, reproduceCeleba } from '../reproduce/experiments.ts';
import { reproduceAugmentation } from '../reproduce/augmentation.ts';
import { judgeCaptchaRuns, judgeCelebaRuns } from '../reproduce/report.ts';

/** `eval RUN`: quality metrics of the run's latest checkpoint on its fixed evaluation batch. */
export async function evalCommand(args: ParsedArgs, io: Io): Promise<number> {
  const id = args.positionals[0];
  if (!id) throw new UsageError('eval needs a run id');
  const home = resolveHome(stringFlag(args, 'home'));
  const db = openStore(home);
  try {
    const run = getRun(db, id);
    const config = run.config as JobConfig;
    if (config.kind !== 'gan') throw new UsageError(`${run.id} is a ${config.kind} run; eval measures GAN runs`);
    const ckpt = getCheckpoint(db, run.pk);
    if (!ckpt) throw new UsageError(`run ${run.id} has no checkpoint yet`);
    const step = intFlag(args, 'step', 0);
    if (step !== undefined && step !== ckpt.step) {
      // Only the latest weights are kept; earlier steps are answered from the evaluations
      // recorded during training (the same fixed batch and metrics: see the quality tests).
      const recorded = recordedEvaluation(db, run.pk, step);
      if (!recorded) throw new UsageError(`run ${run.id} keeps weights for step ${ckpt.step} only and recorded no evaluations: train with --set evalEvery=N`);
      if (args.flags.has('json')) io.out.write(`${JSON.stringify({ run: run.id, step: recorded.step, measuredWith: 'recorded during training', metrics: recorded.metrics })}\n`);
      else {
        io.out.write(`${run.id} at step ${recorded.step} (recorded during training; weights are kept for step ${ckpt.step} only):\n`);
        for (const [k, v] of Object.entries(recorded.metrics)) io.out.write(`  ${k.padEnd(22)} ${v.toPrecision(5)}\n`);
      }
      return 0;
    }
    await initBackend('auto');
    const evalConfig = { ...config, evalCount: intFlag(args, 'count', 16) ?? config.evalCount };
    const data = await loadImageSet(config.data, { imageSize: config.imageSize, cacheDir: homePaths(home).cache, db });
    const job = createGanJob(evalConfig, data, new BatchSampler(data, config.batchSize, new Rng(config.seed).fork('data').nextUint32()));
    const evaluator = await createEvaluator(evalConfig, data, home, db);
    try {
      job.setState(readCheckpoint(ckpt.path).state);
      const metrics = await evaluator.evaluate(await job.generateEval());
      if (args.flags.has('json')) io.out.write(`${JSON.stringify({ run: run.id, step: ckpt.step, measuredWith: evaluator.source, metrics })}\n`);
      else {
        io.out.write(`${run.id} at step ${ckpt.step} (${evaluator.source}):\n`);
        for (const [k, v] of Object.entries(metrics)) io.out.write(`  ${k.padEnd(22)} ${v.toPrecision(5)}\n`);
      }
      return 0;
    } finally {
      job.dispose();
      evaluator.dispose();
      data.close?.();
    }
  } finally {
    db.close();
  }
}

/** Quality metrics recorded during training at the evaluated step nearest `step`. */
function recordedEvaluation(db: Db, run: number, step: number): { step: number; metrics: Record<string, number> } | null {
  const keys = ['legibility', 'class_entropy', 'inception_score', 'conditional_accuracy', 'frechet', 'swd', 'ms_ssim'];
  const nearest = db.prepare(`SELECT step FROM metrics WHERE run = ? AND key IN (${keys.map(() => '?').join(',')})
    ORDER BY abs(step - ?), step LIMIT 1`).get(run, ...keys, step) as { step: number } | undefined;
  if (!nearest) return null;
  const rows = db.prepare(`SELECT key, value FROM metrics WHERE run = ? AND step = ? AND key IN (${keys.map(() => '?').join(',')})`)
    .all(run, nearest.step, ...keys) as { key: string; value: number }[];
  return { step: nearest.step, metrics: Object.fromEntries(rows.map((r) => [r.key, r.value])) };
}

/** `ttq RUN… --metric K --threshold T`: first step and wall-second each run reaches a quality. */
export function ttqCommand(args: ParsedArgs, io: Io): number {
  const metric = stringFlag(args, 'metric');
  const threshold = numberFlag(args, 'threshold', -Infinity);
  if (!metric || threshold === undefined) throw new UsageError('ttq needs --metric KEY and --threshold VALUE');
  if (args.positionals.length === 0) throw new UsageError('ttq needs one or more run ids');
  const direction = args.flags.has('below') ? 'below' : args.flags.has('above') ? 'above' : betterDirection(metric);
  const window = intFlag(args, 'window', 1) ?? 3;
  const db = openStore(resolveHome(stringFlag(args, 'home')));
  try {
    const rows = args.positionals.map((id) => {
      const run = getRun(db, id);
      return { run: run.id, preset: run.preset, crossing: timeToQuality(rawSeries(db, run.pk, metric), threshold, direction, window) };
    });
    if (args.flags.has('json')) io.out.write(`${JSON.stringify({ metric, threshold, direction, window, runs: rows })}\n`);
    else for (const r of rows) io.out.write(`${r.run.padEnd(44)} ${r.crossing ? `step ${r.crossing.step}, ${r.crossing.seconds.toFixed(1)} s` : 'not reached'}\n`);
    return 0;
  } finally {
    db.close();
  }
}

/** `histograms RUN [--step S]`: per-layer weight distribution, with the share at the clip bound. */
export function histogramsCommand(args: ParsedArgs, io: Io): number {
  const id = args.positionals[0];
  if (!id) throw new UsageError('histograms needs a run id');
  const db = openStore(resolveHome(stringFlag(args, 'home')));
  try {
    const run = getRun(db, id);
    const h = histogramsAt(db, run.pk, intFlag(args, 'step', 0));
    if (!h) throw new UsageError(`run ${run.id} has no weight histograms`);
    if (args.flags.has('json')) {
      io.out.write(`${JSON.stringify({ run: run.id, ...h })}\n`);
      return 0;
    }
    io.out.write(`${run.id} at step ${h.step}\n`);
    const bars = ' ▁▂▃▄▅▆▇█';
    for (const [name, l] of Object.entries(h.layers)) {
      const peak = Math.max(...l.counts);
      const spark = l.counts.map((c) => bars[Math.round((c / peak) * 8)]).join('');
      io.out.write(`  ${name.padEnd(24)} ±${l.range.toPrecision(3).padEnd(8)} ${spark}${l.atClipBound === null ? '' : `  ${(l.atClipBound * 100).toFixed(1)}% at ±c`}\n`);
    }
    return 0;
  } finally {
    db.close();
  }
}

/**
 * `reproduce captcha|celeba [--seeds N] [--budget-seconds S | --budget-steps N] [--out DIR]`: the thesis's
 * claims, measured over seeds. Rerun in the same home, it keeps the runs it finished and trains the rest.
 */
export async function reproduceCommand(args: ParsedArgs, io: Io): Promise<number> {
  const target = args.positionals[0];
  if (target === 'augmentation') return augmentationCommand(args, io);
  if (target !== 'captcha' && target !== 'celeba') throw new UsageError('reproduce takes captcha, celeba or augmentation');
  const dataset = intFlag(args, 'data', 1);
  if (target === 'celeba' && dataset === undefined) throw new UsageError('reproduce celeba needs --data ID: a CelebA dataset imported with `dataset import-celeba DIR --size 64`');
  const home = resolveHome(stringFlag(args, 'home'));
  const steps = intFlag(args, 'budget-steps', 1);
  const seconds = numberFlag(args, 'budget-seconds', 1);
  if (steps !== undefined && seconds !== undefined) throw new UsageError('give --budget-seconds or --budget-steps, not both');
  const budget = steps !== undefined ? { steps } : { seconds: seconds ?? 120 };
  const seeds = intFlag(args, 'seeds', 1) ?? 3;
  const out = stringFlag(args, 'out') ?? `reproduction-${target}-${new Date().toISOString().slice(0, 10)}`;
  const only = stringFlag(args, 'only')?.split(',');
  const sweep = stringFlag(args, 'sweep');
  // A sweep's runs are judged like `--runs` (its seeds are the report's seeds).
  const runs = sweep ? sweepRunIds(home, sweep) : stringFlag(args, 'runs')?.split(',');
  const log = (l: string) => io.err.write(`${l}\n`);
  // Ctrl-C (or SIGTERM) stops the run in training at a checkpoint: the same command continues it.
  const stopping = new AbortController();
  const stop = () => stopping.abort();
  for (const s of ['SIGINT', 'SIGTERM'] as const) process.once(s, stop);
  const options = { home, out, budget, seeds, experiments: only, dataset, log, signal: stopping.signal };
  let claims;
  try {
    claims = target === 'celeba'
      ? (runs ? judgeCelebaRuns(home, out, runs) : await reproduceCeleba(options))
      : (runs ? judgeCaptchaRuns(home, out, runs) : await reproduceCaptcha(options));
  } catch (e) {
    if (!(e instanceof ReproductionStopped)) throw e;
    log(e.message);
    return 130;
  } finally {
    for (const s of ['SIGINT', 'SIGTERM'] as const) process.off(s, stop);
  }
  if (args.flags.has('json')) io.out.write(`${JSON.stringify({ out, claims })}\n`);
  else for (const c of claims) io.out.write(`${c.verdict.padEnd(13)} ${c.claim}\n`);
  io.out.write(`report: ${out}/report.md\n`);
  return 0;
}

/**
 * `reproduce augmentation --data ID [--sizes 50,100,200] [--seeds 3] [--budget-seconds S | --budget-steps N]
 * [--recognizer-steps N] [--per-class K] [--out DIR]`: does a label-conditioned GAN's output help a
 * recogniser trained on few labels? Resumable in the same home.
 */
async function augmentationCommand(args: ParsedArgs, io: Io): Promise<number> {
  const dataset = intFlag(args, 'data', 1);
  if (dataset === undefined) throw new UsageError('reproduce augmentation needs --data ID: a labelled captcha dataset');
  const sizes = (stringFlag(args, 'sizes') ?? '50,100,200').split(',').map(Number);
  if (sizes.some((n) => !Number.isInteger(n) || n < 2)) throw new UsageError('--sizes takes whole numbers ≥ 2, e.g. 50,100,200');
  const steps = intFlag(args, 'budget-steps', 1);
  const seconds = numberFlag(args, 'budget-seconds', 1);
  if (steps !== undefined && seconds !== undefined) throw new UsageError('give --budget-seconds or --budget-steps, not both');
  const out = stringFlag(args, 'out') ?? `reproduction-augmentation-${new Date().toISOString().slice(0, 10)}`;
  const verdicts = await reproduceAugmentation({
    home: resolveHome(stringFlag(args, 'home')), out, dataset, sizes, seeds: intFlag(args, 'seeds', 1) ?? 3,
    // The GAN's budget: the label-conditioned DCGAN draws legible characters within 60–90 s here (docs/reproduction.md).
    gan: steps !== undefined ? { steps } : { seconds: seconds ?? 180 },
    recognizerSteps: intFlag(args, 'recognizer-steps', 1) ?? 1000, perClass: intFlag(args, 'per-class', 1) ?? 50, testShare: 0.2,
    log: (l) => io.err.write(`${l}\n`),
  });
  if (args.flags.has('json')) io.out.write(`${JSON.stringify({ out, verdicts })}\n`);
  else for (const v of verdicts) io.out.write(`N ${String(v.size).padEnd(5)} ${v.verdict.padEnd(13)} ${v.reason}\n`);
  io.out.write(`report: ${out}/report.md\n`);
  return 0;
}

function sweepRunIds(home: string, sweep: string): string[] {
  const db = openStore(home, { readonly: true });
  try {
    return listRuns(db, { sweep: getSweep(db, sweep).id, status: 'completed' }).map((r) => r.id);
  } finally {
    db.close();
  }
}
