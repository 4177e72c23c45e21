/**
 * The WebGPU rung of the backend ladder: Dawn (Chrome's WebGPU) in Node through the
 * optional npm package `webgpu` — Vulkan on Linux, Metal on macOS, D3D12 on Windows —
 * under TensorFlow.js's webgpu backend. Loaded only here, in runner and task
 * processes; never in the Electron main process or the renderer.
 *
 * A software adapter (SwiftShader, llvmpipe/lavapipe) is correct but far slower than
 * the wasm backend: `auto` skips it; `--backend webgpu` takes it (the tests do).
 */
import type { GpuAdapterInfo } from '../domain/backends.ts';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tf } from './tf.ts';
import { registerWebgpuKernelFixes } from './webgpu-kernels.ts';

/** An adapter as the run and the system view record it. */
export type WebgpuAdapter = GpuAdapterInfo;

/** "vendor architecture (description)", for the run's recorded backend. */
export const describeAdapter = (a: WebgpuAdapter): string =>
  `${[a.vendor, a.architecture].filter(Boolean).join(' ') || 'unknown adapter'}${a.description ? ` (${a.description})` : ''}${a.software ? ', software' : ''}`;

interface GpuAdapterLike {
  info: { vendor: string; architecture: string; device: string; description: string };
  isFallbackAdapter?: boolean;
  features?: Iterable<string>;
}

let adapter: WebgpuAdapter | null = null;

export const NO_ADAPTER = 'no WebGPU adapter: no Vulkan, Metal or D3D12 driver answered (on Linux: the GPU vendor\'s Vulkan driver and libvulkan1)';

interface GpuLike {
  requestAdapter(o: object): Promise<GpuAdapterLike | null>;
}

function describe(found: GpuAdapterLike): WebgpuAdapter {
  const { vendor, architecture, device, description } = found.info;
  const software = Boolean(found.isFallbackAdapter) || /swiftshader|llvmpipe|lavapipe|software/i.test(`${vendor} ${architecture} ${description}`);
  return { vendor, architecture, device, description, software, features: [...(found.features ?? [])].sort() };
}

/** Loads Dawn once and installs navigator.gpu; a clear error when the package is missing or does not load. */
async function loadDawn(): Promise<GpuLike> {
  const g = globalThis as unknown as { navigator?: { gpu?: unknown } };
  if (g.navigator?.gpu) return g.navigator.gpu as GpuLike;
  let mod: { create: (flags: string[]) => unknown; globals: Record<string, unknown> };
  // Dawn's Vulkan loader wants a runtime folder (a desktop session sets one; a service or CI may not),
  // and says so on stderr in every process otherwise: give it a private one.
  process.env.XDG_RUNTIME_DIR ??= mkdtempSync(join(tmpdir(), 'gan-workbench-xdg-'));
  try {
    mod = (await import('webgpu' as string)) as typeof mod;
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_MODULE_NOT_FOUND') throw new Error('the webgpu package is not installed (optional dependency)');
    throw new Error(`Dawn did not load: ${(err as Error).message.split('\n')[0]}`);
  }
  // WebGPU's enums (GPUBufferUsage, …) and navigator.gpu, as in a browser.
  Object.assign(globalThis, mod.globals);
  if (!g.navigator) Object.defineProperty(globalThis, 'navigator', { value: {}, configurable: true, writable: true });
  g.navigator!.gpu = mod.create([]);
  return g.navigator!.gpu as GpuLike;
}

/** Finds a WebGPU adapter through Dawn (once per process); a clear error when the package or a driver is missing. */
export async function findWebgpuAdapter(): Promise<WebgpuAdapter> {
  if (adapter) return adapter;
  const gpu = await loadDawn();
  const found = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!found) throw new Error(NO_ADAPTER);
  adapter = describe(found);
  return adapter;
}

/**
 * Every adapter Dawn offers: the high-performance and low-power choices (a laptop's
 * discrete and integrated GPUs) and the software fallback, each once.
 */
export async function listWebgpuAdapters(): Promise<WebgpuAdapter[]> {
  const gpu = await loadDawn();
  const found: WebgpuAdapter[] = [];
  for (const options of [{ powerPreference: 'high-performance' }, { powerPreference: 'low-power' }, { forceFallbackAdapter: true }]) {
    const a = await gpu.requestAdapter(options).catch(() => null);
    if (!a) continue;
    const d = describe(a);
    if (!found.some((f) => describeAdapter(f) === describeAdapter(d) && f.device === d.device)) found.push(d);
  }
  return found;
}

/** Starts TensorFlow.js's webgpu backend; `allowSoftware` false refuses a software adapter (slower than wasm). */
export async function tryWebgpu(allowSoftware: boolean): Promise<string> {
  const a = await findWebgpuAdapter();
  if (a.software && !allowSoftware) throw new Error(`only a software adapter (${describeAdapter(a)}), slower than wasm; --backend webgpu uses it anyway`);
  try {
    await import('@tensorflow/tfjs-backend-webgpu' as string);
  } catch (err) {
    throw new Error(`@tensorflow/tfjs-backend-webgpu did not load (${(err as Error).message.split('\n')[0]})`);
  }
  registerWebgpuKernelFixes();
  if (!(await tf.setBackend('webgpu'))) throw new Error('the webgpu backend did not initialise');
  return describeAdapter(a);
}
