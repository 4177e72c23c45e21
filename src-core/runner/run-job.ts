import { mkdirSync } from 'node:fs';
import { asDiskFull } from '../domain/errors.ts';
import { describeBackend, initBackend, type BackendChoice } from '../engine/backend.ts';
import { readsSynchronously } from '../engine/reads.ts';
import { tf } from '../engine/tf.ts';
import type { ImageSet } from '../data/image-set.ts';
import { loadImageSet } from '../data/load.ts';
import { attachFittedSynthetic } from '../data/dataset-synth.ts';
import { BatchSampler } from '../data/sampler.ts';
import { buildableConfig } from '../presets/stored.ts';
import type { JobConfig, RecognizerJobConfig } from '../presets/types.ts';
import { getCheckpoint } from '../store/checkpoints.ts';
import type { Db } from '../store/open.ts';
import { finishRun, markRunning, type RunRow } from '../store/runs.ts';
import { readRecordedCheckpoint } from '../training/checkpoint.ts';
import { createGanJob } from '../training/gan-job.ts';
import type { TrainingJob } from '../training/job.ts';
import { createRecognizerJob } from '../training/recognizer-job.ts';
import { refineSynthetic } from '../training/refine-synthetic.ts';
import { sequencePools } from '../training/sequence-data.ts';
import { createSequenceRecognizerJob } from '../training/sequence-recognizer-job.ts';
import { homePaths } from '../util/home.ts';
import { Rng } from '../util/rng.ts';
import { isDue, type Cadence } from './cadence.ts';
import { TrainingClock } from './clock.ts';
import type { RunEvent, RunSummary } from './events.ts';
import { ganExtras, recognizerExtras, type KindExtras, type RunContext } from './extras.ts';
import { RunRecorder } from './recorder.ts';
import { runFiles, truncateRunRecords } from './run-folder.ts';

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

/**
 * The fitted synthesiser's captchas refined to look like the run's own training and unlabelled captchas (images only;
 * never the validation or test split's), with the refiner's progress as notes. Seeded: a resumed run refines the same.
 */
async function refineFittedSynthetic(config: RecognizerJobConfig, set: ImageSet, o: RunDataOptions): Promise<void> {
  const pools = sequencePools(set, config);
  const every = Math.max(1, Math.round(config.synthRefinerSteps / 5));
  const r = await refineSynthetic(set, [...pools.train, ...pools.unlabelled], {
    steps: config.synthRefinerSteps, seed: config.seed, selfRegularisation: config.synthRefinerWeight,
    onStep: (step, l) => {
      if (step % every === 0) o.emit({ type: 'note', step: 0, text: `refining the synthetic captchas: step ${step} of ${config.synthRefinerSteps} (critic ${l.critic.toFixed(3)}, refiner ${l.adversarial.toFixed(3)}, change ${l.regularisation.toFixed(3)})` });
    },
  });
  o.emit({ type: 'note', step: 0, text: `synthetic captchas refined in ${r.seconds.toFixed(0)} s: mean change ${r.meanChange.toFixed(3)} of the ink range` });
}

/** What loading a run's data needs: the home (its cache), the store, and where warnings and notes go. */
export type RunDataOptions = Pick<RunJobOptions, 'home' | 'db' | 'emit'>;

/** The run's images (a dataset's unlabelled captchas too when self-training), with the fitted synthesiser's when it pretrains on them. */
export async function loadRunData(config: JobConfig, o: RunDataOptions): Promise<ImageSet> {
  const loaded = await loadImageSet(config.data, {
    imageSize: config.kind === 'gan' ? config.imageSize : undefined,
    cacheDir: homePaths(o.home).cache,
    db: o.db,
    // Self-training reads the unlabelled captchas too; every other recogniser trains on labelled ones only.
    labelledOnly: config.kind === 'recognizer' && !(config.model === 'ctc' && config.selfTraining),
    wholeCaptchas: config.kind === 'recognizer' && config.model === 'ctc',
  });
  try {
    if (config.kind === 'recognizer' && config.model === 'ctc' && config.synthPretrainSteps > 0 && config.data.source === 'dataset') {
      const warning = await attachFittedSynthetic(o.db, config.data.id, loaded, config.synthCount, config.seed);
      if (warning) o.emit({ type: 'warning', text: warning });
      else if (config.synthRefinerSteps > 0) await refineFittedSynthetic(config, loaded, o);
    }
  } catch (err) {
    loaded.close?.();
    throw err;
  }
  for (const s of loaded.skipped.slice(0, 20)) o.emit({ type: 'warning', text: `skipped ${s.file}: ${s.reason}` });
  return loaded;
}

