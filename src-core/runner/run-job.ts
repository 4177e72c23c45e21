import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeBackend, initBackend, type BackendChoice } from '../engine/backend.ts';
import { tf } from '../engine/tf.ts';
import { BatchSampler } from '../data/sampler.ts';
import { loadImageSet } from '../data/load.ts';
import { sampleGridPng } from '../data/sample-grid.ts';
import { buildableConfig } from '../presets/stored.ts';
import type { JobConfig } from '../presets/types.ts';
import { getCheckpoint, recordCheckpoint } from '../store/checkpoints.ts';
import { appendMetrics, truncateMetrics, type MetricPoint } from '../store/metrics.ts';
import type { Db } from '../store/open.ts';
import { finishRun, markRunning, recordProgress, type RunRow } from '../store/runs.ts';
import { addSample, truncateSamples } from '../store/samples.ts';
import { createGanJob, type GanJob } from '../training/gan-job.ts';
import { createEvaluator, type Evaluator } from '../metrics/evaluator.ts';
import { saveHistograms, truncateHistograms } from '../store/histograms.ts';
import { createRecognizerJob, type RecognizerEvaluation } from '../training/recognizer-job.ts';
import type { ImageSet } from '../data/image-set.ts';
import { getDatasetOfKind } from '../store/datasets.ts';
import { insertRecognizer } from '../store/recognizers.ts';
import type { TrainingJob } from '../training/job.ts';
import { homePaths } from '../util/home.ts';
import { Rng } from '../util/rng.ts';
import { readCheckpoint, writeCheckpoint } from '../training/checkpoint.ts';
import type { RunEvent, RunSummary } from './events.ts';
import { runFiles } from './run-folder.ts';

