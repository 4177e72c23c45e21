import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { openStore } from '../store/index.ts';
import { metricsCsv, rawSeries, type SeriesPoint } from '../store/metrics.ts';
import type { Db } from '../store/open.ts';
import { getRun, type RunRow } from '../store/runs.ts';
import { listSamples } from '../store/samples.ts';
import {
  CHANCE, allFaster, averageFaceClaim, collapseClaim, fasterToQuality, finalInterval, gpClaim, labelsFollowedClaim,
  moreDiverseClaim, type ClaimResult, type Experiment, type SeedRun,
} from './claims.ts';
import { SLOW_RUN, onCommonClock, type RunClock } from './clock.ts';
import { formatInterval, median } from './stats.ts';
import { lineChartSvg, type Line } from './svg-plot.ts';

/** Which stored metric fills which series of a SeedRun, per kind of report. */
interface Keys {
  frechet: string;
  legibility: string | null;
  entropy: string;
  conditional: string | null;
}
const CAPTCHA_KEYS: Keys = { frechet: 'frechet', legibility: 'legibility', entropy: 'class_entropy', conditional: 'conditional_accuracy' };
const FACE_KEYS: Keys = { frechet: 'swd', legibility: null, entropy: 'ms_ssim', conditional: null };

/** The runs grouped by preset (in first-seen order), each seed's series read from the store. */
function readExperiments(db: Db, runs: RunRow[], keys: Keys): Experiment[] {
  const byPreset = new Map<string, SeedRun[]>();
  for (const run of runs) {
    const series = (key: string | null) => (key ? rawSeries(db, run.pk, key) : []);
    const seedRun: SeedRun = {
      run: run.id, seed: run.seed, frechet: series(keys.frechet), legibility: series(keys.legibility),
      entropy: series(keys.entropy), conditional: series(keys.conditional),
    };
    byPreset.set(run.preset, [...(byPreset.get(run.preset) ?? []), seedRun]);
  }
  return [...byPreset].map(([preset, seeds]) => ({ preset, seeds: seeds.sort((a, b) => a.seed - b.seed) }));
}

/** What real data scores on each metric (recorded at step 0 of every evaluated run as real_<key>): the median over runs. */
function realReference(db: Db, runs: RunRow[], keys: Keys): Partial<Record<keyof Keys, number>> {
  const out: Partial<Record<keyof Keys, number>> = {};
  for (const [field, key] of Object.entries(keys) as [keyof Keys, string | null][]) {
    if (!key) continue;
    const values = runs.flatMap((r) => rawSeries(db, r.pk, `real_${key}`).map((p) => p.value));
    if (values.length) out[field] = median(values);
  }
  return out;
}

/** "Never reached" counts as twice the longest run: slower than any run that did reach it. */
const censorOf = (experiments: Experiment[]) => 2 * Math.max(1, ...experiments.flatMap((e) => e.seeds.map((s) => s.frechet.at(-1)?.seconds ?? 0)));

function judge(
  home: string, outDir: string, runIds: string[], keys: Keys, labels: ReportLabels,
  claims: (get: (p: string) => Experiment | undefined, censor: number) => ClaimResult[],
): ClaimResult[] {
  const out = resolve(outDir);
  mkdirSync(out, { recursive: true });
  const db = openStore(home);
  try {
    const runs = runIds.map((id) => getRun(db, id));
    const { experiments, clocks } = onCommonClock(readExperiments(db, runs, keys));
    for (const run of runs) {
      const grids = listSamples(db, run.pk);
      if (grids.length) copyFileSync(grids.at(-1)!.path, join(out, `${run.preset}-seed${run.seed}-final.png`));
    }
    const get = (p: string) => experiments.find((e) => e.preset === p);
    const results = claims(get, censorOf(experiments));
    writeReport(out, describeBudget(runs), experiments, results, labels, realReference(db, runs, keys), clocks);
    writeFileSync(join(out, 'metrics.csv'), [...metricsCsv(db, runs)].join(''));
    return results;
  } finally {
    db.close();
  }
}

/** The budget as the runs were given it: "120 s of training" or "40 iterations". */
function describeBudget(runs: RunRow[]): string {
  const c = runs[0]?.config as { seconds?: number; steps?: number } | undefined;
  if (!c) return 'no runs';
  return c.seconds ? `${c.seconds} s of training time (evaluations excluded)` : `${c.steps} iterations`;
}