/** The job a config trains: a GAN with its seeded sampler, or a recogniser of either model. */
function jobsFor(config: JobConfig, loaded: ImageSet) {
  const gan = config.kind === 'gan'
    ? createGanJob(config, loaded, new BatchSampler(loaded, config.batchSize, new Rng(config.seed).fork('data').nextUint32())) : null;
  const recognizer = config.kind !== 'recognizer' ? null
    : config.model === 'ctc' ? { model: 'ctc' as const, job: createSequenceRecognizerJob(config, loaded) }
    : { model: 'lenet' as const, job: createRecognizerJob(config, loaded) };
  return { gan, recognizer };
}

interface TrainingLoop {
  shouldStop: () => boolean;
  budgetSpent: () => boolean;
  clock: TrainingClock;
  recorder: RunRecorder;
  cadences: Cadence[];
  emit: (event: RunEvent) => void;
}

/** Iterations until `toStep`, a stop, the time budget or the job's own end; each one's losses, notes and cadences recorded. */
async function trainUntil(job: TrainingJob, toStep: number, l: TrainingLoop): Promise<void> {
  while (job.iteration < toStep && !l.shouldStop() && !l.budgetSpent() && !job.finished?.()) {
    const losses = await job.runIteration();
    // A macrotask turn: IPC messages, signals and a closed parent channel are seen between iterations.
    await new Promise<void>((resolve) => setImmediate(resolve));
    const step = job.iteration;
    l.recorder.recordLosses(step, l.clock.elapsed(), losses);
    for (const text of job.notes()) l.emit({ type: 'note', step, text });
    for (const c of l.cadences) await c.afterStep(step);
  }
}

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
  let extras: KindExtras | null = null;
  let recorder: RunRecorder | null = null;
  try {
    const backend = await initBackend(o.backend ?? (run.backendChoice as BackendChoice), 'training');
    for (const w of backend.warnings) o.emit({ type: 'warning', text: w });
    const loaded = await loadRunData(config, o);
    data = loaded;
    const { gan, recognizer } = jobsFor(config, loaded);
    const current: TrainingJob = (gan ?? recognizer?.job)!;
    job = current;

    const resumedFrom = o.resume ? resumeFromCheckpoint(db, run, current, o.emit) : null;
    const clock = new TrainingClock(resumedFrom?.seconds ?? 0);
    recorder = new RunRecorder(db, run.pk, files.checkpoint, current, clock, o.emit, resumedFrom ? current.iteration : null);
    const ctx: RunContext = { db, home: o.home, runPk: run.pk, samplesDir: files.samples, checkpointPath: files.checkpoint, clock, recorder, emit: o.emit };
    // Setting up the evaluator (the first run in a home trains the reference recogniser) is not training time.
    extras = await clock.offClock(async () => (gan && config.kind === 'gan' ? ganExtras(config, gan, loaded, ctx)
      : recognizerExtras(config as RecognizerJobConfig, recognizer!, loaded, ctx)));

    const fromStep = current.iteration;
    const toStep = o.steps !== undefined ? fromStep + o.steps : config.steps;
    const budget = o.seconds ?? config.seconds;
    markRunning(db, run.pk, { backend: describeBackend(backend), dataset: loaded.description, targetSteps: toStep });
    o.emit({ type: 'started', run: run.id, preset: config.preset, backend, data: loaded.description, skipped: loaded.skipped.length, fromStep, toStep });

    const cadences: Cadence[] = [progress(config.progressEvery, fromStep, toStep, clock, recorder, o.emit), ...extras.cadences, checkpoints(config.checkpointEvery, recorder)];
    if (fromStep === 0) for (const c of cadences) await c.start?.();
    // A run continued as planned spends what is left of its time budget; one given more steps or seconds starts a new budget.
    const asPlanned = o.steps === undefined && o.seconds === undefined;
    const budgetSpent = () => budget > 0 && (asPlanned ? clock.elapsed() : clock.session()) >= budget;
    await trainUntil(current, toStep, { shouldStop: o.shouldStop, budgetSpent, clock, recorder, cadences, emit: o.emit });
    // A run that used up its time budget, or that its job ended early, has done what it was asked to.
    const status = current.iteration >= toStep || current.finished?.() || (budgetSpent() && !o.shouldStop()) ? 'completed' : 'stopped';
    for (const c of cadences) await c.finish(current.iteration);
    if (status === 'completed') await extras.onCompleted(current.iteration);
    finishRun(db, run.pk, status);
    const summary: RunSummary = {
      run: run.id, preset: config.preset, steps: current.iteration, seconds: Number(clock.elapsed().toFixed(3)),
      backend: describeBackend(backend), losses: recorder.latestLosses, status,
    };
    o.emit({ type: 'done', summary });
    return summary;
  } catch (thrown) {
    const err = asDiskFull(thrown);
    try {
      finishRun(db, run.pk, 'failed', err instanceof Error ? err.message : String(err));
    } catch {
      // The store cannot take the status either (a full disk): the original error is the one to report;
      // the run is marked interrupted once this process is gone.
    }
    throw err;
  } finally {
    recorder?.dispose();
    job?.dispose();
    extras?.dispose();
    data?.close?.();
    tf.disposeVariables();
  }
}

