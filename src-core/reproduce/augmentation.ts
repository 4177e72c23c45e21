/**
 * Beyond the thesis (issue #17): with only N hand-labelled captchas, do samples of a
 * label-conditioned GAN trained on those N raise a recogniser's accuracy on real
 * held-out captchas? Per seed and N: the N captchas (a seeded draw from the dataset's
 * labelled captchas, minus a fixed held-out test set) train the thesis's LeNet
 * (baseline) and the label-conditioned DCGAN (SPEC §4.4); the GAN's characters, drawn
 * per class and set side by side as captchas of the dataset's length and size, join
 * the N for a second LeNet (augmented). Both are read on the same held-out captchas.
 * The report gives, per N, each arm's median and the paired difference's median with
 * its 90 % bootstrap interval, and a verdict only when the interval excludes zero.
 *
 * Resumable like `reproduce captcha`: derived datasets are found by name and runs by tag
 * and seed, so the same command in the same home trains only what is missing.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { tilesOf } from '../data/dataset-images.ts';
import { loadImageSet } from '../data/load.ts';
import { BatchSampler } from '../data/sampler.ts';
import type { CaptchaSettings } from '../domain/datasets.ts';
import { InvalidInputError } from '../domain/errors.ts';
import { initBackend } from '../engine/backend.ts';
import { tf } from '../engine/tf.ts';
import { buildCaptchaRecognizer } from '../models/captcha.ts';
import { disposeNetwork } from '../models/network.ts';
import { resolveConfig } from '../presets/resolve.ts';
import type { GanJobConfig } from '../presets/types.ts';
import { createRun, runFiles } from '../runner/run-folder.ts';
import { insertCaptchas, listCaptchas, type CaptchaRow } from '../store/captchas.ts';
import { getDatasetOfKind, insertDataset, listDatasets } from '../store/datasets.ts';
import { openStore } from '../store/index.ts';
import type { Db } from '../store/open.ts';
import { addTag, getRun, listRuns } from '../store/runs.ts';
import { readCaptcha } from '../training/assist.ts';
import { loadNet, readCheckpoint } from '../training/checkpoint.ts';
import { createGanJob } from '../training/gan-job.ts';
import { predictProbabilities } from '../training/recognizer-steps.ts';
import { Rng } from '../util/rng.ts';
import { budgetSettings, trainOne, type Budget } from './experiments.ts';
import { formatInterval, medianInterval, type Interval } from './stats.ts';

export interface AugmentationOptions {
  home: string;
  out: string;
  /** The labelled captcha dataset. */
  dataset: number;
  /** Hand-labelled captchas per experiment (e.g. 50, 100, 200). */
  sizes: number[];
  seeds: number;
  /** The GAN's training budget. */
  gan: Budget;
  /** LeNet steps, the same for both arms. */
  recognizerSteps: number;
  /** GAN characters drawn per class (set side by side into captchas). */
  perClass: number;
  /** Share of the labelled captchas held out for testing (the same for every seed and N). */
  testShare: number;
  log: (line: string) => void;
  signal?: AbortSignal;
}

export interface AugmentationResult {
  size: number;
  seed: number;
  /** Whole-captcha accuracy on the held-out captchas: LeNet on the N alone, and on the N plus GAN captchas. */
  real: number;
  augmented: number;
  generated: number;
}

export interface AugmentationVerdict {
  size: number;
  real: Interval;
  augmented: Interval;
  difference: Interval;
  verdict: 'helps' | 'hurts' | 'inconclusive';
  reason: string;
}

/** LeNet's recipe for small sets, as the mislabel search trains it: Adam 1e-3 (the thesis's 1e-4 needs thousands of steps). */
const RECOGNIZER_LEARNING_RATE = 1e-3;

