/**
 * What a run does besides training, chosen once by its kind: a GAN shows sample
 * grids, measures quality and records weight histograms; a recogniser trained on a
 * dataset is stored for pre-labelling when it completes.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ImageSet } from '../data/image-set.ts';
import { sampleGridPng } from '../data/sample-grid.ts';
import { createEvaluator, type Evaluator } from '../evaluation/evaluator.ts';
import { primeReads } from '../engine/reads.ts';
import type { GanJobConfig, RecognizerJobConfig } from '../presets/types.ts';
import { getDatasetOfKind } from '../store/datasets.ts';
import { saveHistograms } from '../store/histograms.ts';
import type { Db } from '../store/open.ts';
import { insertRecognizer } from '../store/recognizers.ts';
import { addSample } from '../store/samples.ts';
import type { GanJob } from '../training/gan-job.ts';
import type { RecognizerJob } from '../training/recognizer-job.ts';
import type { SequenceRecognizerJob } from '../training/sequence-recognizer-job.ts';
import { writeCheckpoint } from '../training/checkpoint.ts';
import { everyIterations, isDue, type Cadence } from './cadence.ts';
import type { TrainingClock } from './clock.ts';
import type { RunEvent } from './events.ts';
import type { RunRecorder } from './recorder.ts';

export interface RunContext {
  db: Db;
  home: string;
  runPk: number;
  samplesDir: string;
  checkpointPath: string;
  clock: TrainingClock;
  recorder: RunRecorder;
  emit: (e: RunEvent) => void;
}

export interface KindExtras {
  /** Run after the progress report and before the checkpoint, in this order. */
  cadences: Cadence[];
  /** When the run completes (not when it stops). */
  onCompleted(step: number): Promise<void> | void;
  dispose(): void;
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

export async function ganExtras(config: GanJobConfig, job: GanJob, data: ImageSet, ctx: RunContext): Promise<KindExtras> {
  const { db, runPk, clock, recorder, emit } = ctx;
  const samples = async () => {
    const images = await job.samples();
    if (!images) return;
    const step = job.iteration;
    const path = join(ctx.samplesDir, `step-${String(step).padStart(6, '0')}.png`);
    const png = await sampleGridPng(images);
    writeFileSync(path, png);
    addSample(db, runPk, { step, seconds: clock.elapsed(), path, sha256: sha256(png) });
    emit({ type: 'samples', step, seconds: clock.elapsed(), path });
  };
  const histograms = async () => {
    await primeReads();
    saveHistograms(db, runPk, job.iteration, job.weightHistograms());
  };
  const measuring = config.evalEvery > 0 || config.evalEverySeconds > 0;
  const evaluator = measuring ? await createEvaluator(config, data, ctx.home, db) : null;
  if (evaluator) {
    const cadence = config.evalEvery > 0 ? `${config.evalEvery} iterations` : `${config.evalEverySeconds} s of training`;
    emit({ type: 'note', step: 0, text: `quality measured every ${cadence} with ${evaluator.source}` });
  }
  return {
    cadences: [
      everyIterations(config.sampleEvery, samples),
      ...(evaluator ? [evaluation(config, job, evaluator, clock, recorder, emit)] : []),
      everyIterations(config.histogramEvery, histograms),
    ],
    onCompleted: () => {},
    dispose: () => evaluator?.dispose(),
  };
}

/** Quality every `evalEvery` iterations or `evalEverySeconds` of training, off the clock; real data's scores once at step 0. */
function evaluation(config: GanJobConfig, job: GanJob, evaluator: Evaluator, clock: TrainingClock, recorder: RunRecorder, emit: (e: RunEvent) => void): Cadence {
  // Training seconds of the whole run at the last evaluation: a resumed run keeps the cadence.
  let lastEvalAt = clock.elapsed();
  let lastEvalStep = -1;
  const measure = () => clock.offClock(async () => {
    const seconds = clock.elapsed();
    const values = await evaluator.evaluate(await job.generateEval());
    const step = job.iteration;
    recorder.record(step, seconds, values);
    emit({ type: 'eval', step, seconds, metrics: values });
    lastEvalStep = step;
  }).then(() => {
    lastEvalAt = clock.elapsed();
  });
  return {
    start: async () => {
      // What real data scores on the same metrics, at step 0, so every quality figure has its ceiling beside it.
      await clock.offClock(async () => recorder.record(0, 0, await evaluator.reference(config.evalCount)));
      await measure();
    },
    afterStep: (step) => {
      const due = isDue(config.evalEvery, step) || (config.evalEverySeconds > 0 && clock.elapsed() - lastEvalAt >= config.evalEverySeconds);
      return due ? measure() : undefined;
    },
    finish: (step) => (lastEvalStep !== step ? measure() : undefined),
  };
}

