import { withStore } from '../workbench/home.ts';
import { judgeCaptchaRuns, judgeCelebaRuns, reproduceAugmentation, reproduceCaptcha, reproduceCeleba, ReproductionStopped } from '../workbench/reproduce.ts';
import { resolveHome } from '../util/home.ts';
import { UsageError, intFlag, numberFlag, stringFlag, type ParsedArgs } from './args.ts';
import type { Io } from './commands.ts';
import { completedSweepRuns, evaluateRun, RECORDED, runHistograms, timesToQuality } from '../workbench/quality.ts';

/** `eval RUN`: quality metrics of the run's latest checkpoint on its fixed evaluation batch (an earlier step: as recorded). */
export async function evalCommand(args: ParsedArgs, io: Io): Promise<number> {
  const id = args.positionals[0];
  if (!id) throw new UsageError('eval needs a run id');
  const e = await evaluateRun(resolveHome(stringFlag(args, 'home')), id, { step: intFlag(args, 'step', 0), count: intFlag(args, 'count', 16) });
  if (args.flags.has('json')) io.out.write(`${JSON.stringify({ run: e.run, step: e.step, measuredWith: e.measuredWith, metrics: e.metrics })}\n`);
  else {
    const recorded = e.measuredWith === RECORDED ? `${RECORDED}; weights are kept for step ${e.keptStep} only` : e.measuredWith;
    io.out.write(`${e.run} at step ${e.step} (${recorded}):\n`);
    for (const [k, v] of Object.entries(e.metrics)) io.out.write(`  ${k.padEnd(22)} ${v.toPrecision(5)}\n`);
  }
  return 0;
}

/** `ttq RUN… --metric K --threshold T`: first step and wall-second each run reaches a quality. */
export function ttqCommand(args: ParsedArgs, io: Io): number {
  const metric = stringFlag(args, 'metric');
  const threshold = numberFlag(args, 'threshold', -Infinity);
  if (!metric || threshold === undefined) throw new UsageError('ttq needs --metric KEY and --threshold VALUE');
  if (args.positionals.length === 0) throw new UsageError('ttq needs one or more run ids');
  const window = intFlag(args, 'window', 1) ?? 3;
  const asked = args.flags.has('below') ? 'below' : args.flags.has('above') ? 'above' : undefined;
  const { direction, runs } = withStore(resolveHome(stringFlag(args, 'home')), (db) => timesToQuality(db, args.positionals, metric, threshold, { direction: asked, window }));
  if (args.flags.has('json')) io.out.write(`${JSON.stringify({ metric, threshold, direction, window, runs })}\n`);
  else for (const r of runs) io.out.write(`${r.run.padEnd(44)} ${r.crossing ? `step ${r.crossing.step}, ${r.crossing.seconds.toFixed(1)} s` : 'not reached'}\n`);
  return 0;
}

/** `histograms RUN [--step S]`: per-layer weight distribution, with the share at the clip bound. */
export function histogramsCommand(args: ParsedArgs, io: Io): number {
  const id = args.positionals[0];
  if (!id) throw new UsageError('histograms needs a run id');
  const h = runHistograms(resolveHome(stringFlag(args, 'home')), id, intFlag(args, 'step', 0));
  if (args.flags.has('json')) {
    io.out.write(`${JSON.stringify(h)}\n`);
    return 0;
  }
  io.out.write(`${h.run} at step ${h.step}\n`);
  const bars = ' ▁▂▃▄▅▆▇█';
  for (const [name, l] of Object.entries(h.layers)) {
    const peak = Math.max(...l.counts);
    const spark = l.counts.map((c) => bars[Math.round((c / peak) * 8)]).join('');
    io.out.write(`  ${name.padEnd(24)} ±${l.range.toPrecision(3).padEnd(8)} ${spark}${l.atClipBound === null ? '' : `  ${(l.atClipBound * 100).toFixed(1)}% at ±c`}\n`);
  }
  return 0;
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
  const runs = sweep ? completedSweepRuns(home, sweep) : stringFlag(args, 'runs')?.split(',');
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
