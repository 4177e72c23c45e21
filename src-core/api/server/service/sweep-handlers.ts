import { UserError } from '../../../domain/errors.ts';
import { listRuns } from '../../../store/runs.ts';
import { getSweep, listSweeps, type SweepRow } from '../../../store/sweeps.ts';
import { finishRun, getRun } from '../../../store/runs.ts';
import { createSweep, sweepGroups } from '../../../workbench/sweeps.ts';
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
      const runs = runsOf(s.id).filter((r) => r.status === 'queued' || r.status === 'running' || r.status === 'interrupted');
      let cancelled = 0;
      let stopping = 0;
      for (const id of ctx.sweeps.withdraw(runs.map((r) => r.id))) {
        finishRun(db, getRun(db, id).pk, 'stopped', 'cancelled with its sweep before it started');
        ctx.emit({ topic: 'runs-changed', run: id, status: 'stopped' });
        cancelled += 1;
      }
      for (const r of runs) {
        if (ctx.runs.stop(r.id)) stopping += 1;
        else if (ctx.fleet && (await ctx.fleet.stop(r.id))) stopping += 1;
      }
      return { cancelled, stopping };
    },
  };
}