export async function reproduceAugmentation(o: AugmentationOptions): Promise<AugmentationVerdict[]> {
  await initBackend('auto', 'training');
  const db = openStore(o.home);
  const results: AugmentationResult[] = [];
  try {
    const source = getDatasetOfKind(db, o.dataset, 'captcha');
    const s = source.settings;
    const labelled = listCaptchas(db, source.id, { status: 'labelled' });
    const order = Array.from(new Rng(0).fork('augmentation/test').permutation(labelled.length));
    const nTest = Math.max(1, Math.round(labelled.length * o.testShare));
    const test = order.slice(0, nTest).map((i) => labelled[i]!);
    const pool = order.slice(nTest).map((i) => labelled[i]!);
    const largest = Math.max(...o.sizes);
    if (largest > pool.length) {
      throw new InvalidInputError(`dataset ${source.id} has ${labelled.length} labelled captchas: ${nTest} are held out, leaving ${pool.length}, fewer than N = ${largest}`, 'sizes');
    }
    for (let seed = 0; seed < o.seeds; seed++) {
      const drawn = Array.from(new Rng(seed).fork('augmentation/draw').permutation(pool.length), (i) => pool[i]!);
      for (const size of o.sizes) {
        const name = `augmentation of #${source.id}, N ${size}, seed ${seed}`;
        const real = derivedDataset(db, source.id, s, `${name}: real`, drawn.slice(0, size));
        const realAccuracy = await recognizerAccuracy(db, o, real, seed, test, s);
        const ganRun = await trainGan(db, o, real, seed);
        const generated = await generatedCaptchas(db, o.home, ganRun, real, s, o.perClass, seed);
        await writeComparison(join(o.out, `generated-N${size}-seed${seed}.png`), s, generated.slice(0, 6), drawn.slice(0, 6));
        // "composition 2": the datasets of composition 1 (before composeCaptcha read one channel) hold noise, not GAN captchas.
        const augmented = derivedDataset(db, source.id, s, `${name}: real + GAN, composition 2`, drawn.slice(0, size), generated);
        const augmentedAccuracy = await recognizerAccuracy(db, o, augmented, seed, test, s);
        results.push({ size, seed, real: realAccuracy, augmented: augmentedAccuracy, generated: generated.length });
        o.log(`N ${size} seed ${seed}: ${pct(realAccuracy)} of held-out captchas with the N alone, ${pct(augmentedAccuracy)} with ${generated.length} GAN captchas added`);
      }
    }
  } finally {
    db.close();
  }
  const verdicts = o.sizes.map((size) => judge(size, results.filter((r) => r.size === size)));
  writeReport(o, results, verdicts);
  return verdicts;
}

const pct = (v: number) => `${(v * 100).toFixed(1)}%`;

/** A captcha dataset made of `captchas` (copied) and extra labelled captchas, found again by name. */
function derivedDataset(db: Db, sourceId: number, s: CaptchaSettings, name: string, captchas: CaptchaRow[], extra: { pixels: Uint8Array; label: string }[] = []): number {
  const existing = listDatasets(db).find((d) => d.name === name && d.kind === 'captcha' && d.sourcePath === `derived:${sourceId}`);
  if (existing) return existing.id;
  // One transaction: a dataset found again by name is always whole.
  return db.transaction(() => {
    const d = insertDataset(db, { kind: 'captcha', name, sourcePath: `derived:${sourceId}`, settings: { ...s, labels: 'augmentation experiment' } });
    insertCaptchas(db, d.id, [
      ...captchas.map((c, i) => ({ ordinal: i, file: c.file, pixels: c.pixels, label: c.label })),
      ...extra.map((c, i) => ({ ordinal: captchas.length + i, file: `gan-${i}`, pixels: c.pixels, label: c.label })),
    ]);
    return d.id;
  })();
}

/** The completed run tagged `tag` with this seed, or a new one trained to completion. */
async function trainedRun(db: Db, o: AugmentationOptions, tag: string, seed: number, config: () => ReturnType<typeof resolveConfig>): Promise<string> {
  const earlier = listRuns(db, { tag }).filter((r) => r.seed === seed);
  const done = earlier.find((r) => r.status === 'completed');
  if (done) {
    o.log(`${tag} seed ${seed}: kept run ${done.id}`);
    return done.id;
  }
  const run = createRun(db, o.home, config(), 'auto');
  addTag(db, run.pk, tag);
  o.log(`${tag} seed ${seed}: training (run ${run.id})`);
  await trainOne(o, tag, seed, run.id, false);
  return run.id;
}

