/**
 * `npm run bench -- <suite> [--backend B] [--batch N] [--iterations N] [filters…]`
 * Prints numbers; it asserts nothing. Results go to docs/benchmarks.md by hand,
 * with the machine line each suite prints.
 */
import { BACKEND_CHOICES, initBackend, type BackendChoice } from '../engine/backend.ts';
import { parseArgs, intFlag, stringFlag } from '../cli/args.ts';
import { benchTrain } from './train-bench.ts';
import { benchStore } from './store-bench.ts';
import { benchImport } from './import-bench.ts';
import { benchOps } from './ops-bench.ts';
import { benchRecognizer } from './recognizer-bench.ts';
import { benchMetrics } from './metrics-bench.ts';
import { benchFleet } from './fleet-bench.ts';
import { cpus } from 'node:os';

const SUITES = ['train', 'ops', 'store', 'import', 'recognizer', 'metrics', 'fleet'] as const;

const [suite, ...rest] = process.argv.slice(2);
if (!suite || !(SUITES as readonly string[]).includes(suite)) {
  console.error(`usage: npm run bench -- <${SUITES.join('|')}> [--backend ${BACKEND_CHOICES.join('|')}] [--batch N] [--iterations N] [filter…]`);
  process.exit(2);
}
const args = parseArgs(rest, ['backend', 'batch', 'iterations', 'folder', 'length', 'alphabet', 'size', 'model', 'seconds', 'seed']);
if (suite === 'recognizer') {
  console.log(`bench recognizer · ${new Date().toISOString().slice(0, 10)} · ${cpus()[0]?.model.trim()} × ${cpus().length} · node ${process.version}`);
  const folder = stringFlag(args, 'folder');
  const size = /^(\d+)x(\d+)$/.exec(stringFlag(args, 'size') ?? '');
  if (!folder || !size) {
    console.error('usage: npm run bench -- recognizer --folder DIR --length N --alphabet S --size WxH [--model ctc|lenet] [--seconds S] [--seed K]');
    process.exit(2);
  }
  await benchRecognizer({
    folder, length: intFlag(args, 'length', 1) ?? 4, alphabet: stringFlag(args, 'alphabet') ?? '23456789ABCDEFGHJKLMNPQRSTUVWXYZ',
    width: Number(size[1]), height: Number(size[2]), model: stringFlag(args, 'model') === 'lenet' ? 'lenet' : 'ctc',
    seconds: Number(stringFlag(args, 'seconds') ?? 600), seed: intFlag(args, 'seed', 0) ?? 0,
  });
  process.exit(0);
}
if (suite === 'import') {
  console.log(`bench import · ${new Date().toISOString().slice(0, 10)} · ${cpus()[0]?.model.trim()} × ${cpus().length} · node ${process.version}`);
  await benchImport(intFlag(args, 'iterations', 100) ?? 2000);
  process.exit(0);
}
if (suite === 'metrics') {
  console.log(`bench metrics · ${new Date().toISOString().slice(0, 10)} · ${cpus()[0]?.model.trim()} × ${cpus().length} · node ${process.version}`);
  benchMetrics();
  process.exit(0);
}
if (suite === 'fleet') {
  console.log(`bench fleet · ${new Date().toISOString().slice(0, 10)} · ${cpus()[0]?.model.trim()} × ${cpus().length} · node ${process.version}`);
  await benchFleet({ runs: intFlag(args, 'iterations', 1) ?? 8, steps: intFlag(args, 'batch', 1) ?? 200 });
  process.exit(0);
}
if (suite === 'store') {
  console.log(`bench store · ${new Date().toISOString().slice(0, 10)} · ${cpus()[0]?.model.trim()} × ${cpus().length} · node ${process.version}`);
  benchStore();
  process.exit(0);
}
const backend = await initBackend((stringFlag(args, 'backend') ?? 'auto') as BackendChoice);
for (const w of backend.warnings) console.error(`warning: ${w}`);
if (suite === 'ops') {
  await benchOps(backend, { batch: intFlag(args, 'batch', 1) ?? 64, iterations: intFlag(args, 'iterations', 1) ?? 10, filter: args.positionals });
}
if (suite === 'train') {
  await benchTrain(backend, { batch: intFlag(args, 'batch', 1) ?? 64, iterations: intFlag(args, 'iterations', 1) ?? 10, filter: args.positionals });
}
