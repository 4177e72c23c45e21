import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { BackendsInfo } from '../api/contract/types.ts';

const WORKER = fileURLToPath(new URL('./probe-worker.ts', import.meta.url));
const TSX = import.meta.resolve('tsx');
/** Starting Dawn and wasm's threads takes a few seconds; a driver that hangs must not hang the app. */
const PROBE_TIMEOUT_MS = 60_000;

/** Probes the backend ladder in a child process (Dawn never loads in the caller). */
export function probeBackendsInChild(): Promise<BackendsInfo> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--import', TSX, WORKER], {
      timeout: PROBE_TIMEOUT_MS, maxBuffer: 1 << 20,
      // Inside Electron, process.execPath is the Electron binary: run it as plain Node.
      env: { ...process.env, ...(process.versions.electron ? { ELECTRON_RUN_AS_NODE: '1' } : {}) },
    }, (err, stdout, stderr) => {
      const line = stdout.trim().split('\n').at(-1) ?? '';
      if (err || !line.startsWith('{')) {
        reject(new Error(`the backend probe failed: ${err?.killed ? 'it timed out' : (stderr.trim().split('\n').at(-1) ?? err?.message ?? 'no answer')}`));
        return;
      }
      resolve(JSON.parse(line) as BackendsInfo);
    });
  });
}