/** LeNet trained on a dataset, read on the held-out captchas: the share read whole. */
async function recognizerAccuracy(db: Db, o: AugmentationOptions, dataset: number, seed: number, test: CaptchaRow[], s: CaptchaSettings): Promise<number> {
  const steps = o.recognizerSteps;
  const id = await trainedRun(db, o, `augmentation-recognizer-${dataset}`, seed, () => resolveConfig('captcha-recognizer', {
    data: JSON.stringify({ source: 'dataset', id: dataset }), seed, steps, evalEvery: steps, checkpointEvery: steps,
    'optimizer.learningRate': RECOGNIZER_LEARNING_RATE,
  }));
  const net = buildCaptchaRecognizer(new Rng(0), s.alphabet.length);
  try {
    loadNet('R', net, readCheckpoint(runFiles(o.home, id).checkpoint).state.tensors);
    const { tiles } = tilesOf(test, s);
    const x = tf.tensor4d(tiles, [test.length * s.length, 20, 20, 1]);
    const probs = predictProbabilities(net, x);
    const values = (await probs.data()) as Float32Array;
    tf.dispose([x, probs]);
    // The pre-labeller's reading of each captcha (argmax per tile), right when it is the whole label.
    return test.filter((c, i) => readCaptcha(values, i * s.length, s.length, s.alphabet).label === c.label).length / test.length;
  } finally {
    disposeNetwork(net);
  }
}

/** The label-conditioned DCGAN (SPEC §4.4) on a dataset's characters; evaluations off (the reference recogniser reads the built-in alphabet only). */
function trainGan(db: Db, o: AugmentationOptions, dataset: number, seed: number): Promise<string> {
  return trainedRun(db, o, `augmentation-gan-${dataset}`, seed, () => resolveConfig('captcha-dcgan-label', {
    ...budgetSettings(o.gan), data: JSON.stringify({ source: 'dataset', id: dataset }), seed,
    evalEvery: 0, evalEverySeconds: 0, checkpointEvery: 100_000,
  }));
}

/**
 * `perClass` characters of every class from the GAN run's generator (fixed noise, its
 * own stream), set side by side in random order as captchas of the dataset's length,
 * resized to its size: [height × width] grayscale, ink dark, as imports store them.
 */
async function generatedCaptchas(
  db: Db, home: string, runId: string, dataset: number, s: CaptchaSettings, perClass: number, seed: number,
): Promise<{ pixels: Uint8Array; label: string }[]> {
  const run = getRun(db, runId);
  const classes = s.alphabet.length;
  const config = { ...(run.config as GanJobConfig), evalCount: perClass * classes };
  const data = await loadImageSet(config.data, { db });
  const job = createGanJob(config, data, new BatchSampler(data, config.batchSize, 1));
  let tiles: Float32Array;
  let requested: Int32Array;
  try {
    job.setState(readCheckpoint(runFiles(home, runId).checkpoint).state);
    const batch = await job.generateEval();
    tiles = batch.pixels;
    requested = batch.requested!;
  } finally {
    job.dispose();
  }
  const byClass = Array.from({ length: classes }, () => [] as number[]);
  requested.forEach((k, i) => byClass[k]!.push(i));
  const rng = new Rng(seed).fork('augmentation/compose');
  const L = s.length;
  const count = Math.floor((perClass * classes) / L);
  const out: { pixels: Uint8Array; label: string }[] = [];
  for (let m = 0; m < count; m++) {
    const text = Array.from({ length: L }, () => rng.int(classes));
    const picked = text.map((k, c) => {
      const list = byClass[k]!;
      return list[(m * L + c) % list.length]!;
    });
    out.push({ pixels: await composeCaptcha(tiles, picked, s.width, s.height), label: text.map((k) => s.alphabet[k]).join('') });
  }
  return out;
}

/**
 * 20 × 20 tiles (ink in [0, 1], `tiles[index]`) set side by side, resized to `width × height`:
 * one grayscale byte per pixel, ink dark, as imports store captchas. (sharp's raw output of a
 * one-channel input is RGB unless asked for b-w: read as gray, that was three captchas' worth of
 * interleaved bytes, and the first runs of this experiment composed noise from it.)
 */
