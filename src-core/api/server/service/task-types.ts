import type { CaptchaSettings } from '../../../data/captcha-image.ts';
import type { RecognizerModel } from '../../../domain/datasets.ts';

/** A long piece of dataset work, run in its own process so the host never blocks. */
export type TaskRequest =
  | { kind: 'import-captchas'; folder: string; settings: CaptchaSettings; labelsFromFilenames: boolean; labelsFile?: string; name?: string; commitEvery?: number }
  | { kind: 'synth-captchas'; count: number; seed: number }
  | { kind: 'import-celeba'; folder: string; size: 64 | 128; recordsPerShard?: number }
  | { kind: 'prelabel'; dataset: number }
  | { kind: 'mislabels'; dataset: number; folds: number; steps: number; model: RecognizerModel };

export type TaskCommand = { type: 'cancel' };
