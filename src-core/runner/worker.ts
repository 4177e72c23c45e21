/**
 * Entry point of a runner process: one training job, driven by the parent over
 * IPC. It reports every event to the parent, stops cleanly (checkpointing) on a
 * 'stop' message, SIGTERM/SIGINT/SIGHUP, or its parent's death (the IPC channel
 * closes), and exits 0 on success, 2 on a user error.
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
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, requestStop);
process.on('message', (m: RunnerCommand) => {
  if (m.type === 'stop') requestStop();
});
// The parent is gone (killed, crashed, quit without stopping us): checkpoint and exit, no orphan.
process.on('disconnect', requestStop);
// With the parent gone, its end of our stderr pipe may be closed too: a failed write must not crash the checkpoint.
process.stderr.on('error', () => {});

function send(event: RunEvent): void {
  if (!process.send) process.stdout.write(`${JSON.stringify(event)}\n`);
  else if (process.connected) process.send(event, undefined, {}, () => {});
}

const request = JSON.parse(process.env.GAN_WORKBENCH_RUNNER_REQUEST ?? 'null') as RunnerRequest | null;
if (!request) {
  console.error('runner: no request (GAN_WORKBENCH_RUNNER_REQUEST) given');
  process.exit(2);
}

const db = openStore(request.home, { backup: false });
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