/** Judges finished captcha runs (any number of seeds per preset) and writes the report: also usable on runs trained earlier. */
export function judgeCaptchaRuns(home: string, outDir: string, runIds: string[]): ClaimResult[] {
  return judge(home, outDir, runIds, CAPTCHA_KEYS, CAPTCHA_LABELS, (get, censor) => {
    const claims: ClaimResult[] = [];
    const pair = (a: string, b: string, claim: string, thesis: string) => {
      if (get(a) && get(b)) claims.push(fasterToQuality(claim, thesis, get(a)!, get(b)!, censor));
    };
    pair('captcha-dcgan', 'captcha-wdcgan', "WDCGAN reaches DCGAN's quality in fewer seconds", '4.3: WDCGAN at 77 s looks like DCGAN at 184 s');
    pair('captcha-wdcgan', 'captcha-wdcgan-update', 'WDCGAN_update (smoothing tail + selective clipping) is faster still', '4.4: WDCGAN_update at 83 s matches WDCGAN at 104 s');
    pair('captcha-wdcgan-update', 'captcha-wdcgan-update-adaptive', "The author's adaptive schedule speeds WDCGAN_update up further",
      '4.4, recommended but not run: more critic updates early, more generator updates once the critic loss falls steadily');
    if (get('captcha-fc-gan') && get('captcha-fc-wgan')) claims.push(collapseClaim(get('captcha-fc-gan')!, get('captcha-fc-wgan')!));
    const conditioned = ['captcha-dcgan-label', 'captcha-wdcgan-label', 'captcha-wdcgan-label-update', 'captcha-wdcgan-label-projection']
      .map(get).filter((e): e is Experiment => Boolean(e));
    if (conditioned.length) claims.push(labelsFollowedClaim(conditioned));
    const labelPairs = [['captcha-dcgan', 'captcha-dcgan-label'], ['captcha-wdcgan', 'captcha-wdcgan-label'], ['captcha-wdcgan-update', 'captcha-wdcgan-label-update']]
      .filter(([a, b]) => get(a!) && get(b!))
      .map(([a, b]) => fasterToQuality('', '', get(a!)!, get(b!)!, censor));
    if (labelPairs.length) {
      claims.push(allFaster('Label conditioning shortens the time to quality', '4.4: 780/187 s, 580/137 s, 280/78 s for the three label-conditioned nets', labelPairs));
    }
    const orderPairs = [['captcha-dcgan-label', 'captcha-wdcgan-label'], ['captcha-wdcgan-label', 'captcha-wdcgan-label-update']]
      .filter(([a, b]) => get(a!) && get(b!))
      .map(([a, b]) => fasterToQuality('', '', get(a!)!, get(b!)!, censor));
    if (orderPairs.length) {
      claims.push(allFaster('Among the label-conditioned nets, WDCGAN_label beats DCGAN_label and WDCGAN_label_update beats WDCGAN_label',
        '4.4: similar quality at 780 iterations / 187 s, 580 / 137 s, 280 / 78 s: "the latter are better than the former"', orderPairs));
    }
    // 6.2: the GP run "is at a disadvantage in time" against 4.4's: WDCGAN_update reaches the GP run's quality sooner.
    pair('captcha-wdcgan-gp', 'captcha-wdcgan-update', 'WDCGAN_update reaches the quality of the same net with a gradient penalty sooner', '6.2: DCGAN with GP, iteration 860 at 237 s, "at a disadvantage in time" against 4.4');
    if (get('captcha-fc-wgan') && get('captcha-fc-wgan-gp')) claims.push(gpClaim(get('captcha-fc-wgan')!, get('captcha-fc-wgan-gp')!, censor));
    return claims;
  });
}

/** Judges finished face runs and writes the report. */
export function judgeCelebaRuns(home: string, outDir: string, runIds: string[]): ClaimResult[] {
  return judge(home, outDir, runIds, FACE_KEYS, FACE_LABELS, (get, censor) => {
    const claims: ClaimResult[] = [];
    const faces = { metric: 'SWD', faces: true };
    if (get('celeba-dcgan') && get('celeba-wdcgan')) {
      claims.push(fasterToQuality("WDCGAN reaches DCGAN's quality in fewer seconds", '5.3: iteration 5,300 at 847 s ≈ DCGAN at 1,240 s', get('celeba-dcgan')!, get('celeba-wdcgan')!, censor, faces));
    }
    if (get('celeba-wdcgan') && get('celeba-wdcgan-update')) {
      claims.push(fasterToQuality('WDCGAN_update is faster still', '5.4: iteration 3,300 at 687 s', get('celeba-wdcgan')!, get('celeba-wdcgan-update')!, censor, faces));
    }
    if (get('celeba-dcgan') && get('celeba-fc-wgan')) claims.push(averageFaceClaim(get('celeba-dcgan')!, get('celeba-fc-wgan')!));
    const variants = ['celeba-fc-wgan-conv', 'celeba-fc-wgan-deconv'].map(get).filter((e): e is Experiment => Boolean(e));
    if (get('celeba-fc-wgan') && variants.length) claims.push(moreDiverseClaim(get('celeba-fc-wgan')!, variants));
    return claims;
  });
}

