import { UserError } from '../../../domain/errors.ts';
import { listRuns } from '../../../workbench/history.ts';
import { getSweep, listSweeps, type SweepRow, unfinishedSweepRuns } from '../../../workbench/sweeps.ts';
import { cancelSweepRuns, createSweep, sweepGroups } from '../../../workbench/sweeps.ts';
import type { ApiHandlers } from '../../contract/methods.ts';
import type { SweepInfo } from '../../contract/types.ts';
import type { ServiceContext } from './context.ts';
import { runSummary } from './dto.ts';

type SweepHandlers = Pick<ApiHandlers, 'sweeps.create' | 'sweeps.list' | 'sweeps.get' | 'sweeps.cancel'>;

const sweepInfo = ({ pk: _pk, ...s }: SweepRow): SweepInfo => s;

export function sweepHandlers(ctx: ServiceContext): SweepHandlers {
  const { db, home } = ctx;
  const runsOf = (sweep: string) => listRuns(db, { sweep, sort: 'created', descending: false });
  return {
    'sweeps.create': async ({ presets, grid, seeds, overrides, executor, name, backend }) => {
      const queue = executor === 'queue' ? ctx.fleet : null;
      if (executor === 'queue' && !queue) throw new UserError('user-error', 'this host has no queue: start it with `serve --queue redis://HOST:PORT`', 'executor');
      const created = createSweep(db, home, { presets, grid, seeds, overrides }, {
        executor: queue ? queue.address.display : 'local', name, backend, dataRoots: ctx.dataRoots,
      });
      const ids = created.runs.map((r) => r.id);
      if (queue) await queue.enqueue(ids);
      else ctx.sweeps.add(ids);
      for (const id of ids) ctx.emit({ topic: 'runs-changed', run: id, status: 'queued' });
      return sweepInfo(getSweep(db, created.sweep.id));
    },
    'sweeps.list': () => listSweeps(db).map(sweepInfo),
    'sweeps.get': ({ sweep, metric }) => {
      const s = getSweep(db, sweep);
      const runs = runsOf(s.id);
      return { ...sweepInfo(s), runs: runs.map(runSummary), metric: metric ?? null, groups: sweepGroups(db, s, runs, metric ?? null) };
    },
    'sweeps.cancel': async ({ sweep }) => {
      const s = getSweep(db, sweep);
      // Runs still in this host's local queue are withdrawn; the rest (running here, or waiting or running on the fleet) are asked to stop.
      const { withdrawn } = cancelSweepRuns(db, s.id, (ids) => ctx.sweeps.withdraw(ids));
      for (const id of withdrawn) ctx.emit({ topic: 'runs-changed', run: id, status: 'stopped' });
      let stopping = 0;
      for (const id of unfinishedSweepRuns(db, s.pk)) {
        if (ctx.runs.stop(id) || (ctx.fleet && (await ctx.fleet.stop(id)))) stopping += 1;
      }
      return { cancelled: withdrawn.length, stopping };
    },
  };
}
