import type { Settings } from '../domain/runs.ts';
import { existsSync } from 'node:fs';
import { resolveConfig } from '../presets/resolve.ts';
import { presetVersion } from '../presets/catalog.ts';
import type { RunEvent } from '../runner/events.ts';
import { createRun, deleteRun } from '../runner/run-folder.ts';
import { startRunner } from '../runner/spawn.ts';
import { getCheckpoint } from '../store/checkpoints.ts';
import { openStore } from '../store/index.ts';
import { addTag, listRuns } from '../store/runs.ts';
import type { ClaimResult } from './claims.ts';
import { judgeCaptchaRuns, judgeCelebaRuns } from './report.ts';

/** SPEC §3–§7 and §9: the captcha experiments a reproduction trains, in this order. */
export const CAPTCHA_EXPERIMENTS = [
  'captcha-dcgan', 'captcha-wdcgan', 'captcha-wdcgan-update', 'captcha-wdcgan-update-adaptive', 'captcha-fc-gan', 'captcha-fc-wgan',
  'captcha-dcgan-label', 'captcha-wdcgan-label', 'captcha-wdcgan-label-update', 'captcha-wdcgan-gp', 'captcha-fc-wgan-gp',
] as const;

/** SPEC §8 at 64²: the face experiments `reproduce celeba` trains. */
export const CELEBA_EXPERIMENTS = [
  'celeba-dcgan', 'celeba-wdcgan', 'celeba-wdcgan-update', 'celeba-fc-wgan', 'celeba-fc-wgan-conv', 'celeba-fc-wgan-deconv',
] as const;

/** How long each experiment trains: wall seconds of training (the reproduction's budget), or iterations (tests). */
export type Budget = { seconds: number } | { steps: number };

export interface ReproduceOptions {
  home: string;
  out: string;
  budget: Budget;
  /** Runs per experiment, seeds 0 … seeds − 1. */
  seeds: number;
  experiments?: readonly string[];
  /** Faces: the imported dataset to train on (64²). */
  dataset?: number;
  log: (line: string) => void;
  /** Aborted (Ctrl-C): the run in training checkpoints and stops; the same command continues it later. */
  signal?: AbortSignal;
}

/** The reproduction was stopped part-way; its runs so far are kept for the next sitting. */
export class ReproductionStopped extends Error {
  constructor() {
    super('reproduction stopped: the run in training was checkpointed; run the same command again to continue');
  }
}

/** Evaluations per run: the time-to-quality resolution is the budget / this. */
export const EVALUATIONS = 8;

/** Checkpoints (off the training clock) every this many iterations: a stopped reproduction loses at most these. */
const CHECKPOINT_EVERY = 100;

/** A short run by steps checkpoints at each evaluation instead: 100 would be most or all of it. */
function checkpointEvery(budget: Budget): number {
  return 'seconds' in budget ? CHECKPOINT_EVERY : Math.min(CHECKPOINT_EVERY, Math.max(1, Math.ceil(budget.steps / EVALUATIONS)));
}

/**
 * Trains each captcha experiment for the same budget (training time only; evaluations
 * pause the clock) once per seed, measuring quality with the reference recogniser
 * EVALUATIONS times, then judges each thesis claim over the seeds and writes report.md,
 * metrics.csv, figures and final sample grids to `out`.
 */
export async function reproduceCaptcha(o: ReproduceOptions): Promise<ClaimResult[]> {
  return judgeCaptchaRuns(o.home, o.out, await trainExperiments(o, 'captcha', o.experiments ?? CAPTCHA_EXPERIMENTS, {}));
}

/** The same for faces at 64² on an imported dataset: SWD for quality, MS-SSIM for diversity. */
export async function reproduceCeleba(o: ReproduceOptions): Promise<ClaimResult[]> {
  if (o.dataset === undefined) throw new Error('reproduce celeba needs --data ID (an imported CelebA dataset at 64²)');
  const data = { data: JSON.stringify({ source: 'dataset', id: o.dataset }), imageSize: '64', evalCount: '64' };
  return judgeCelebaRuns(o.home, o.out, await trainExperiments(o, 'celeba', o.experiments ?? CELEBA_EXPERIMENTS, data));
}

