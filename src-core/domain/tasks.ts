/**
 * Dataset tasks: long pieces of dataset work (imports, pre-labelling, the mislabel search) that
 * run in their own process so the host never blocks, and what they report. Shared by the use
 * case that runs them (runner/dataset-tasks.ts), the process that hosts it (runner/task-worker.ts)
 * and the API's events.
 */
import type { CaptchaSettings, RecognizerModel } from './datasets.ts';

export type TaskRequest =
  | { kind: 'import-captchas'; folder: string; settings: CaptchaSettings; labelsFromFilenames: boolean; labelsFile?: string; name?: string; commitEvery?: number }
  | { kind: 'synth-captchas'; count: number; seed: number }
  | { kind: 'import-celeba'; folder: string; size: 64 | 128; recordsPerShard?: number }
  | { kind: 'prelabel'; dataset: number }
  | { kind: 'mislabels'; dataset: number; folds: number; steps: number; model: RecognizerModel };

export type TaskCommand = { type: 'cancel' };

export interface TaskResult {
  dataset?: number;
  /** Items written (captchas imported, faces recorded, captchas pre-labelled or scored). */
  count: number;
  skipped: { file: string; reason: string }[];
  cancelled: boolean;
}

export type TaskEvent =
  | { type: 'progress'; done: number; total: number }
  | { type: 'done'; result: TaskResult }
  | { type: 'failed'; message: string };
