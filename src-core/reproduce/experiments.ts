import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { resolveConfig } from '../presets/resolve.ts';
import type { RunEvent } from '../runner/events.ts';
import { createRun } from '../runner/run-folder.ts';
import { startRunner } from '../runner/spawn.ts';
import { openStore } from '../store/index.ts';
import { rawSeries, metricsCsv } from '../store/metrics.ts';
import { listSamples } from '../store/samples.ts';
import { getRun } from '../store/runs.ts';
import { averageFaceClaim, collapseClaim, fasterToQuality, gpClaim, moreDiverseClaim, type ClaimResult, type Experiment } from './claims.ts';
import { lineChartSvg } from './svg-plot.ts';

/** SPEC §3–§7 and §9: the captcha experiments a reproduction trains, in this order. */
export const CAPTCHA_EXPERIMENTS = [
  'captcha-dcgan', 'captcha-wdcgan', 'captcha-wdcgan-update', 'captcha-fc-gan', 'captcha-fc-wgan',
  'captcha-dcgan-label', 'captcha-wdcgan-label', 'captcha-wdcgan-label-update', 'captcha-wdcgan-gp', 'captcha-fc-wgan-gp',
] as const;

/** SPEC §8 at 64²: the face experiments `reproduce celeba` trains. */
export const CELEBA_EXPERIMENTS = [
  'celeba-dcgan', 'celeba-wdcgan', 'celeba-wdcgan-update', 'celeba-fc-wgan', 'celeba-fc-wgan-conv', 'celeba-fc-wgan-deconv',
] as const;

export interface ReproduceOptions {
  home: string;
  out: string;
  budgetSeconds: number;
  experiments?: readonly string[];
  /** Faces: the imported dataset to train on (64²). */
  dataset?: number;
  log: (line: string) => void;
}

/**
 * Trains each captcha experiment for the same wall-time budget (training time only;
 * evaluations pause the clock), measuring quality with the reference recogniser
 * every budget/12 seconds, then judges each thesis claim from the measurements and
 * writes report.md, metrics.csv, figures and final sample grids to `out`.
 */
export async function reproduceCaptcha(o: ReproduceOptions): Promise<ClaimResult[]> {
  return judgeCaptchaRuns(o.home, o.out, await trainExperiments(o, o.experiments ?? CAPTCHA_EXPERIMENTS, {}), o.budgetSeconds);
}

/** The same for faces at 64² on an imported dataset: SWD for quality, MS-SSIM for diversity. */
export async function reproduceCeleba(o: ReproduceOptions): Promise<ClaimResult[]> {
  if (o.dataset === undefined) throw new Error('reproduce celeba needs --data ID (an imported CelebA dataset at 64²)');
  const data = { data: JSON.stringify({ source: 'dataset', id: o.dataset }), imageSize: '64', evalCount: '64' };
  return judgeCelebaRuns(o.home, o.out, await trainExperiments(o, o.experiments ?? CELEBA_EXPERIMENTS, data), o.budgetSeconds);
}

/** Trains each preset for the budget in its own runner process; returns the run ids in order. */
async function trainExperiments(o: ReproduceOptions, presets: readonly string[], extra: Record<string, string>): Promise<string[]> {
  const runIds: string[] = [];
  for (const preset of presets) {
    const db = openStore(o.home);
    const config = resolveConfig(preset, {
      steps: '10000000', seconds: String(o.budgetSeconds), evalEverySeconds: String(Math.max(1, o.budgetSeconds / 12)),
      evalCount: '256', sampleEvery: '50', checkpointEvery: '100000', ...extra,
    });
    const run = createRun(db, o.home, config, 'auto');
    db.close();
    o.log(`${preset}: training for ${o.budgetSeconds} s (run ${run.id})`);
    let failure = '';
    const runner = startRunner({ home: o.home, run: run.id, resume: false }, (e: RunEvent) => {
      if (e.type === 'eval') o.log(`  ${preset} ${e.seconds.toFixed(0)} s step ${e.step}: ${Object.entries(e.metrics).map(([k, v]) => `${k} ${v.toPrecision(4)}`).join(', ')}`);
      if (e.type === 'error') failure = e.message;
    });
    if ((await runner.exited) !== 0) throw new Error(`${preset} failed: ${failure}`);
    runIds.push(run.id);
  }
  return runIds;
}