/**
 * Loads the run's checkpoint into the job — the latest, or the one before it when
 * the latest is damaged or is not the file the store recorded (a warning says so);
 * points and grids after it are dropped (the resumed training re-creates them).
 * A run without a checkpoint yet starts again from step 0.
 */
function resumeFromCheckpoint(db: Db, run: RunRow, job: TrainingJob, emit: (e: RunEvent) => void): { seconds: number } {
  const recorded = getCheckpoint(db, run.pk);
  if (!recorded) {
    // Stopped or killed before its first checkpoint: nothing to continue from, so it starts again (same seed, same run).
    emit({ type: 'warning', text: `run ${run.id} has no checkpoint yet: it starts again from step 0` });
    truncateRunRecords(db, run.pk, 0);
    return { seconds: 0 };
  }
  const ckpt = readRecordedCheckpoint(run.id, [recorded, ...(recorded.previous ? [recorded.previous] : [])]);
  if (ckpt.fellBack) emit({ type: 'warning', text: `the latest checkpoint (step ${recorded.step}) is unusable; resuming from step ${ckpt.file.step} (${ckpt.file.path})` });
  job.setState(ckpt.state);
  truncateRunRecords(db, run.pk, ckpt.state.iteration);
  return { seconds: ckpt.seconds };
}

/**
 * A progress event for every `every`-th iteration and the last one, each with its own
 * losses, sent when they are read back: at once where reading is free (wasm, cpu); on a
 * GPU at most every PROGRESS_READ_MS (and at every metrics flush), so the loop does not
 * wait on each iteration's losses and the live view still gets every point, a moment late.
 */
function progress(every: number, fromStep: number, toStep: number, clock: TrainingClock, recorder: RunRecorder, emit: (e: RunEvent) => void): Cadence {
  const due = (step: number) => step % every === 0 || step === toStep;
  const secondsBefore = clock.elapsed() - clock.session();
  recorder.onLossesRead((read) => {
    for (const r of read) {
      if (!due(r.step)) continue;
      const itPerSec = (r.step - fromStep) / Math.max(r.seconds - secondsBefore, 1e-9);
      emit({ type: 'progress', step: r.step, seconds: r.seconds, losses: r.losses, itPerSec, etaSeconds: itPerSec > 0 ? (toStep - r.step) / itPerSec : null });
    }
  });
  let lastRead = performance.now();
  return {
    afterStep: async (step) => {
      if (!due(step) || (!readsSynchronously() && performance.now() - lastRead < PROGRESS_READ_MS)) return;
      lastRead = performance.now();
      await recorder.readLosses();
    },
    finish: () => recorder.readLosses(),
  };
}

/** How often a GPU run reads its losses back for the live view (≈ a screen's useful refresh). */
const PROGRESS_READ_MS = 250;

/** A checkpoint every `every` iterations (metrics flushed between), and one at the end unless the last step has one. */
function checkpoints(every: number, recorder: RunRecorder): Cadence {
  return {
    afterStep: (step) => (isDue(every, step) ? recorder.checkpoint() : recorder.flushIfDue()),
    finish: (step) => (step !== recorder.lastCheckpoint ? recorder.checkpoint() : recorder.flush()),
  };
}