/** The tag that marks a reproduction's runs: the same command in the same home finds them again. */
export function reproductionTag(target: string, budget: Budget): string {
  return `reproduce-${target}-${'seconds' in budget ? `${budget.seconds}s` : `${budget.steps}it`}`;
}

export function budgetSettings(budget: Budget): Settings {
  return 'seconds' in budget
    ? { steps: 10_000_000, seconds: budget.seconds, evalEverySeconds: Math.max(1, budget.seconds / EVALUATIONS) }
    : { steps: budget.steps, seconds: 0, evalEvery: Math.max(1, Math.ceil(budget.steps / EVALUATIONS)) };
}

/**
 * Trains every (seed, preset) pair in its own runner process, seed by seed so that a
 * reproduction cut short has each experiment at least once. A pair this reproduction
 * already finished (its tag, the preset's current version, the seed) is kept; one that
 * was cut short continues from its checkpoint (its time budget counts the whole run);
 * one without a checkpoint, or that failed, is deleted and trained again. Returns the run ids.
 */
async function trainExperiments(o: ReproduceOptions, target: string, presets: readonly string[], extra: Settings): Promise<string[]> {
  const tag = reproductionTag(target, o.budget);
  const runIds: string[] = [];
  for (let seed = 0; seed < o.seeds; seed++) {
    for (const preset of presets) {
      if (o.signal?.aborted) throw new ReproductionStopped();
      const db = openStore(o.home);
      const earlier = listRuns(db, { tag, preset }).filter((r) => r.seed === seed
        && ((r.config as { presetVersion?: number }).presetVersion ?? 1) === presetVersion(preset));
      const done = earlier.find((r) => r.status === 'completed');
      // Cut short with its checkpoint on disk (a store carried to another machine has none): it continues.
      const cutShort = done ? undefined : earlier.find((r) => r.status !== 'failed' && existsSync(getCheckpoint(db, r.pk)?.path ?? ''));
      for (const r of earlier) if (r !== done && r !== cutShort) deleteRun(db, o.home, r.id);
      if (done) {
        db.close();
        o.log(`${preset} seed ${seed}: kept run ${done.id}`);
        runIds.push(done.id);
        continue;
      }
      let runId: string;
      if (cutShort) {
        runId = cutShort.id;
        o.log(`${preset} seed ${seed}: continuing (run ${runId} from step ${getCheckpoint(db, cutShort.pk)!.step})`);
      } else {
        const config = resolveConfig(preset, {
          ...budgetSettings(o.budget), seed, evalCount: 256, sampleEvery: 50, checkpointEvery: checkpointEvery(o.budget), ...extra,
        });
        const run = createRun(db, o.home, config, 'auto');
        addTag(db, run.pk, tag);
        runId = run.id;
        o.log(`${preset} seed ${seed}: training (run ${runId})`);
      }
      db.close();
      await trainOne(o, preset, seed, runId, cutShort !== undefined);
      runIds.push(runId);
    }
  }
  return runIds;
}

/** One runner process; an abort asks it to checkpoint and stop, and ends the reproduction. */
export async function trainOne(o: Pick<ReproduceOptions, 'home' | 'log' | 'signal'>, preset: string, seed: number, run: string, resume: boolean): Promise<void> {
  let failure = '';
  const runner = startRunner({ home: o.home, run, resume }, (e: RunEvent) => {
    if (e.type === 'eval') o.log(`  ${preset} ${e.seconds.toFixed(0)} s step ${e.step}: ${Object.entries(e.metrics).map(([k, v]) => `${k} ${v.toPrecision(4)}`).join(', ')}`);
    if (e.type === 'checkpoint') o.log(`  ${preset} step ${e.step}: checkpoint`);
    if (e.type === 'error') failure = e.message;
  });
  const stop = () => runner.stop();
  o.signal?.addEventListener('abort', stop, { once: true });
  try {
    if ((await runner.exited) !== 0) throw new Error(`${preset} seed ${seed} failed: ${failure}`);
  } finally {
    o.signal?.removeEventListener('abort', stop);
  }
  if (o.signal?.aborted) throw new ReproductionStopped();
}
