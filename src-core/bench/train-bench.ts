import { tf } from '../engine/tf.ts';
import type { BackendInfo } from '../engine/backend.ts';
import { BatchSampler } from '../data/sampler.ts';
import type { ImageSet } from '../data/image-set.ts';
import { resolveConfig } from '../presets/resolve.ts';
import type { GanJobConfig } from '../presets/types.ts';
import { createGanJob } from '../training/gan-job.ts';
import type { IterationLosses, TrainingJob } from '../training/job.ts';
import { readLossBatches } from '../engine/reads.ts';
import { Rng } from '../util/rng.ts';
import { machineLine, median } from './machine.ts';

/**
 * What one benchmark iteration is, chosen to match the PyTorch reference
 * (../shared/bench/pytorch_captcha_dcgan.py): one D update on real + fake and one G
 * update; for WGAN-GP, five critic updates and one G update.
 */
export const CASES: { name: string; preset: string; overrides: Record<string, string> }[] = [
  { name: 'captcha-dcgan (1 D + 1 G)', preset: 'captcha-dcgan', overrides: { schedule: '{"kind":"fixed","ratio":{"d":1,"g":1}}' } },
  { name: 'captcha-wdcgan-update (1 D + 1 G)', preset: 'captcha-wdcgan-update', overrides: { schedule: '{"kind":"fixed","ratio":{"d":1,"g":1}}' } },
  { name: 'captcha-wdcgan-gp (5 D + 1 G)', preset: 'captcha-wdcgan-gp', overrides: {} },
  { name: 'celeba-dcgan 64² (1 D + 1 G)', preset: 'celeba-dcgan', overrides: { imageSize: '64', schedule: '{"kind":"fixed","ratio":{"d":1,"g":1}}' } },
  { name: 'celeba-dcgan 128² (1 D + 1 G)', preset: 'celeba-dcgan', overrides: { imageSize: '128', schedule: '{"kind":"fixed","ratio":{"d":1,"g":1}}' } },
];

/** Random images of the right shape: timing does not depend on what the pixels show. */
export function randomImages(config: GanJobConfig, count: number): ImageSet {
  const captcha = config.architecture.startsWith('captcha');
  const [h, w, c] = captcha ? [20, 20, 1] : [config.imageSize, config.imageSize, 3];
  return {
    images: new Rng(1).fillUniform(new Float32Array(count * h * w * c)), count, height: h, width: w, channels: c,
    labels: Int32Array.from({ length: count }, (_, i) => i % 32), classes: 32, description: 'random', skipped: [],
  };
}

/** A benchmark case's GAN job on random images of its shape. */
export function caseJob(c: (typeof CASES)[number], batch: number) {
  const config = resolveConfig(c.preset, {
    ...c.overrides, batchSize: String(batch),
    ...(c.preset.startsWith('celeba') ? { data: '{"source":"face-folder","path":"(random)"}' } : {}),
  }) as GanJobConfig;
  const data = randomImages(config, Math.max(batch * 4, 256));
  return { config, job: createGanJob(config, data, new BatchSampler(data, batch, 1)) };
}

/** One iteration with its losses read back: the time until the device has finished it. */
export async function syncedIteration(job: TrainingJob): Promise<void> {
  await readLossBatches([await job.runIteration()]);
}

/**
 * GPU-side milliseconds of one iteration from the adapter's timestamp queries, or
 * null where the backend or adapter has none. The iteration's kernels are all
 * dispatched before its first await (fixed schedules), so `tf.time` sees them.
 */
async function kernelMs(job: TrainingJob): Promise<number | null> {
  if (tf.getBackend() !== 'webgpu') return null;
  let losses: Promise<IterationLosses> | undefined;
  const timing = await tf.time(() => {
    losses = job.runIteration();
  });
  await readLossBatches([await losses!]);
  return typeof timing.kernelMs === 'number' && timing.kernelMs > 0 ? timing.kernelMs : null;
}

/**
 * Per case: the median of iterations each read back before the next (synced: the
 * latency a user waiting on every loss would see) and the mean of a run of iterations
 * whose losses are read once at the end (pipelined: what the runner does, reading
 * losses in batches), plus GPU kernel time where the adapter reports it.
 */
/** One case's numbers, for ratios measured in the same run. */
export interface TrainBenchRow {
  name: string;
  syncedMs: number;
  pipelinedMs: number;
  gpuMs: number | null;
}

export async function benchTrain(backend: BackendInfo, opts: { batch: number; iterations: number; filter: string[] }): Promise<TrainBenchRow[]> {
  console.log(`bench train · batch ${opts.batch} · ${machineLine(backend)}`);
  const rows: TrainBenchRow[] = [];
  for (const c of CASES) {
    if (opts.filter.length && !opts.filter.some((f) => c.name.includes(f))) continue;
    const { config, job } = caseJob(c, opts.batch);
    const iterations = c.preset.includes('128') || config.imageSize === 128 ? Math.max(3, Math.ceil(opts.iterations / 3)) : opts.iterations;
    for (let i = 0; i < 2; i++) await syncedIteration(job);
    const times: number[] = [];
    for (let i = 0; i < iterations; i++) {
      const t0 = performance.now();
      await syncedIteration(job);
      times.push(performance.now() - t0);
    }
    const t0 = performance.now();
    const pending: IterationLosses[] = [];
    for (let i = 0; i < iterations; i++) pending.push(await job.runIteration());
    await readLossBatches(pending);
    const pipelined = (performance.now() - t0) / iterations;
    const gpu = await kernelMs(job);
    const tensors = tf.memory().numTensors;
    job.dispose();
    console.log(`${c.name.padEnd(36)} median ${median(times).toFixed(1).padStart(7)} ms/it · pipelined ${pipelined.toFixed(1).padStart(7)} ms/it`
      + ` · min ${Math.min(...times).toFixed(1).padStart(7)} ms${gpu !== null ? ` · gpu kernels ${gpu.toFixed(1)} ms` : ''} · n=${iterations} · tensors ${tensors}`);
    rows.push({ name: c.name, syncedMs: median(times), pipelinedMs: pipelined, gpuMs: gpu });
  }
  return rows;
}