/** Judges finished face runs and writes the report. */
export function judgeCelebaRuns(home: string, outDir: string, runIds: string[], budgetSeconds: number): ClaimResult[] {
  const out = resolve(outDir);
  mkdirSync(out, { recursive: true });
  const db = openStore(home);
  try {
    // In face reports `frechet` holds the SWD (quality, lower is better), `entropy` the MS-SSIM.
    const experiments: Experiment[] = runIds.map((id) => {
      const run = getRun(db, id);
      const swd = rawSeries(db, run.pk, 'swd');
      const grids = listSamples(db, run.pk);
      if (grids.length) copyFileSync(grids.at(-1)!.path, join(out, `${run.preset}-final.png`));
      return { preset: run.preset, run: run.id, frechet: swd, legibility: swd.map((p) => ({ ...p, value: 1 })), entropy: rawSeries(db, run.pk, 'ms_ssim') };
    });
    const get = (p: string) => experiments.find((e) => e.preset === p);
    const claims: ClaimResult[] = [];
    if (get('celeba-dcgan') && get('celeba-wdcgan')) {
      claims.push(fasterToQuality("WDCGAN reaches DCGAN's quality in fewer seconds", '5.3: iteration 5,300 at 847 s ≈ DCGAN at 1,240 s', get('celeba-dcgan')!, get('celeba-wdcgan')!, 'SWD', true));
    }
    if (get('celeba-wdcgan') && get('celeba-wdcgan-update')) {
      claims.push(fasterToQuality('WDCGAN_update is faster still', '5.4: iteration 3,300 at 687 s', get('celeba-wdcgan')!, get('celeba-wdcgan-update')!, 'SWD', true));
    }
    if (get('celeba-dcgan') && get('celeba-fc-wgan')) claims.push(averageFaceClaim(get('celeba-dcgan')!, get('celeba-fc-wgan')!));
    const variants = ['celeba-fc-wgan-conv', 'celeba-fc-wgan-deconv'].map(get).filter((e): e is Experiment => Boolean(e));
    if (get('celeba-fc-wgan') && variants.length) claims.push(moreDiverseClaim(get('celeba-fc-wgan')!, variants));
    writeReport(out, budgetSeconds, experiments, claims, FACE_LABELS);
    writeFileSync(join(out, 'metrics.csv'), [...metricsCsv(db, runIds.map((id) => getRun(db, id)))].join(''));
    return claims;
  } finally {
    db.close();
  }
}

/** Judges finished runs (one per experiment) and writes the report: also usable on runs trained earlier. */
export function judgeCaptchaRuns(home: string, outDir: string, runIds: string[], budgetSeconds: number): ClaimResult[] {
  const out = resolve(outDir);
  mkdirSync(out, { recursive: true });
  const experiments: Experiment[] = [];
  const db = openStore(home);
  try {
    for (const id of runIds) {
      const run = getRun(db, id);
      const series = (key: string) => rawSeries(db, run.pk, key);
      experiments.push({ preset: run.preset, run: run.id, frechet: series('frechet'), legibility: series('legibility'), entropy: series('class_entropy') });
      const grids = listSamples(db, run.pk);
      if (grids.length) copyFileSync(grids.at(-1)!.path, join(out, `${run.preset}-final.png`));
    }
    const byPreset = new Map(experiments.map((e) => [e.preset, e]));
    const get = (p: string) => byPreset.get(p);
    const claims: ClaimResult[] = [];
    const pair = (a: string, b: string, claim: string, thesis: string) => {
      if (get(a) && get(b)) claims.push(fasterToQuality(claim, thesis, get(a)!, get(b)!));
    };
    pair('captcha-dcgan', 'captcha-wdcgan', "WDCGAN reaches DCGAN's quality in fewer seconds", '4.3: WDCGAN at 77 s looks like DCGAN at 184 s');
    pair('captcha-wdcgan', 'captcha-wdcgan-update', 'WDCGAN_update is faster still', "4.4: WDCGAN_update at 83 s matches WDCGAN at 104 s");
    if (get('captcha-fc-gan') && get('captcha-fc-wgan')) claims.push(collapseClaim(get('captcha-fc-gan')!, get('captcha-fc-wgan')!));
    const labelPairs = [['captcha-dcgan', 'captcha-dcgan-label'], ['captcha-wdcgan', 'captcha-wdcgan-label'], ['captcha-wdcgan-update', 'captcha-wdcgan-label-update']]
      .filter(([a, b]) => get(a!) && get(b!))
      .map(([a, b]) => fasterToQuality('', '', get(a!)!, get(b!)!));
    if (labelPairs.length) {
      const confirmed = labelPairs.filter((r) => r.verdict === 'confirmed').length;
      const decided = labelPairs.filter((r) => r.verdict !== 'inconclusive').length;
      claims.push({
        claim: 'Label conditioning shortens the time to quality',
        thesis: '4.4: 780/187 s, 580/137 s, 280/78 s for the three label-conditioned nets',
        verdict: decided === 0 ? 'inconclusive' : confirmed === labelPairs.length ? 'confirmed' : confirmed === 0 ? 'refuted' : 'inconclusive',
        evidence: labelPairs.map((r) => r.evidence).join(' · '),
      });
    }
    if (get('captcha-fc-wgan') && get('captcha-fc-wgan-gp')) claims.push(gpClaim(get('captcha-fc-wgan')!, get('captcha-fc-wgan-gp')!));
    writeReport(out, budgetSeconds, experiments, claims, CAPTCHA_LABELS);
    writeFileSync(join(out, 'metrics.csv'), [...metricsCsv(db, runIds.map((id) => getRun(db, id)))].join(''));
    return claims;
  } finally {
    db.close();
  }
}

