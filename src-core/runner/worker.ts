/**
 * Entry point of a runner process: one training job, driven by the parent over
 * IPC. It reports every event to the parent, stops cleanly (checkpointing) on a
 * 'stop' message or SIGTERM/SIGINT, and exits 0 on success, 2 on a user error.
 */
import { UserError } from '../domain/errors.ts';
import { openStore } from '../store/index.ts';
import { getRun } from '../store/runs.ts';
import type { RunEvent, RunnerCommand } from './events.ts';
import { runJob } from './run-job.ts';
import type { RunnerRequest } from './spawn.ts';

let stopRequested = false;
const requestStop = () => {
  stopRequested = true;
};
process.on('SIGTERM', requestStop);
process.on('SIGINT', requestStop);
process.on('message', (m: RunnerCommand) => {
  if (m.type === 'stop') requestStop();
});

function send(event: RunEvent): void {
  if (process.send) process.send(event);
  else process.stdout.write(`${JSON.stringify(event)}\n`);
}

const request = JSON.parse(process.env.GAN_WORKBENCH_RUNNER_REQUEST ?? 'null') as RunnerRequest | null;
if (!request) {
  console.error('runner: no request (GAN_WORKBENCH_RUNNER_REQUEST) given');
  process.exit(2);
}

const db = openStore(request.home);
try {
  await runJob({
    home: request.home, db, run: getRun(db, request.run), resume: request.resume, steps: request.steps, seconds: request.seconds,
    backend: request.backend, shouldStop: () => stopRequested, emit: send,
  });
  process.exitCode = 0;
} catch (err) {
  const userError = err instanceof UserError;
  send({ type: 'error', message: err instanceof Error ? err.message : String(err), userError });
  process.exitCode = userError ? 2 : 1;
} finally {
  db.close();
  process.disconnect?.();
}
