import type { ScheduleConfig, UpdateRatio } from '../presets/vocabulary.ts';
export type { ScheduleConfig, UpdateRatio };

export interface ScheduleState {
  /** Recent monitored values (adaptive only). */
  recent: number[];
  /** Iteration at which the adaptive schedule switched to `late`, or null. */
  switchedAt: number | null;
}

export class UpdateSchedule {
  private recent: number[] = [];
  private switchedAt: number | null = null;

  constructor(readonly config: ScheduleConfig) {}

  /** Updates for 0-based iteration `iteration`. */
  ratioAt(iteration: number): UpdateRatio {
    const c = this.config;
    switch (c.kind) {
      case 'fixed':
        return c.ratio;
      case 'phased':
        return iteration < c.iterations ? c.first : c.then;
      case 'adaptive':
        return this.switchedAt !== null && iteration >= this.switchedAt ? c.late : c.early;
    }
  }

  /** Feeds the iteration's monitored value (the critic's Wasserstein estimate). */
  observe(iteration: number, value: number): void {
    const c = this.config;
    if (c.kind !== 'adaptive' || this.switchedAt !== null || !Number.isFinite(value)) return;
    this.recent.push(value);
    if (this.recent.length > c.window) this.recent.shift();
    if (this.recent.length === c.window && fallsSteadily(this.recent, c.steadiness)) this.switchedAt = iteration + 1;
  }

  /** True while the schedule still needs each iteration's value (adaptive, not yet switched). */
  get watching(): boolean {
    return this.config.kind === 'adaptive' && this.switchedAt === null;
  }

  get switchIteration(): number | null {
    return this.switchedAt;
  }

  getState(): ScheduleState {
    return { recent: [...this.recent], switchedAt: this.switchedAt };
  }

  setState(state: ScheduleState): void {
    this.recent = [...state.recent];
    this.switchedAt = state.switchedAt;
  }
}

/** Negative least-squares slope with correlation ≤ −steadiness. */
export function fallsSteadily(values: number[], steadiness: number): boolean {
  const n = values.length;
  const mx = (n - 1) / 2;
  const my = values.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  values.forEach((y, x) => {
    sxy += (x - mx) * (y - my);
    sxx += (x - mx) ** 2;
    syy += (y - my) ** 2;
  });
  if (syy === 0) return false;
  const r = sxy / Math.sqrt(sxx * syy);
  return sxy < 0 && r <= -steadiness;
}
