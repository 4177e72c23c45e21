/**
 * `sweep create | list | show | cancel`: many runs — presets × a grid × seeds — on
 * this machine (the local executor: trained now, `--concurrency` at a time) or on
 * the fleet of a coordinator (`serve --queue`) through its Redis queue.
 */
import { listRuns } from '../workbench/history.ts';
import { withStore } from '../workbench/home.ts';
import { getSweep, listSweeps } from '../workbench/sweeps.ts';
import { startRunner } from '../workbench/launch.ts';
import { resolveHome } from '../util/home.ts';
import { cancelSweepRuns, createSweep, sweepGroups } from '../workbench/sweeps.ts';
import { enqueueRuns, openQueue, redisAddress } from '../fleet/queue.ts';
import { UsageError, intFlag, listFlag, stringFlag, type ParsedArgs } from './args.ts';
import type { Io } from './commands.ts';

/** `--grid clip.value=0.01,0.05` → { 'clip.value': ['0.01', '0.05'] }. */
export function parseGrid(values: string[]): Record<string, string[]> {
  const grid: Record<string, string[]> = {};
  for (const g of values) {
    const at = g.indexOf('=');
    if (at <= 0 || at === g.length - 1) throw new UsageError(`--grid takes key=value1,value2,…, got "${g}"`);
    grid[g.slice(0, at)] = g.slice(at + 1).split(',');
  }
  return grid;
}

export async function sweepCommand(args: ParsedArgs, io: Io): Promise<number> {
  const [sub, id] = args.positionals;
  const home = resolveHome(stringFlag(args, 'home'));
  const json = args.flags.has('json');
  switch (sub) {
    case 'create': return createCommand(args, io, home);
    case 'list': {
      const sweeps = withStore(home, listSweeps);
      if (json) io.out.write(`${JSON.stringify(sweeps)}\n`);
      else for (const s of sweeps) io.out.write(`${s.id}  ${s.name}  [${s.executor}]  ${Object.entries(s.counts).map(([k, v]) => `${v} ${k}`).join(', ')}\n`);
      return 0;
    }
    case 'show': {
      if (!id) throw new UsageError('sweep show needs a sweep id');
      const metric = stringFlag(args, 'metric') ?? null;
      const { sweep, runs, groups } = withStore(home, (db) => {
        const sweep = getSweep(db, id);
        const runs = listRuns(db, { sweep: sweep.id, sort: 'created', descending: false });
        return { sweep, runs, groups: sweepGroups(db, sweep, runs, metric) };
      });
      if (json) {
        io.out.write(`${JSON.stringify({ ...sweep, runs: runs.map((r) => ({ id: r.id, status: r.status, worker: r.worker })), groups })}\n`);
        return 0;
      }
      io.out.write(`${sweep.id}  ${sweep.name}  [${sweep.executor}]\n`);
      for (const g of groups) {
        const settings = Object.entries(g.settings).map(([k, v]) => `${k}=${v}`).join(' ');
        const stat = g.median === null ? '' : `  ${metric}: median ${g.median.toPrecision(4)} (${g.min!.toPrecision(4)} – ${g.max!.toPrecision(4)}, ${g.values.length} seeds)`;
        io.out.write(`  ${g.preset} ${settings}${stat}\n`);
      }
      for (const r of runs) io.out.write(`    ${r.id}  ${r.status}${r.worker ? ` on ${r.worker}` : ''}  ${r.stepsDone}/${r.targetSteps}\n`);
      return 0;
    }
    case 'cancel': {
      if (!id) throw new UsageError('sweep cancel needs a sweep id');
      const { withdrawn, running } = withStore(home, (db) => cancelSweepRuns(db, id));
      io.out.write(`cancelled ${withdrawn.length} run(s) not started${running.length ? `; ${running.length} running: stop them where they train (the app, or the coordinator's Runs)` : ''}\n`);
      return 0;
    }
    default:
      throw new UsageError('sweep takes create, list, show SWEEP or cancel SWEEP');
  }
}

async function createCommand(args: ParsedArgs, io: Io, home: string): Promise<number> {
  const presets = listFlag(args, 'preset');
  if (presets.length === 0) throw new UsageError('sweep create needs --preset ID (repeat it for several)');
  const executor = stringFlag(args, 'executor') ?? 'local';
  const spec = { presets, grid: parseGrid(listFlag(args, 'grid')), seeds: intFlag(args, 'seeds', 1) ?? 1, overrides: { ...args.sets } };
  const created = withStore(home, (db) => createSweep(db, home, spec, { executor, name: stringFlag(args, 'name') }));
  const ids = created.runs.map((r) => r.id);
  io.err.write(`sweep ${created.sweep.id}: ${ids.length} run(s) [${created.sweep.executor}]\n`);
  if (executor !== 'local') {
    const queue = openQueue(redisAddress(executor));
    try {
      await enqueueRuns(queue, ids);
    } finally {
      await queue.close();
    }
    io.out.write(args.flags.has('json') ? `${JSON.stringify({ sweep: created.sweep.id, runs: ids })}\n`
      : `queued ${ids.length} run(s) on ${created.sweep.executor}; a \`serve --queue\` on this home coordinates them and \`gan-workbench worker\` processes train them\n`);
    return 0;
  }
  return trainLocally(ids, home, intFlag(args, 'concurrency', 1) ?? 1, args, io, created.sweep.id);
}

/** The local executor in the foreground: `concurrency` runner processes at a time; Ctrl-C stops them (they checkpoint). */
async function trainLocally(ids: string[], home: string, concurrency: number, args: ParsedArgs, io: Io, sweep: string): Promise<number> {
  const queue = [...ids];
  const stops = new Set<() => void>();
  let interrupted = false;
  const onSignal = () => {
    interrupted = true;
    for (const s of stops) s();
  };
  process.on('SIGINT', onSignal);
  const outcomes: Record<string, string> = {};
  const lane = async () => {
    while (queue.length && !interrupted) {
      const run = queue.shift()!;
      let status = 'failed';
      const runner = startRunner({ home, run, resume: false }, (e) => {
        if (e.type === 'done') status = e.summary.status;
        if (e.type === 'error') io.err.write(`${run}: error: ${e.message}\n`);
      });
      const stop = () => runner.stop();
      stops.add(stop);
      await runner.exited;
      stops.delete(stop);
      outcomes[run] = status;
      io.err.write(`${run}: ${status} (${Object.keys(outcomes).length}/${ids.length})\n`);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, lane));
  process.off('SIGINT', onSignal);
  const failed = Object.values(outcomes).filter((s) => s === 'failed').length;
  io.out.write(args.flags.has('json') ? `${JSON.stringify({ sweep, runs: outcomes })}\n` : `sweep ${sweep}: ${Object.values(outcomes).filter((s) => s === 'completed').length} of ${ids.length} completed${failed ? `, ${failed} failed` : ''}\n`);
  return failed ? 1 : 0;
}