interface Figure {
  file: string;
  title: string;
  axis: string;
  key: 'frechet' | 'legibility' | 'entropy' | 'conditional';
}

interface ReportLabels {
  title: string;
  how: string;
  figures: Figure[];
  /** Table columns: heading and series, in order. */
  columns: [heading: string, key: Figure['key']][];
}

const CAPTCHA_LABELS: ReportLabels = {
  title: 'captchas',
  how: 'on 256 fixed-noise samples by the reference recogniser (Fréchet distance of its 500-d features against real tiles, legibility, class entropy, and for label-conditioned nets the share read as the class asked for)',
  figures: [
    { file: 'frechet.svg', title: 'Fréchet distance of recogniser features (lower is better)', axis: 'Fréchet distance', key: 'frechet' },
    { file: 'legibility.svg', title: 'Legibility: share of characters read with p ≥ 0.9', axis: 'legibility', key: 'legibility' },
    { file: 'conditional-accuracy.svg', title: 'Conditional accuracy: share read as the class asked for (chance 1/32)', axis: 'conditional accuracy', key: 'conditional' },
  ],
  columns: [['final Fréchet', 'frechet'], ['final legibility', 'legibility'], ['final class entropy', 'entropy'], ['final conditional accuracy', 'conditional']],
};

const FACE_LABELS: ReportLabels = {
  title: 'faces (64²)',
  how: 'on 64 fixed-noise samples: sliced Wasserstein distance of Laplacian-pyramid patches against 64 real faces, and the mean pairwise MS-SSIM of the samples',
  figures: [
    { file: 'swd.svg', title: 'Sliced Wasserstein distance ×10³ (lower is better)', axis: 'SWD', key: 'frechet' },
    { file: 'ms-ssim.svg', title: 'Mean pairwise MS-SSIM of samples (lower is more diverse)', axis: 'MS-SSIM', key: 'entropy' },
  ],
  columns: [['final SWD', 'frechet'], ['final MS-SSIM', 'entropy']],
};

/** The median curve of several seeds' series, aligned by evaluation (they share a cadence): x and y medians. */
export function medianCurve(series: SeriesPoint[][]): { x: number; y: number }[] {
  const n = Math.min(...series.map((s) => s.length));
  if (!Number.isFinite(n)) return [];
  return Array.from({ length: n }, (_, i) => ({ x: median(series.map((s) => s[i]!.seconds)), y: median(series.map((s) => s[i]!.value)) }));
}

function figureLines(experiments: Experiment[], key: Figure['key'], real: number | undefined): Line[] {
  const shown = experiments.filter((e) => e.seeds.some((s) => s[key].length));
  const lines: Line[] = shown.flatMap((e, colour) => [
    ...e.seeds.map((s) => ({ name: `${e.preset} seed ${s.seed}`, points: s[key].map((p) => ({ x: p.seconds, y: p.value })), colour, width: 1, opacity: 0.35, legend: false })),
    { name: e.preset.replace(/^(captcha|celeba)-/, ''), points: medianCurve(e.seeds.map((s) => s[key])), colour, width: 2.5 },
  ]);
  const xMax = Math.max(0, ...lines.flatMap((l) => l.points.map((p) => p.x)));
  if (real !== undefined && lines.length) lines.push({ name: 'real data', points: [{ x: 0, y: real }, { x: xMax, y: real }], dashed: true, width: 1.5 });
  if (key === 'conditional' && lines.length) lines.push({ name: 'chance', points: [{ x: 0, y: CHANCE }, { x: xMax, y: CHANCE }], dashed: true, width: 1, colour: 7 });
  return lines;
}

/**
 * The report's note on its clock: each preset's seconds per iteration, and the runs that
 * were slower than their preset's fastest (another machine, or other work beside them).
 */
