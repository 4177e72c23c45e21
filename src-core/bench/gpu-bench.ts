/**
 * `npm run bench -- gpu`: the whole GPU measurement of issue #14 in one process —
 * the WebGPU adapter Dawn finds (with its features), then `bench train` on webgpu
 * and on wasm on the same machine, and their ratio per case. `scripts/gpu-bench.sh`
 * runs it on a lent GPU machine (beside PyTorch CUDA on the same nets).
 */
import { initBackend, type BackendChoice } from '../engine/backend.ts';
import { describeAdapter, findWebgpuAdapter } from '../engine/webgpu.ts';
import { benchTrain, type TrainBenchRow } from './train-bench.ts';

export async function benchGpu(opts: { batch: number; iterations: number; filter: string[] }): Promise<void> {
  try {
    const a = await findWebgpuAdapter();
    console.log(`adapter: ${describeAdapter(a)} · device ${a.device || '?'} · features: ${a.features.join(', ') || 'none'}`);
  } catch (err) {
    console.log(`adapter: none (${err instanceof Error ? err.message : String(err)})`);
  }
  const rows: Partial<Record<BackendChoice, TrainBenchRow[]>> = {};
  for (const choice of ['webgpu', 'wasm'] as const) {
    const backend = await initBackend(choice, 'training');
    for (const w of backend.warnings) console.log(`warning: ${w}`);
    if (backend.name !== choice) {
      console.log(`${choice}: not available, skipped`);
      continue;
    }
    rows[choice] = await benchTrain(backend, opts);
    console.log('');
  }
  if (!rows.webgpu || !rows.wasm) return;
  console.log('ratio (wasm pipelined ÷ webgpu pipelined), same machine, same run:');
  for (const g of rows.webgpu) {
    const w = rows.wasm.find((r) => r.name === g.name);
    if (w) console.log(`${g.name.padEnd(36)} ${(w.pipelinedMs / g.pipelinedMs).toPrecision(2)}×`);
  }
}
