/**
 * `npm run bench -- recognizer step-time [--batch B] [--iterations R]`: the segmentation-free
 * recogniser's training step (captcha-recognizer-ctc's model on 200 × 50 captchas of 5 characters,
 * model input 32 × 128, as captcha-kaggle-v2 and the synthesiser's 80 × 20 both give) with our
 * MaxPoolGrad kernel and with tfjs's own, in one process: R rounds of 10 steps each way, alternating,
 * so the ratio does not depend on the machine's mood. Prints ms per step, the pool gradients' share
 * (from a kernel census) and the ratio. Random pixels and texts: a step's time does not depend on them.
 */
import { tf } from '../engine/tf.ts';
import type { BackendInfo } from '../engine/backend.ts';
import { replacedKernels } from '../engine/kernel-util.ts';
import type { ImageSet } from '../data/image-set.ts';
import { resolveConfig } from '../presets/resolve.ts';
import type { RecognizerJobConfig } from '../presets/types.ts';
import { createSequenceRecognizerJob } from '../training/sequence-recognizer-job.ts';
import { Rng } from '../util/rng.ts';
import { machineLine, median } from './machine.ts';
import { census } from './op-census.ts';

const STEPS_PER_ROUND = 10;

/** Random 200 × 50 captchas with texts of 5 of 19 symbols (captcha-kaggle-v2's shape). */
function randomCaptchas(count: number): ImageSet {
  const rng = new Rng(1);
  const [H, W] = [50, 200];
  return {
    images: rng.fillUniform(new Float32Array(count * H * W)), count, height: H, width: W, channels: 1, labels: null,
    sequences: Array.from({ length: count }, () => Int32Array.from({ length: 5 }, () => rng.int(19))),
    classes: 19, description: 'random captchas', skipped: [],
  };
}

/** Registers `config` for its kernel in place of what is there. */
function use(config: tf.KernelConfig): void {
  tf.unregisterKernel(config.kernelName, config.backendName);
  tf.registerKernel({ ...config, setupFunc: undefined });
}

export async function benchRecognizerSteps(backend: BackendInfo, o: { batch: number; rounds: number }): Promise<void> {
  console.log(`bench recognizer step-time · batch ${o.batch} · ${machineLine(backend)}`);
  const ours = tf.getKernel('MaxPoolGrad', 'wasm');
  const theirs = replacedKernels.get('wasm/MaxPoolGrad');
  if (backend.name !== 'wasm' || !ours || !theirs) {
    console.log('compares two wasm kernels: run with --backend wasm');
    return;
  }
  const config = resolveConfig('captcha-recognizer-ctc', { batchSize: String(o.batch), evalEvery: '0', augment: 'false' }) as RecognizerJobConfig;
  const job = createSequenceRecognizerJob(config, randomCaptchas(4 * o.batch));
  const variants = [{ name: 'ours (SIMD, threads)', kernel: ours, times: [] as number[], poolMs: 0 }, { name: "tfjs's own", kernel: theirs, times: [] as number[], poolMs: 0 }];
  try {
    for (const v of variants) {
      use(v.kernel);
      for (let i = 0; i < 3; i++) await job.runIteration();
      const entries = await census(async () => {
        for (let i = 0; i < STEPS_PER_ROUND; i++) await job.runIteration();
      });
      v.poolMs = (entries.find((e) => e.kernel === 'MaxPoolGrad')?.ms ?? 0) / STEPS_PER_ROUND;
    }
    for (let r = 0; r < o.rounds; r++) {
      for (const v of variants) {
        use(v.kernel);
        const t0 = performance.now();
        for (let i = 0; i < STEPS_PER_ROUND; i++) await job.runIteration();
        v.times.push((performance.now() - t0) / STEPS_PER_ROUND);
      }
    }
  } finally {
    use(ours);
    job.dispose();
  }
  for (const v of variants) {
    console.log(`  MaxPoolGrad ${v.name.padEnd(22)} ${median(v.times).toFixed(1).padStart(7)} ms/step (median of ${o.rounds} rounds of ${STEPS_PER_ROUND}), ` +
      `of which the pool gradients ${v.poolMs.toFixed(1)} ms`);
  }
  console.log(`  steps per second, ours / tfjs's: ${(median(variants[1]!.times) / median(variants[0]!.times)).toFixed(2)}×`);
}
