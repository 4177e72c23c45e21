/**
 * What this machine offers each rung of the backend ladder, and what `auto` would
 * pick for a new run: for the app's system view. It loads Dawn and TensorFlow.js's
 * backends, so it runs in a child process (runner/probe-worker.ts), never in the
 * Electron main process.
 */
import type { BackendsInfo, BackendRung, GpuAdapterInfo } from '../domain/backends.ts';
import { initBackend, LADDER, ladderFor, type BackendName } from './backend.ts';
import { describeAdapter, listWebgpuAdapters, NO_ADAPTER } from './webgpu.ts';

export async function probeBackends(): Promise<BackendsInfo> {
  let adapters: GpuAdapterInfo[] = [];
  let webgpuReason = '';
  try {
    adapters = await listWebgpuAdapters();
    if (adapters.length === 0) webgpuReason = NO_ADAPTER;
  } catch (err) {
    webgpuReason = err instanceof Error ? err.message.split('\n')[0]! : String(err);
  }
  // Each rung on its own: the ladder's warning for a rung that fails is its reason.
  const rungs: BackendRung[] = [];
  for (const name of LADDER) {
    if (name === 'webgpu') {
      const hardware = adapters.find((a) => !a.software);
      rungs.push(hardware
        ? { name, available: true, detail: describeAdapter(hardware) }
        : { name, available: false, detail: webgpuReason || `only a software adapter (${describeAdapter(adapters[0]!)}), slower than wasm` });
      continue;
    }
    const info = await initBackend(name, 'sync');
    rungs.push(info.name === name
      ? { name, available: true, detail: `${info.version} (${info.detail})` }
      : { name, available: false, detail: /\((.*)\)/.exec(info.warnings[0] ?? '')?.[1] ?? 'unavailable' });
  }
  const pick = (use: 'training' | 'sync'): BackendName => ladderFor('auto', use).find((n) => rungs.find((r) => r.name === n)?.available)!;
  return { rungs, adapters, auto: { runs: pick('training'), tools: pick('sync') }, probedAt: new Date().toISOString() };
}
