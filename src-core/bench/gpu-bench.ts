/**
 * `npm run bench -- gpu`: the whole GPU measurement of issue #14 in one process —
 * the WebGPU adapter Dawn finds (with its features), every thesis layer shape on that
 * adapter against wasm (whether `auto` may take WebGPU rests on it), and `bench train`
 * on webgpu and on wasm on the same machine, and their ratio per case (timings first).
 * `scripts/gpu-bench.sh` runs it on a lent GPU machine (beside PyTorch CUDA on the same nets).
 */
import { initBackend, type BackendChoice } from '../engine/backend.ts';
import { tf } from '../engine/tf.ts';
import { describeAdapter, findWebgpuAdapter } from '../engine/webgpu.ts';
import { relativeError, thesisLayerChecks } from './layer-checks.ts';
import { benchTrain, type TrainBenchRow } from './train-bench.ts';

/** Per op at one layer, as the conformance tests hold it: different summation orders, same maths. */
const LAYER_TOLERANCE = 1e-4;

/** Which layer shapes to check: none, the default suite's (no 128² face layers), or all. */
export type LayerCheckSet = 'none' | 'small' | 'all';

async function valuesOn(backend: 'webgpu' | 'wasm', f: () => tf.Tensor[]): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const out = tf.tidy(f);
  const values = await Promise.all(out.map((t) => t.data() as Promise<Float32Array>));
  tf.dispose(out);
  return values;
}

/**
 * Forward pass and both gradients of every thesis layer shape on webgpu against wasm
 * (whose kernels the default test suite holds to the cpu backend; the cpu backend itself
 * would take minutes at 128²). Prints each check's worst relative error; returns how many exceed the tolerance.
 */
async function checkLayers(set: Exclude<LayerCheckSet, 'none'>): Promise<number> {
  const checks = thesisLayerChecks(set === 'all');
  let wrong = 0;
  for (const check of checks) {
    const reference = await valuesOn('wasm', check.f);
    const candidate = await valuesOn('webgpu', check.f);
    const worst = Math.max(...reference.map((r, i) => relativeError(r, candidate[i]!)));
    if (!(worst <= LAYER_TOLERANCE)) wrong++;
    console.log(`${worst <= LAYER_TOLERANCE ? 'ok   ' : 'WRONG'} ${worst.toExponential(1).padStart(8)}  ${check.name}`);
  }
  console.log(`layer checks: ${checks.length - wrong} of ${checks.length} within ${LAYER_TOLERANCE} of wasm\n`);
  return wrong;
}

export async function benchGpu(opts: { batch: number; iterations: number; filter: string[]; layerChecks: LayerCheckSet }): Promise<void> {
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
  console.log('');
  if (opts.layerChecks !== 'none') await checkLayers(opts.layerChecks);
}