interface ReportLabels {
  title: string;
  how: string;
  quality: [file: string, title: string, axis: string];
  second: [file: string, title: string, axis: string, key: 'legibility' | 'entropy'];
  columns: [string, string, string];
}

const CAPTCHA_LABELS: ReportLabels = {
  title: 'captchas',
  how: 'on 256 fixed-noise samples by the reference recogniser (Fréchet distance of its 500-d features against real tiles, legibility, class entropy)',
  quality: ['frechet.svg', 'Fréchet distance of recogniser features (lower is better)', 'Fréchet distance'],
  second: ['legibility.svg', 'Legibility: share of characters read with p ≥ 0.9', 'legibility', 'legibility'],
  columns: ['final Fréchet', 'final legibility', 'final class entropy'],
};

const FACE_LABELS: ReportLabels = {
  title: 'faces (64²)',
  how: 'on 64 fixed-noise samples: sliced Wasserstein distance of Laplacian-pyramid patches against 64 real faces, and the mean pairwise MS-SSIM of the samples',
  quality: ['swd.svg', 'Sliced Wasserstein distance ×10³ (lower is better)', 'SWD'],
  second: ['ms-ssim.svg', 'Mean pairwise MS-SSIM of samples (lower is more diverse)', 'MS-SSIM', 'entropy'],
  columns: ['final SWD', '—', 'final MS-SSIM'],
};

function writeReport(out: string, budget: number, experiments: Experiment[], claims: ClaimResult[], l: ReportLabels): void {
  const lines = (key: 'frechet' | 'legibility' | 'entropy') => experiments.map((e) => ({ name: e.preset.replace(/^(captcha|celeba)-/, ''), points: e[key].map((p) => ({ x: p.seconds, y: p.value })) }));
  writeFileSync(join(out, l.quality[0]), lineChartSvg(l.quality[1], 'training seconds', l.quality[2], lines('frechet')));
  writeFileSync(join(out, l.second[0]), lineChartSvg(l.second[1], 'training seconds', l.second[2], lines(l.second[3])));
  const final = (s: { value: number }[]) => (s.length ? s.at(-1)!.value.toPrecision(4) : '—');
  const md = [
    `# Reproduction report: ${l.title}`,
    '',
    `Each experiment trained for ${budget} s of training time (evaluations excluded) on this machine, measured every ${(budget / 12).toFixed(0)} s ${l.how}.`,
    '',
    '## Verdicts',
    '',
    '| claim | thesis | verdict | evidence |',
    '| --- | --- | --- | --- |',
    ...claims.map((c) => `| ${c.claim} | ${c.thesis} | **${c.verdict}** | ${c.evidence} |`),
    '',
    '## Final measurements',
    '',
    `| experiment | run | evaluations | ${l.columns.join(' | ')} |`,
    '| --- | --- | ---: | ---: | ---: | ---: |',
    ...experiments.map((e) => `| ${e.preset} | ${e.run} | ${e.frechet.length} | ${final(e.frechet)} | ${l.columns[1] === '—' ? '—' : final(e.legibility)} | ${final(e.entropy)} |`),
    '',
    `![${l.quality[2]}](${l.quality[0]})`,
    '',
    `![${l.second[2]}](${l.second[0]})`,
    '',
    'Final sample grids: ' + experiments.map((e) => `[${e.preset}](${e.preset}-final.png)`).join(', '),
    '',
    'All metric points: [metrics.csv](metrics.csv).',
    '',
  ];
  writeFileSync(join(out, 'report.md'), md.join('\n'));
}
