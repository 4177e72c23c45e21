import type { BackendInfo } from '../engine/backend.ts';

/** The run's final line: what `train --json` prints last. */
export interface RunSummary {
  run: string;
  preset: string;
  steps: number;
  seconds: number;
  backend: string;
  losses: Record<string, number>;
  status: 'completed' | 'stopped';
}

/** Events a training job emits, in order, from its own process. */
export type RunEvent =
  | { type: 'started'; run: string; preset: string; backend: BackendInfo; data: string; skipped: number; fromStep: number; toStep: number }
  | { type: 'progress'; step: number; seconds: number; losses: Record<string, number>; itPerSec: number; etaSeconds: number | null }
  | { type: 'samples'; step: number; seconds: number; path: string }
  | { type: 'eval'; step: number; seconds: number; metrics: Record<string, number> }
  | { type: 'checkpoint'; step: number; path: string }
  | { type: 'note'; step: number; text: string }
  | { type: 'warning'; text: string }
  | { type: 'done'; summary: RunSummary }
  | { type: 'error'; message: string; userError: boolean };

/** Messages the parent sends to a runner process. */
export type RunnerCommand = { type: 'stop' };