/** A completed recogniser trained on a dataset is stored for pre-labelling, with its held-out accuracies. */
export function recognizerExtras(
  config: RecognizerJobConfig, recognizer: { model: 'lenet'; job: RecognizerJob } | { model: 'ctc'; job: SequenceRecognizerJob }, data: ImageSet, ctx: RunContext,
): KindExtras {
  return {
    cadences: [],
    onCompleted: async (step) => {
      if (config.data.source !== 'dataset') return;
      const d = getDatasetOfKind(ctx.db, config.data.id, 'captcha');
      let line: string;
      if (recognizer.model === 'ctc') {
        // The recogniser is the best on validation (the last averaged weights when the split is too small to choose by),
        // written beside the checkpoint (which keeps training's state);
        // its numbers come from the test split when there is one: never trained on, never used to choose.
        const weightsPath = join(dirname(ctx.checkpointPath), 'recognizer.ckpt');
        writeCheckpoint(weightsPath, { iteration: step, meta: {}, tensors: await recognizer.job.recordedWeights() }, ctx.clock.elapsed());
        const split = recognizer.job.splits.test > 0 ? 'test' : 'validation';
        // Confidences calibrated by a temperature fitted on the validation split, judged on the test split.
        const { temperature, e } = await recognizer.job.withRecordedWeights(async () => {
          const t = await recognizer.job.calibrate();
          return { temperature: t, e: await recognizer.job.evaluate(split, t) };
        });
        const r = insertRecognizer(ctx.db, {
          dataset: d.id, weightsPath, sha256: sha256(readFileSync(weightsPath)), alphabet: d.settings.alphabet, model: 'ctc', characterAccuracy: e.characterAccuracy, captchaAccuracy: e.captchaAccuracy, confusion: [],
          calibrationError: e.calibrationError, rawCalibrationError: e.rawCalibrationError, temperature, trainCaptchas: recognizer.job.splits.train, validationCaptchas: e.captchas,
          labelsUsed: recognizer.job.splits.train + recognizer.job.splits.validation, unlabelledUsed: recognizer.job.splits.unlabelled, pseudoLabelled: recognizer.job.pseudoLabelled,
        });
        line = `recogniser ${r.id}: ${(e.captchaAccuracy * 100).toFixed(1)}% of captchas, ${(e.characterAccuracy * 100).toFixed(1)}% of characters on the ${e.captchas} ${split} captchas ` +
          `(calibration error ${e.calibrationError.toFixed(3)} at temperature ${temperature.toFixed(2)}, ${e.rawCalibrationError.toFixed(3)} uncalibrated)` +
          `; learnt from ${r.labelsUsed} labels${r.unlabelledUsed ? ` and ${r.unlabelledUsed} unlabelled captchas (${r.pseudoLabelled} pseudo-labelled)` : ''}`;
      } else {
        const e = await recognizer.job.evaluate();
        const captchas = data.count / (data.group ?? 4);
        // As splitByCaptcha rounds it.
        const validation = Math.max(1, Math.round(captchas * config.validationSplit));
        const r = insertRecognizer(ctx.db, {
          dataset: d.id, weightsPath: ctx.checkpointPath, sha256: sha256(readFileSync(ctx.checkpointPath)), alphabet: d.settings.alphabet, model: 'lenet', characterAccuracy: e.characterAccuracy, captchaAccuracy: e.captchaAccuracy, confusion: e.confusion,
          calibrationError: null, trainCaptchas: captchas - validation, validationCaptchas: validation,
        });
        line = `recogniser ${r.id}: ${(e.characterAccuracy * 100).toFixed(1)}% of characters, ${(e.captchaAccuracy * 100).toFixed(1)}% of captchas on the held-out split`;
      }
      ctx.emit({ type: 'note', step, text: line });
    },
    dispose: () => {},
  };
}
