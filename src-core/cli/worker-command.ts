import { BACKEND_CHOICES, type BackendChoice } from '../domain/runs.ts';
import { startFleetWorker } from '../fleet/worker.ts';
import { resolveHome } from '../util/home.ts';
import { UsageError, intFlag, numberFlag, stringFlag, type ParsedArgs } from './args.ts';
import type { Io } from './commands.ts';

/**
 * `worker`: trains the fleet's runs on this machine until stopped (Ctrl-C, SIGTERM,
 * SIGHUP: running runs checkpoint, upload and go back to the queue for another worker).
 */
export async function workerCommand(args: ParsedArgs, io: Io): Promise<number> {
  const queue = stringFlag(args, 'queue');
  const coordinator = stringFlag(args, 'host');
  const token = stringFlag(args, 'token') ?? process.env.GAN_WORKBENCH_TOKEN;
  if (!queue || !coordinator || !token) throw new UsageError('worker needs --queue redis://HOST:PORT, --host URL (the coordinator `serve --queue` printed) and --token T');
  const backend = stringFlag(args, 'backend');
  if (backend && !(BACKEND_CHOICES as readonly string[]).includes(backend)) throw new UsageError(`--backend: "${backend}" is not one of ${BACKEND_CHOICES.join(', ')}`);
  const lock = numberFlag(args, 'lock-seconds', 1);
  const log = (line: string) => io.err.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
  const worker = await startFleetWorker({
    queue, coordinator, token, home: resolveHome(stringFlag(args, 'home')), name: stringFlag(args, 'name'),
    concurrency: intFlag(args, 'concurrency', 1), backend: backend as BackendChoice | undefined, lockMs: lock === undefined ? undefined : lock * 1000, log,
  });
  log(`worker ${worker.name} taking runs from ${queue.replace(/\/\/[^@]*@/, '//***@')} for ${coordinator}`);
  await new Promise<void>((resolve) => {
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, () => resolve());
  });
  log('stopping: running runs checkpoint and go back to the queue…');
  await worker.close();
  return 0;
}
