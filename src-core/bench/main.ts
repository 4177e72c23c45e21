/**
 * `npm run bench -- <suite> [--backend B] [--batch N] [--iterations N] [filters…]`
 * Prints numbers; it asserts nothing. Suites load on demand (the gpu suite's bundle
 * carries no native modules it does not use). Results go to docs/benchmarks.md by hand,
 * with the machine line each suite prints.
 */
import { BACKEND_CHOICES, initBackend, type BackendChoice } from '../engine/backend.ts';
import { parseArgs, intFlag, stringFlag } from '../cli/args.ts';
import { cpus } from 'node:os';
import { spawnSync } from 'node:child_process';
import { PROJECT_ROOT } from '../util/core-bundle.mjs';

const SUITES = ['train', 'ops', 'store', 'import', 'recognizer', 'labels', 'selection', 'effort', 'metrics', 'fleet', 'gpu', 'threads'] as const;

const [suite, ...rest] = process.argv.slice(2);
if (!suite || !(SUITES as readonly string[]).includes(suite)) {
  console.error(`usage: npm run bench -- <${SUITES.join('|')}> [--backend ${BACKEND_CHOICES.join('|')}] [--batch N] [--iterations N] [filter…]`);
  process.exit(2);
}
if (suite === 'effort') {
  // The label-effort oracle drives the renderer's labelling session (a Svelte rune module, compiled on import):
  // it runs in its own process with the compiling hooks, outside src-core, which stays free of renderer code.
  const child = spawnSync(process.execPath, ['--import', 'tsx', '--import', './test/support/svelte-register.mjs', 'scripts/label-effort.ts', ...rest], { stdio: 'inherit', cwd: PROJECT_ROOT });
  process.exit(child.status ?? 1);
}
const args = parseArgs(rest, ['backend', 'batch', 'iterations', 'folder', 'length', 'alphabet', 'size', 'model', 'seconds', 'seed', 'layer-checks', 'synth', 'set', 'scheme', 'count', 'budgets', 'seeds', 'results']);
if (suite === 'recognizer' && args.positionals.includes('step-time')) {
  const backend = await initBackend((stringFlag(args, 'backend') ?? 'wasm') as BackendChoice, 'training');
  await (await import('./recognizer-step-bench.ts')).benchRecognizerSteps(backend, { batch: intFlag(args, 'batch', 1) ?? 32, rounds: intFlag(args, 'iterations', 1) ?? 5 });
  process.exit(0);
}
if (suite === 'recognizer') {
  console.log(`bench recognizer · ${new Date().toISOString().slice(0, 10)} · ${cpus()[0]?.model.trim()} × ${cpus().length} · node ${process.version}`);
  const folder = stringFlag(args, 'folder');
  const synth = intFlag(args, 'synth', 1);
  const size = /^(\d+)x(\d+)$/.exec(stringFlag(args, 'size') ?? '');
  if (!synth && (!folder || !size)) {
    console.error('usage: npm run bench -- recognizer (--folder DIR --length N --alphabet S --size WxH | --synth COUNT) [--model ctc|lenet] [--seconds S] [--seed K] [--set key=value …]\n' +
      '       npm run bench -- recognizer step-time [--batch B] [--iterations ROUNDS]');
    process.exit(2);
  }
  await (await import('./recognizer-bench.ts')).benchRecognizer({
    captchas: synth ? { synth } : {
      folder: folder!, length: intFlag(args, 'length', 1) ?? 4, alphabet: stringFlag(args, 'alphabet') ?? '23456789ABCDEFGHJKLMNPQRSTUVWXYZ',
      width: Number(size![1]), height: Number(size![2]),
    },
    model: stringFlag(args, 'model') === 'lenet' ? 'lenet' : 'ctc', seconds: Number(stringFlag(args, 'seconds') ?? 600), seed: intFlag(args, 'seed', 0) ?? 0,
    set: args.sets,
  });
  process.exit(0);
}
if (suite === 'labels' || suite === 'selection') {
  console.log(`bench ${suite} · ${new Date().toISOString().slice(0, 10)} · ${cpus()[0]?.model.trim()} × ${cpus().length} · node ${process.version}`);
  const folder = stringFlag(args, 'folder');
  const size = /^(\d+)x(\d+)$/.exec(stringFlag(args, 'size') ?? '');
  if (stringFlag(args, 'scheme') !== 'hard' && (!folder || !size)) {
    const tail = suite === 'labels' ? '[--budgets 25,50,100,200,all] [--seeds 0,1,2] [--seconds S]' : '[--budgets 100] [--seeds 0,1,2]';
    console.error(`usage: npm run bench -- ${suite} (--folder DIR --length N --alphabet S --size WxH | --scheme hard [--count C]) ${tail} [--set key=value …] [--results FILE]`);
    process.exit(2);
  }
  const list = (name: string, fallback: string) => (stringFlag(args, name) ?? fallback).split(',').map((v) => v.trim());
  const captchas = folder ? {
    folder, length: intFlag(args, 'length', 1) ?? 4, alphabet: stringFlag(args, 'alphabet') ?? '23456789ABCDEFGHJKLMNPQRSTUVWXYZ', width: Number(size![1]), height: Number(size![2]),
  } : { scheme: 'hard' as const, count: intFlag(args, 'count', 100) ?? 1000 };
  const seeds = list('seeds', '0,1,2').map(Number);
  if (suite === 'selection') {
    await (await import('./selection-bench.ts')).benchSelection({ captchas, budgets: list('budgets', '100').map(Number), seeds, set: args.sets, results: stringFlag(args, 'results') });
  } else {
    await (await import('./labels-bench.ts')).benchLabelCurve({
      captchas, budgets: list('budgets', '25,50,100,200,all').map((b) => (b === 'all' ? 'all' : Number(b))),
      seeds, seconds: Number(stringFlag(args, 'seconds') ?? 900), set: args.sets, results: stringFlag(args, 'results'),
    });
  }
  process.exit(0);
}
if (suite === 'import') {
  console.log(`bench import · ${new Date().toISOString().slice(0, 10)} · ${cpus()[0]?.model.trim()} × ${cpus().length} · node ${process.version}`);
  await (await import('./import-bench.ts')).benchImport(intFlag(args, 'iterations', 100) ?? 2000);
  process.exit(0);
}
if (suite === 'metrics') {
  console.log(`bench metrics · ${new Date().toISOString().slice(0, 10)} · ${cpus()[0]?.model.trim()} × ${cpus().length} · node ${process.version}`);
  (await import('./metrics-bench.ts')).benchMetrics();
  process.exit(0);
}
if (suite === 'fleet') {
  console.log(`bench fleet · ${new Date().toISOString().slice(0, 10)} · ${cpus()[0]?.model.trim()} × ${cpus().length} · node ${process.version}`);
  await (await import('./fleet-bench.ts')).benchFleet({ runs: intFlag(args, 'iterations', 1) ?? 8, steps: intFlag(args, 'batch', 1) ?? 200 });
  process.exit(0);
}
if (suite === 'threads') {
  console.log(`bench threads · ${new Date().toISOString().slice(0, 10)} · ${cpus()[0]?.model.trim()} × ${cpus().length} · node ${process.version}`);
  await (await import('./threads-bench.ts')).benchThreads({ batch: intFlag(args, 'batch', 1) ?? 64, iterations: intFlag(args, 'iterations', 1) ?? 20, filter: args.positionals[0] ?? 'captcha-dcgan' });
  process.exit(0);
}
if (suite === 'store') {
  console.log(`bench store · ${new Date().toISOString().slice(0, 10)} · ${cpus()[0]?.model.trim()} × ${cpus().length} · node ${process.version}`);
  (await import('./store-bench.ts')).benchStore();
  process.exit(0);
}
if (suite === 'gpu') {
  console.log(`bench gpu · ${new Date().toISOString().slice(0, 10)} · ${cpus()[0]?.model.trim()} × ${cpus().length} · node ${process.version}`);
  const layerChecks = stringFlag(args, 'layer-checks') ?? 'all';
  if (!['none', 'small', 'all'].includes(layerChecks)) {
    console.error('--layer-checks takes none, small (no 128² face layers) or all');
    process.exit(2);
  }
  await (await import('./gpu-bench.ts')).benchGpu({
    batch: intFlag(args, 'batch', 1) ?? 64, iterations: intFlag(args, 'iterations', 1) ?? 20, filter: args.positionals,
    layerChecks: layerChecks as 'none' | 'small' | 'all',
  });
  process.exit(0);
}
// Every suite below trains or times GAN iterations, which read back only asynchronously.
const backend = await initBackend((stringFlag(args, 'backend') ?? 'auto') as BackendChoice, 'training');
for (const w of backend.warnings) console.error(`warning: ${w}`);
if (suite === 'ops') {
  await (await import('./ops-bench.ts')).benchOps(backend, { batch: intFlag(args, 'batch', 1) ?? 64, iterations: intFlag(args, 'iterations', 1) ?? 10, filter: args.positionals });
}
if (suite === 'train') {
  await (await import('./train-bench.ts')).benchTrain(backend, { batch: intFlag(args, 'batch', 1) ?? 64, iterations: intFlag(args, 'iterations', 1) ?? 10, filter: args.positionals });
}