function clockSection(clocks: RunClock[]): string[] {
  const presets = [...new Map(clocks.map((c) => [c.preset, c.secondsPerIteration]))];
  const slow = clocks.filter((c) => c.ownSecondsPerIteration > SLOW_RUN * c.secondsPerIteration);
  return [
    '## Clock',
    '',
    'Seconds in this report are each run\'s iterations × the fastest seconds per iteration any run of its preset ' +
      'achieved (training does not depend on the machine; only its seconds do), so runs trained in other sittings, ' +
      'on slower machines or beside other work, are on one clock: a slower run keeps all its iterations and ends earlier. ' +
      'Seconds per iteration: ' + presets.map(([p, s]) => `${p} ${s.toPrecision(3)}`).join(', ') + '.',
    '',
    slow.length
      ? `Runs slower than their preset's fastest by more than ${Math.round((SLOW_RUN - 1) * 100)} % (their own seconds per iteration, ` +
        'and where they end on the common clock): ' +
        slow.map((c) => `${c.run} (${c.preset} seed ${c.seed}: ${c.ownSecondsPerIteration.toPrecision(3)}, ×${(c.ownSecondsPerIteration / c.secondsPerIteration).toFixed(2)}; ` +
          `${c.iterations} iterations, ${(c.iterations * c.secondsPerIteration).toFixed(0)} s)`).join('; ') + '.'
      : `Every run was within ${Math.round((SLOW_RUN - 1) * 100)} % of its preset's fastest.`,
    '',
  ];
}

function writeReport(
  out: string, budget: string, experiments: Experiment[], claims: ClaimResult[], l: ReportLabels, real: Partial<Record<Figure['key'], number>>, clocks: RunClock[],
): void {
  const figures = l.figures.filter((f) => experiments.some((e) => e.seeds.some((s) => s[f.key].length)));
  for (const f of figures) writeFileSync(join(out, f.file), lineChartSvg(f.title, 'training seconds', f.axis, figureLines(experiments, f.key, real[f.key])));
  const columns = l.columns.filter(([, key]) => experiments.some((e) => e.seeds.some((s) => s[key].length)));
  const seeds = [...new Set(experiments.map((e) => e.seeds.length))].join(' or ');
  const realRow = columns.map(([, key]) => (real[key] === undefined ? '—' : real[key]!.toPrecision(4)));
  const md = [
    `# Reproduction report: ${l.title}`,
    '',
    `Each experiment trained ${seeds} time(s), seeds 0 upward, for ${budget}, measured ${l.how}. ` +
      'Every figure below is the median over seeds with its 90 % bootstrap interval; a verdict is "confirmed" or "refuted" only when that interval says so. ' +
      'Seconds are read on one clock for every run (see "Clock").',
    '',
    '## Verdicts',
    '',
    '| claim | thesis | verdict | evidence |',
    '| --- | --- | --- | --- |',
    ...claims.map((c) => `| ${c.claim} | ${c.thesis} | **${c.verdict}** | ${c.evidence} |`),
    '',
    '## Final measurements (median [90 % interval] over seeds)',
    '',
    `| experiment | seeds | iterations | ${columns.map(([h]) => h).join(' | ')} |`,
    `| --- | ---: | ---: | ${columns.map(() => '---:').join(' | ')} |`,
    ...experiments.map((e) => `| ${e.preset} | ${e.seeds.length} | ${median(e.seeds.map((s) => s.frechet.at(-1)?.step ?? 0)).toFixed(0)} | ` +
      `${columns.map(([, key]) => (e.seeds.some((s) => s[key].length) ? formatInterval(finalInterval(e, key)) : '—')).join(' | ')} |`),
    `| *real data (held-apart sample)* | | | ${realRow.join(' | ')} |`,
    '',
    ...clockSection(clocks),
    ...figures.flatMap((f) => [`![${f.axis}](${f.file})`, '']),
    'Thin lines: single seeds; bold: their median; dashed: real data on the same metric.',
    '',
    'Final sample grids: ' + experiments.flatMap((e) => e.seeds.map((s) => `[${e.preset} seed ${s.seed}](${e.preset}-seed${s.seed}-final.png)`)).join(', '),
    '',
    'Runs: ' + experiments.flatMap((e) => e.seeds.map((s) => s.run)).join(', ') + '. All metric points: [metrics.csv](metrics.csv).',
    '',
  ];
  writeFileSync(join(out, 'report.md'), md.join('\n'));
}
