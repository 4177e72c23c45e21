import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeBackend, initBackend, type BackendChoice } from '../engine/backend.ts';
import { tf } from '../engine/tf.ts';
import { BatchSampler } from '../data/sampler.ts';
import { loadImageSet } from '../data/load.ts';
import { sampleGridPng } from '../data/sample-grid.ts';
import { createGanJob } from '../training/gan-job.ts';
import { createRecognizerJob } from '../training/recognizer-job.ts';
import type { TrainingJob } from '../training/job.ts';
import { homePaths } from '../util/home.ts';
import { Rng } from '../util/rng.ts';
import { readCheckpoint, writeCheckpoint } from './checkpoint.ts';
import type { RunEvent, RunSummary } from './events.ts';
import { runFiles, type RunRecord } from './run-folder.ts';

export interface RunJobOptions {
  home: string;
  dir: string;
  record: RunRecord;
  /** Continue from the run's checkpoint. */
  resume: boolean;
  /** Iterations to run in this session (default: up to the config's `steps`). */
  steps?: number;
  /** Wall-second budget for this session (0 = none); overrides the config's. */
  seconds?: number;
  backend?: BackendChoice;
  shouldStop: () => boolean;
  emit: (event: RunEvent) => void;
}

/**
 * Trains one run in this process: the code path of both the CLI and the app
 * (each calls it inside a runner process). Checkpoints atomically every
 * `checkpointEvery` iterations and when it stops, so a stop or crash loses at
 * most that many iterations and a resume continues exactly.
 */
export async function runJob(o: RunJobOptions): Promise<RunSummary> {
  const files = runFiles(o.dir);
  const emit = (e: RunEvent) => {
    appendFileSync(files.events, `${JSON.stringify(e)}\n`);
    o.emit(e);
  };
  const config = o.record.config;
  const backend = await initBackend(o.backend ?? o.record.backendChoice);
  for (const w of backend.warnings) emit({ type: 'warning', text: w });
  const data = await loadImageSet(config.data, {
    imageSize: config.kind === 'gan' ? config.imageSize : undefined,
    cacheDir: homePaths(o.home).cache,
  });
  for (const s of data.skipped.slice(0, 20)) emit({ type: 'warning', text: `skipped ${s.file}: ${s.reason}` });
  const job: TrainingJob = config.kind === 'gan'
    ? createGanJob(config, data, new BatchSampler(data, config.batchSize, new Rng(config.seed).fork('data').nextUint32()))
    : createRecognizerJob(config, data);
  let secondsBefore = 0;
  try {
    if (o.resume) {
      if (!existsSync(files.checkpoint)) throw new Error(`run ${o.record.id} has no checkpoint to resume from`);
      const ckpt = readCheckpoint(files.checkpoint);
      job.setState(ckpt.state);
      secondsBefore = ckpt.seconds;
    }
    const fromStep = job.iteration;
    const toStep = o.steps !== undefined ? fromStep + o.steps : config.steps;
    const budget = o.seconds ?? config.seconds;
    emit({ type: 'started', run: o.record.id, preset: config.preset, backend, data: data.description, skipped: data.skipped.length, fromStep, toStep });
    const t0 = performance.now();
    const elapsed = () => secondsBefore + (performance.now() - t0) / 1000;
    const session = () => (performance.now() - t0) / 1000;
    let losses: Record<string, number> = {};
    let lastCheckpoint = fromStep;
    const checkpoint = () => {
      writeCheckpoint(files.checkpoint, job.getState(), elapsed());
      lastCheckpoint = job.iteration;
      emit({ type: 'checkpoint', step: job.iteration, path: files.checkpoint });
    };
    const samples = async () => {
      const images = await job.samples();
      if (!images) return;
      const path = join(files.samples, `step-${String(job.iteration).padStart(6, '0')}.png`);
      writeFileSync(path, await sampleGridPng(images));
      emit({ type: 'samples', step: job.iteration, seconds: elapsed(), path });
    };
    if (fromStep === 0 && config.kind === 'gan' && config.sampleEvery > 0) await samples();
    while (job.iteration < toStep && !o.shouldStop() && !(budget > 0 && session() >= budget)) {
      losses = await job.runIteration();
      for (const text of job.notes()) emit({ type: 'note', step: job.iteration, text });
      const done = job.iteration - fromStep;
      if (job.iteration % config.progressEvery === 0 || job.iteration === toStep) {
        const itPerSec = done / Math.max(session(), 1e-9);
        emit({
          type: 'progress', step: job.iteration, seconds: elapsed(), losses, itPerSec,
          etaSeconds: itPerSec > 0 ? (toStep - job.iteration) / itPerSec : null,
        });
      }
      if (config.kind === 'gan' && config.sampleEvery > 0 && job.iteration % config.sampleEvery === 0) await samples();
      if (job.iteration % config.checkpointEvery === 0) checkpoint();
    }
    if (job.iteration !== lastCheckpoint || !existsSync(files.checkpoint)) checkpoint();
    const summary: RunSummary = {
      run: o.record.id,
      preset: config.preset,
      steps: job.iteration,
      seconds: Number(elapsed().toFixed(3)),
      backend: describeBackend(backend),
      losses,
      status: job.iteration >= toStep ? 'completed' : 'stopped',
    };
    emit({ type: 'done', summary });
    return summary;
  } finally {
    job.dispose();
    tf.disposeVariables();
  }
}
