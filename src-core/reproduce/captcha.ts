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
import { collapseClaim, fasterToQuality, gpClaim, type ClaimResult, type Experiment } from './claims.ts';
import { lineChartSvg } from './svg-plot.ts';

/** SPEC §3–§7 and §9: the captcha experiments a reproduction trains, in this order. */
export const CAPTCHA_EXPERIMENTS = [
  'captcha-dcgan', 'captcha-wdcgan', 'captcha-wdcgan-update', 'captcha-fc-gan', 'captcha-fc-wgan',
  'captcha-dcgan-label', 'captcha-wdcgan-label', 'captcha-wdcgan-label-update', 'captcha-wdcgan-gp', 'captcha-fc-wgan-gp',
] as const;

export interface ReproduceOptions {
  home: string;
  out: string;
  budgetSeconds: number;
  experiments?: readonly string[];
  log: (line: string) => void;
}

/**
 * Trains each captcha experiment for the same wall-time budget (training time only;
 * evaluations pause the clock), measuring quality with the reference recogniser
 * every budget/12 seconds, then judges each thesis claim from the measurements and
 * writes report.md, metrics.csv, figures and final sample grids to `out`.
 */
export async function reproduceCaptcha(o: ReproduceOptions): Promise<ClaimResult[]> {
  const runIds: string[] = [];
  for (const preset of o.experiments ?? CAPTCHA_EXPERIMENTS) {
    const db = openStore(o.home);
    const config = resolveConfig(preset, {
      steps: '10000000', seconds: String(o.budgetSeconds), evalEverySeconds: String(Math.max(1, o.budgetSeconds / 12)),
      evalCount: '256', sampleEvery: '50', checkpointEvery: '100000',
    });
    const run = createRun(db, o.home, config, 'auto');
    db.close();
    o.log(`${preset}: training for ${o.budgetSeconds} s (run ${run.id})`);
    let failure = '';
    const runner = startRunner({ home: o.home, run: run.id, resume: false }, (e: RunEvent) => {
      if (e.type === 'eval') o.log(`  ${preset} ${e.seconds.toFixed(0)} s step ${e.step}: Fréchet ${e.metrics.frechet?.toFixed(1)}, legibility ${e.metrics.legibility?.toFixed(3)}`);
      if (e.type === 'error') failure = e.message;
    });
    if ((await runner.exited) !== 0) throw new Error(`${preset} failed: ${failure}`);
    runIds.push(run.id);
  }
  return judgeCaptchaRuns(o.home, o.out, runIds, o.budgetSeconds);
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
    writeReport(out, budgetSeconds, experiments, claims);
    writeFileSync(join(out, 'metrics.csv'), [...metricsCsv(db, runIds.map((id) => getRun(db, id)))].join(''));
    return claims;
  } finally {
    db.close();
  }
}

function writeReport(out: string, budget: number, experiments: Experiment[], claims: ClaimResult[]): void {
  const lines = (key: 'frechet' | 'legibility') => experiments.map((e) => ({ name: e.preset.replace('captcha-', ''), points: e[key].map((p) => ({ x: p.seconds, y: p.value })) }));
  writeFileSync(join(out, 'frechet.svg'), lineChartSvg('Fréchet distance of recogniser features (lower is better)', 'training seconds', 'Fréchet distance', lines('frechet')));
  writeFileSync(join(out, 'legibility.svg'), lineChartSvg('Legibility: share of characters read with p ≥ 0.9', 'training seconds', 'legibility', lines('legibility')));
  const final = (s: { value: number }[]) => (s.length ? s.at(-1)!.value.toPrecision(4) : '—');
  const md = [
    '# Reproduction report: captchas',
    '',
    `Each experiment trained for ${budget} s of training time (evaluations excluded) on this machine, measured every ${(budget / 12).toFixed(0)} s on 256 fixed-noise samples by the reference recogniser (Fréchet distance of its 500-d features against real tiles, legibility, class entropy).`,
    '',
    '## Verdicts',
    '',
    '| claim | thesis | verdict | evidence |',
    '| --- | --- | --- | --- |',
    ...claims.map((c) => `| ${c.claim} | ${c.thesis} | **${c.verdict}** | ${c.evidence} |`),
    '',
    '## Final measurements',
    '',
    '| experiment | run | evaluations | final Fréchet | final legibility | final class entropy |',
    '| --- | --- | ---: | ---: | ---: | ---: |',
    ...experiments.map((e) => `| ${e.preset} | ${e.run} | ${e.frechet.length} | ${final(e.frechet)} | ${final(e.legibility)} | ${final(e.entropy)} |`),
    '',
    '![Fréchet distance](frechet.svg)',
    '',
    '![Legibility](legibility.svg)',
    '',
    'Final sample grids: ' + experiments.map((e) => `[${e.preset}](${e.preset}-final.png)`).join(', '),
    '',
    'All metric points: [metrics.csv](metrics.csv).',
    '',
  ];
  writeFileSync(join(out, 'report.md'), md.join('\n'));
}
