import { UserError } from '../../../domain/errors.ts';
import type { FleetCoordinator } from '../../../fleet/coordinator.ts';
import type { MetricPoint } from '../../../workbench/history.ts';
import type { ApiHandlers } from '../../contract/methods.ts';
import type { ServiceContext } from './context.ts';

type FleetHandlers = Pick<ApiHandlers, 'fleet.claim' | 'fleet.report' | 'fleet.upload' | 'fleet.download'>;

/** The coordinator's side of the fleet protocol (fleet/coordinator.ts): only on a host started with a queue. */
export function fleetHandlers(ctx: ServiceContext): FleetHandlers {
  const coordinator = (): FleetCoordinator => {
    if (!ctx.fleet) throw new UserError('user-error', 'this host coordinates no fleet: start it with `serve --queue redis://HOST:PORT`');
    return ctx.fleet;
  };
  return {
    'fleet.claim': ({ run, worker }) => coordinator().claim(run, worker),
    'fleet.report': (p) => coordinator().report({ ...p, metrics: p.metrics as MetricPoint[] }),
    'fleet.upload': (p) => coordinator().upload(p),
    'fleet.download': (p) => coordinator().download(p),
  };
}
