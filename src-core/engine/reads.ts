/**
 * Reading tensors back to the CPU on a backend that cannot do it synchronously.
 * WebGPU in Node (Dawn) can only map buffers asynchronously, and tfjs-webgpu's
 * synchronous fallback needs a browser's OffscreenCanvas; so code that reads
 * synchronously (checkpoints, histograms, evaluations) first awaits `primeReads`
 * for the tensors it will read: their values are fetched asynchronously and kept
 * by data id, and the backend's synchronous read returns them. On the other
 * backends both are no-ops. A data id's values never change, so a kept value is
 * never stale; the cache is dropped at the next prime.
 */
import { tf, type Scalar, type Tensor } from './tf.ts';

const kept = new Map<object, Float32Array | Int32Array | Uint8Array>();
let installedOn: object | null = null;

function install(): boolean {
  if (tf.getBackend() !== 'webgpu') return false;
  const backend = tf.backend() as unknown as { readSync(dataId: object): unknown };
  if (installedOn === backend) return true;
  const readSync = backend.readSync.bind(backend);
  backend.readSync = (dataId: object) => kept.get(dataId) ?? readSync(dataId);
  installedOn = backend;
  return true;
}

/** False on WebGPU (Dawn in Node): code that must read mid-computation (a host-side loss) takes its asynchronous path. */
export const readsSynchronously = (): boolean => tf.getBackend() !== 'webgpu';

/** Fetches the values of `tensors` (default: every variable) so that synchronous reads of them succeed on WebGPU. */
export async function primeReads(tensors?: Tensor[]): Promise<void> {
  if (!install()) return;
  kept.clear();
  const list = tensors ?? Object.values(tf.engine().state.registeredVariables);
  await Promise.all(list.map(async (t) => {
    if (t.isDisposed) return;
    kept.set(t.dataId, (await t.data()) as Float32Array);
  }));
}

/**
 * Reads the scalars of several iterations' losses with one device read (numbers pass
 * through) and disposes them: on a GPU the training loop waits once per batch, not
 * once per loss.
 */
export async function readLossBatches(batches: readonly Record<string, number | Scalar>[]): Promise<Record<string, number>[]> {
  const scalars: Scalar[] = [];
  for (const b of batches) for (const v of Object.values(b)) if (typeof v !== 'number') scalars.push(v);
  let values: Float32Array = new Float32Array(0);
  if (scalars.length > 0) {
    const stacked = tf.stack(scalars);
    try {
      values = (await stacked.data()) as Float32Array;
    } finally {
      stacked.dispose();
      tf.dispose(scalars);
    }
  }
  let next = 0;
  return batches.map((b) => Object.fromEntries(Object.entries(b).map(([k, v]) => [k, typeof v === 'number' ? v : values[next++]!])));
}
