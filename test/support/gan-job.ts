import { randomImages } from '../../src-core/bench/train-bench.ts';
import { readLossBatches } from '../../src-core/engine/reads.ts';
import { tf } from '../../src-core/engine/tf.ts';
import type { IterationLosses } from '../../src-core/training/job.ts';
import { BatchSampler } from '../../src-core/data/sampler.ts';
import { resolveConfig } from '../../src-core/presets/resolve.ts';
import type { GanJobConfig } from '../../src-core/presets/types.ts';
import { createGanJob } from '../../src-core/training/gan-job.ts';

/** A preset's GAN job (batch 4 unless overridden) on 16 random images of its shape: for loss and memory checks. */
export function smallGanJob(preset: string, overrides: Record<string, string> = {}) {
  const config = resolveConfig(preset, { batchSize: '4', 'data.count': '16', ...overrides }) as GanJobConfig;
  const data = randomImages(config, 16);
  return createGanJob(config, data, new BatchSampler(data, config.batchSize, 1));
}

/**
 * tf.memory() after a job's first iteration and after its `iterations`th (1,000 by
 * default), losses read in batches of 50 as the runner reads them: equal when an
 * iteration leaks nothing.
 */
export async function memoryOverIterations(job: ReturnType<typeof smallGanJob>, iterations = 1000) {
  await readLossBatches([await job.runIteration()]);
  const before = tf.memory();
  const pending: IterationLosses[] = [];
  for (let i = 1; i < iterations; i++) {
    pending.push(await job.runIteration());
    if (pending.length === 50) await readLossBatches(pending.splice(0));
  }
  await readLossBatches(pending);
  return { before, after: tf.memory() };
}