export async function composeCaptcha(tiles: Float32Array, indices: number[], width: number, height: number): Promise<Uint8Array> {
  const L = indices.length;
  const strip = new Uint8Array(20 * 20 * L);
  indices.forEach((tile, c) => {
    for (let y = 0; y < 20; y++) {
      for (let x = 0; x < 20; x++) strip[y * 20 * L + c * 20 + x] = Math.round(255 * (1 - Math.min(1, Math.max(0, tiles[tile * 400 + y * 20 + x]!))));
    }
  });
  const { data, info } = await sharp(Buffer.from(strip), { raw: { width: 20 * L, height: 20, channels: 1 } })
    .resize(width, height, { fit: 'fill' }).toColourspace('b-w').raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== 1 || data.length !== width * height) throw new Error(`composed captcha: ${info.channels} channels, ${data.length} bytes for ${width}×${height}`);
  return new Uint8Array(data);
}

/** What the recogniser is given: GAN captchas (top) above real ones of the N (bottom), one per row, at the dataset's size. */
async function writeComparison(file: string, s: CaptchaSettings, generated: { pixels: Uint8Array }[], real: { pixels: Uint8Array }[]): Promise<void> {
  const rows = [...generated, ...real];
  const sheet = new Uint8Array(rows.length * s.width * s.height);
  rows.forEach((r, i) => sheet.set(r.pixels, i * s.width * s.height));
  mkdirSync(dirname(file), { recursive: true });
  await sharp(Buffer.from(sheet), { raw: { width: s.width, height: s.height * rows.length, channels: 1 } }).png().toFile(file);
}

/** Paired by seed: augmented − real. A verdict only when the 90 % interval excludes zero. */
export function judge(size: number, rows: AugmentationResult[]): AugmentationVerdict {
  const difference = medianInterval(rows.map((r) => r.augmented - r.real));
  const base = { size, real: medianInterval(rows.map((r) => r.real)), augmented: medianInterval(rows.map((r) => r.augmented)), difference };
  if (rows.length < 2) return { ...base, verdict: 'inconclusive', reason: `${rows.length} seed: no interval` };
  if (difference.low > 0) return { ...base, verdict: 'helps', reason: `the paired difference's interval is above zero` };
  if (difference.high < 0) return { ...base, verdict: 'hurts', reason: `the paired difference's interval is below zero` };
  return { ...base, verdict: 'inconclusive', reason: `the paired difference's interval ${formatInterval(difference, 3)} includes zero` };
}

function writeReport(o: AugmentationOptions, results: AugmentationResult[], verdicts: AugmentationVerdict[]): void {
  mkdirSync(o.out, { recursive: true });
  const budget = 'seconds' in o.gan ? `${o.gan.seconds} s` : `${o.gan.steps} iterations`;
  const lines = [
    `# GAN augmentation of a small labelled set (dataset #${o.dataset})`, '',
    `${o.seeds} seeds; N hand-labelled captchas each; the label-conditioned DCGAN trained ${budget} on them; ${o.perClass} GAN characters per class`,
    `composed into captchas; LeNet ${o.recognizerSteps} steps (Adam ${RECOGNIZER_LEARNING_RATE}) on the N alone and on the N + GAN captchas;`,
    `accuracy = whole captchas read right on the held-out ${Math.round(o.testShare * 100)} % (the same for every seed and N). Medians with 90 % bootstrap intervals.`, '',
    '| N | N alone | N + GAN | difference (paired) | verdict |', '| ---: | --- | --- | --- | --- |',
    ...verdicts.map((v) => `| ${v.size} | ${formatInterval(v.real, 3)} | ${formatInterval(v.augmented, 3)} | ${formatInterval(v.difference, 3)} | **${v.verdict}** (${v.reason}) |`),
    '', `Each \`generated-N<N>-seed<seed>.png\` shows six of the GAN captchas a recogniser was given (top) above six of its N real ones (bottom).`,
    '', '## Every run', '', '| N | seed | N alone | N + GAN | GAN captchas |', '| ---: | ---: | ---: | ---: | ---: |',
    ...results.map((r) => `| ${r.size} | ${r.seed} | ${pct(r.real)} | ${pct(r.augmented)} | ${r.generated} |`), '',
  ];
  writeFileSync(join(o.out, 'report.md'), lines.join('\n'));
  writeFileSync(join(o.out, 'results.csv'), ['size,seed,real,augmented,generated', ...results.map((r) => `${r.size},${r.seed},${r.real},${r.augmented},${r.generated}`)].join('\n') + '\n');
}