export interface RunJobOptions {
  home: string;
  db: Db;
  run: RunRow;
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

/** Metric points are written in batches: at most this often, and at every checkpoint. */
const FLUSH_INTERVAL_MS = 1000;

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/**
 * Trains one run in this process — the code path of both the CLI and the app (each
 * calls it inside a runner process) — recording it in the store: status, metrics in
 * batches with a heartbeat, sample grids and checkpoints with checksums. Checkpoints
 * are atomic, every `checkpointEvery` iterations and on stop, so a crash loses at
 * most that many iterations and a resume continues exactly.
 */
export async function runJob(o: RunJobOptions): Promise<RunSummary> {
  const { db, run } = o;
  const files = runFiles(o.home, run.id);
  mkdirSync(files.samples, { recursive: true });
  // Before anything is written: a run this version cannot build is refused and left as it was.
  const config = buildableConfig(run.config as JobConfig);
  let job: TrainingJob | null = null;
  let data: ImageSet | null = null;
  let evaluator: Evaluator | null = null;
  try {
    const backend = await initBackend(o.backend ?? (run.backendChoice as BackendChoice));
    for (const w of backend.warnings) o.emit({ type: 'warning', text: w });
    data = await loadImageSet(config.data, {
      imageSize: config.kind === 'gan' ? config.imageSize : undefined,
      cacheDir: homePaths(o.home).cache,
      db,
      labelledOnly: config.kind === 'recognizer',
    });
    for (const s of data.skipped.slice(0, 20)) o.emit({ type: 'warning', text: `skipped ${s.file}: ${s.reason}` });
    const recognizer = config.kind === 'recognizer' ? createRecognizerJob(config, data) : null;
    const gan = config.kind === 'gan'
      ? createGanJob(config, data, new BatchSampler(data, config.batchSize, new Rng(config.seed).fork('data').nextUint32())) : null;
    job = (recognizer ?? gan)!;
    if (gan && config.kind === 'gan' && (config.evalEvery > 0 || config.evalEverySeconds > 0)) {
      evaluator = await createEvaluator(config, data, o.home, db);
      const cadence = config.evalEvery > 0 ? `${config.evalEvery} iterations` : `${config.evalEverySeconds} s of training`;
      o.emit({ type: 'note', step: 0, text: `quality measured every ${cadence} with ${evaluator.source}` });
    }
    let secondsBefore = 0;
    if (o.resume) {
      const recorded = getCheckpoint(db, run.pk);
      if (!recorded || !existsSync(recorded.path)) throw new Error(`run ${run.id} has no checkpoint to resume from`);
      const ckpt = readCheckpoint(recorded.path);
      job.setState(ckpt.state);
      secondsBefore = ckpt.seconds;
      // Points and grids after the checkpoint are re-created by the resumed training.
      truncateMetrics(db, run.pk, ckpt.state.iteration);
      truncateHistograms(db, run.pk, ckpt.state.iteration);
      for (const path of truncateSamples(db, run.pk, ckpt.state.iteration)) rmSync(path, { force: true });
    }
    const fromStep = job.iteration;
    const toStep = o.steps !== undefined ? fromStep + o.steps : config.steps;
    const budget = o.seconds ?? config.seconds;
    markRunning(db, run.pk, { backend: describeBackend(backend), dataset: data.description, targetSteps: toStep });
    o.emit({ type: 'started', run: run.id, preset: config.preset, backend, data: data.description, skipped: data.skipped.length, fromStep, toStep });

    const t0 = performance.now();
    // Training time only: evaluations pause the clock, so runs compared by wall time
    // (time to quality, equal budgets) are not charged for being measured.
    let measuring = 0;
    const session = () => (performance.now() - t0) / 1000 - measuring;
    const elapsed = () => secondsBefore + session();
    const pending: MetricPoint[] = [];
    let lastFlush = performance.now();
    const flush = () => {
      appendMetrics(db, run.pk, pending.splice(0));
      recordProgress(db, run.pk, job!.iteration, elapsed());
      lastFlush = performance.now();
    };
    let losses: Record<string, number> = {};
    let lastCheckpoint = o.resume ? fromStep : -1;
    const checkpoint = () => {
      flush();
      const written = writeCheckpoint(files.checkpoint, job!.getState(), elapsed());
      recordCheckpoint(db, run.pk, { step: job!.iteration, path: files.checkpoint, ...written });
      lastCheckpoint = job!.iteration;
      o.emit({ type: 'checkpoint', step: job!.iteration, path: files.checkpoint });
    };
    const samples = async () => {
      const images = await job!.samples();
      if (!images) return;
      const path = join(files.samples, `step-${String(job!.iteration).padStart(6, '0')}.png`);
      const png = await sampleGridPng(images);
      writeFileSync(path, png);
      addSample(db, run.pk, { step: job!.iteration, seconds: elapsed(), path, sha256: sha256(png) });
      o.emit({ type: 'samples', step: job!.iteration, seconds: elapsed(), path });
    };
    const sampleEvery = config.kind === 'gan' ? config.sampleEvery : 0;
    const evalEvery = evaluator && config.kind === 'gan' ? config.evalEvery : 0;
    const evalEverySeconds = evaluator && config.kind === 'gan' ? config.evalEverySeconds : 0;
    let lastEval = 0;
    let lastEvalStep = -1;
    const histogramEvery = config.kind === 'gan' ? config.histogramEvery : 0;
    const measure = async () => {
      const started = performance.now();
      const seconds = elapsed();
      const values = evaluator!.evaluate(await (job as GanJob).generateEval());
      const step = job!.iteration;
      for (const [key, value] of Object.entries(values)) pending.push({ key, step, seconds, value });
      o.emit({ type: 'eval', step, seconds, metrics: values });
      measuring += (performance.now() - started) / 1000;
      lastEval = session();
      lastEvalStep = step;
    };
    const histograms = () => saveHistograms(db, run.pk, job!.iteration, (job as GanJob).weightHistograms());
    if (fromStep === 0 && (evalEvery > 0 || evalEverySeconds > 0)) {
      // What real data scores on the same metrics, once, at step 0 (not charged to the clock).
      const started = performance.now();
      const reference = evaluator!.reference(config.kind === 'gan' ? config.evalCount : 0);
      for (const [key, value] of Object.entries(reference)) pending.push({ key, step: 0, seconds: 0, value });
      measuring += (performance.now() - started) / 1000;
      await measure();
    }
    if (fromStep === 0 && histogramEvery > 0) histograms();
    if (fromStep === 0 && sampleEvery > 0) await samples();
    const budgetSpent = () => budget > 0 && session() >= budget;
    while (job.iteration < toStep && !o.shouldStop() && !budgetSpent()) {
      losses = await job.runIteration();
      const step = job.iteration;
      const now = elapsed();
      for (const [key, value] of Object.entries(losses)) pending.push({ key, step, seconds: now, value });
      for (const text of job.notes()) o.emit({ type: 'note', step, text });
      if (step % config.progressEvery === 0 || step === toStep) {
        const itPerSec = (step - fromStep) / Math.max(session(), 1e-9);
        o.emit({ type: 'progress', step, seconds: now, losses, itPerSec, etaSeconds: itPerSec > 0 ? (toStep - step) / itPerSec : null });
      }
      if (sampleEvery > 0 && step % sampleEvery === 0) await samples();
      if ((evalEvery > 0 && step % evalEvery === 0) || (evalEverySeconds > 0 && session() - lastEval >= evalEverySeconds)) await measure();
      if (histogramEvery > 0 && step % histogramEvery === 0) histograms();
      if (step % config.checkpointEvery === 0) checkpoint();
      else if (performance.now() - lastFlush >= FLUSH_INTERVAL_MS) flush();
    }
    // The run's last state is always shown and measured, whatever the cadence.
    if (sampleEvery > 0 && job.iteration % sampleEvery !== 0) await samples();
    if ((evalEvery > 0 || evalEverySeconds > 0) && lastEvalStep !== job.iteration) await measure();
    if (histogramEvery > 0 && job.iteration % histogramEvery !== 0) histograms();
    if (job.iteration !== lastCheckpoint) checkpoint();
    else flush();
    // A run that used up its time budget has done what it was asked to, as one that made its steps.
    const status = job.iteration >= toStep || (budgetSpent() && !o.shouldStop()) ? 'completed' : 'stopped';
    if (recognizer && config.data.source === 'dataset' && status === 'completed') {
      const e = recognizer.evaluate();
      const r = recordRecognizer(db, config.data.id, files.checkpoint, e, data, recognizer.config.kind === 'recognizer' ? recognizer.config.validationSplit : 0.1);
      o.emit({ type: 'note', step: job.iteration, text: `recogniser ${r.id}: ${(e.characterAccuracy * 100).toFixed(1)}% of characters, ${(e.captchaAccuracy * 100).toFixed(1)}% of captchas on the held-out split` });
    }
    finishRun(db, run.pk, status);
    const summary: RunSummary = {
      run: run.id, preset: config.preset, steps: job.iteration, seconds: Number(elapsed().toFixed(3)),
      backend: describeBackend(backend), losses, status,
    };
    o.emit({ type: 'done', summary });
    return summary;
  } catch (err) {
    finishRun(db, run.pk, 'failed', err instanceof Error ? err.message : String(err));
    throw err;
  } finally {
    job?.dispose();
    evaluator?.dispose();
    data?.close?.();
    tf.disposeVariables();
  }
}

/** Stores a dataset's trained recogniser (its checkpoint holds the weights) for pre-labelling. */
function recordRecognizer(db: Db, dataset: number, checkpoint: string, e: RecognizerEvaluation, data: ImageSet, validationSplit: number) {
  const d = getDatasetOfKind(db, dataset, 'captcha');
  const captchas = data.count / (data.group ?? 4);
  // As splitByCaptcha rounds it.
  const validation = Math.max(1, Math.round(captchas * validationSplit));
  return insertRecognizer(db, {
    dataset, weightsPath: checkpoint, sha256: sha256(readFileSync(checkpoint)), alphabet: d.settings.alphabet,
    characterAccuracy: e.characterAccuracy, captchaAccuracy: e.captchaAccuracy, confusion: e.confusion,
    trainCaptchas: captchas - validation, validationCaptchas: validation,
  });
}
