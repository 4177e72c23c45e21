/** What a training run reports, in order, from its runner process to the CLI, the API and the fleet. Browser-safe. */

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

/** What a training job reports from its runner process, in order (the runner's RunEvent). */
export type RunProgressEvent =
  | { type: 'started'; run: string; preset: string; backend: { name: string; version: string; detail: string }; data: string; skipped: number; fromStep: number; toStep: number }
  | { type: 'progress'; step: number; seconds: number; losses: Record<string, number>; itPerSec: number; etaSeconds: number | null }
  | { type: 'samples'; step: number; seconds: number; path: string }
  | { type: 'eval'; step: number; seconds: number; metrics: Record<string, number> }
  | { type: 'checkpoint'; step: number; path: string }
  | { type: 'note'; step: number; text: string }
  | { type: 'warning'; text: string }
  | { type: 'done'; summary: RunSummary }
  | { type: 'error'; message: string; userError: boolean };
