import { execFile } from 'node:child_process';
import type { BackendsInfo } from '../domain/backends.ts';
import { childEnv, entryCommand } from './spawn.ts';

/** Starting Dawn and wasm's threads takes a few seconds; a driver that hangs must not hang the app. */
const PROBE_TIMEOUT_MS = 60_000;

/** Probes the backend ladder in a child process (Dawn never loads in the caller). */
export function probeBackendsInChild(): Promise<BackendsInfo> {
  return new Promise((resolve, reject) => {
    const { file, execArgv } = entryCommand('probe');
    execFile(process.execPath, [...execArgv, file], { timeout: PROBE_TIMEOUT_MS, maxBuffer: 1 << 20, env: childEnv() }, (err, stdout, stderr) => {
      const line = stdout.trim().split('\n').at(-1) ?? '';
      if (err || !line.startsWith('{')) {
        reject(new Error(`the backend probe failed: ${err?.killed ? 'it timed out' : (stderr.trim().split('\n').at(-1) ?? err?.message ?? 'no answer')}`));
        return;
      }
      resolve(JSON.parse(line) as BackendsInfo);
    });
  });
}
