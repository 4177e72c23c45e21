import { randomImages } from '../../src-core/bench/train-bench.ts';
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
