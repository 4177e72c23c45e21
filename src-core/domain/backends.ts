/** The backends a machine offers, as the probe reports them: shared by the engine, the runner and the API. Browser-safe. */

/** A WebGPU adapter Dawn offers (`software`: SwiftShader, llvmpipe — correct, but slower than wasm). */
export interface GpuAdapterInfo {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  software: boolean;
  /** Optional WebGPU features, e.g. timestamp-query. */
  features: string[];
}

/** One rung of the backend ladder on this machine: available (with what it is) or why not. */
export interface BackendRung {
  name: 'tensorflow' | 'webgpu' | 'wasm' | 'cpu';
  available: boolean;
  detail: string;
}

/**
 * The backends this machine offers, probed in a child process, and what `auto` picks:
 * for runs (GAN and recogniser training), and for the labelling tools (pre-labelling,
 * the mislabel search), which read synchronously and so never use WebGPU.
 */
export interface BackendsInfo {
  rungs: BackendRung[];
  adapters: GpuAdapterInfo[];
  auto: { runs: BackendRung['name']; tools: BackendRung['name'] };
  probedAt: string;
}
