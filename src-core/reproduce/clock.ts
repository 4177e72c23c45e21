import type { SeriesPoint } from '../store/metrics.ts';
import type { Experiment, SeedRun } from './claims.ts';

/**
 * One clock for every run of a report. A reproduction may span sittings, and a sitting
 * may get another machine: the 700 s captcha reproduction's first five runs took 27–54 %
 * longer per iteration than the fastest later ones, on machines of the same description.
 * A run slowed by other work is the same problem on one machine. What a seed computes
 * at iteration n does not depend on the machine's speed (the same wasm code on the same
 * number of threads); only the seconds it takes do. So each run's clock is read as iterations ×
 * the fastest seconds per iteration any run of its preset achieved: what the fastest
 * machine in the report, undisturbed, would have taken. Every preset is timed on that
 * one machine when each has a run on it (say so when a report mixes machines), and a
 * slower run keeps all its iterations: it simply ends earlier on the common clock.
 *
 * A linear clock assumes a preset's iterations cost the same throughout; the adaptive
 * schedule's do not (its D : G ratio changes at the switch), which the report states.
 */
export interface RunClock {
  preset: string;
  run: string;
  seed: number;
  iterations: number;
  /** The run's own training seconds per iteration (its last evaluation's seconds ÷ iterations). */
  ownSecondsPerIteration: number;
  /** The preset's fastest seconds per iteration: this run's clock. */
  secondsPerIteration: number;
}

const lastPoint = (r: SeedRun): SeriesPoint | undefined => r.frechet.at(-1);

function ownRate(r: SeedRun): number {
  const p = lastPoint(r);
  return p && p.step > 0 ? p.seconds / p.step : NaN;
}

/** The experiments with every series' seconds read on the common clock, and each run's clock. */
export function onCommonClock(experiments: Experiment[]): { experiments: Experiment[]; clocks: RunClock[] } {
  const clocks: RunClock[] = [];
  const rescaled = experiments.map((e) => {
    const rates = e.seeds.map(ownRate).filter(Number.isFinite);
    if (!rates.length) return e;
    const fastest = Math.min(...rates);
    const onClock = (s: SeriesPoint[]) => s.map((p) => ({ ...p, seconds: p.step * fastest }));
    const seeds = e.seeds.map((r) => {
      clocks.push({ preset: e.preset, run: r.run, seed: r.seed, iterations: lastPoint(r)?.step ?? 0, ownSecondsPerIteration: ownRate(r), secondsPerIteration: fastest });
      return { ...r, frechet: onClock(r.frechet), legibility: onClock(r.legibility), entropy: onClock(r.entropy), conditional: onClock(r.conditional) };
    });
    return { ...e, seeds };
  });
  return { experiments: rescaled, clocks };
}

/** A run that took this much longer per iteration than its preset's fastest is flagged in the report. */
export const SLOW_RUN = 1.1;
