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
import { cpus } from 'node:os';

const SUITES = ['train', 'ops', 'store', 'import'] as const;

const [suite, ...rest] = process.argv.slice(2);
if (!suite || !(SUITES as readonly string[]).includes(suite)) {
  console.error(`usage: npm run bench -- <${SUITES.join('|')}> [--backend ${BACKEND_CHOICES.join('|')}] [--batch N] [--iterations N] [filter…]`);
  process.exit(2);
}
const args = parseArgs(rest, ['backend', 'batch', 'iterations']);
if (suite === 'import') {
  console.log(`bench import · ${new Date().toISOString().slice(0, 10)} · ${cpus()[0]?.model.trim()} × ${cpus().length} · node ${process.version}`);
  await benchImport(intFlag(args, 'iterations', 100) ?? 2000);
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
