/**
 * Whether this machine can run the WebGPU tests: Dawn (the `webgpu` package) on
 * SwiftShader, the software Vulkan driver Debian's chromium package installs. Points
 * Vulkan at SwiftShader unless the environment already chose a driver. Under
 * GWB_E2E=1 (CI: chromium and libvulkan1 installed) a missing adapter is an error,
 * not a skip.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const SWIFTSHADER = '/usr/lib/chromium/vk_swiftshader_icd.json';
process.env.VK_ICD_FILENAMES ??= SWIFTSHADER;
process.env.XDG_RUNTIME_DIR ??= mkdtempSync(join(tmpdir(), 'gwb-xdg-'));

const { findWebgpuAdapter } = await import('../../src-core/engine/webgpu.ts');
export const adapter = await findWebgpuAdapter().then((a) => a, (err: Error) => err);

/** Why the WebGPU tests cannot run here, or null when they can. */
export const webgpuMissing: string | null = adapter instanceof Error
  ? `no WebGPU adapter (${adapter.message})${existsSync(SWIFTSHADER) ? '' : `; Chromium's SwiftShader (${SWIFTSHADER}) is not installed`}`
  : null;
if (webgpuMissing && process.env.GWB_E2E === '1') {
  throw new Error(`GWB_E2E=1 requires WebGPU on SwiftShader: ${webgpuMissing} (apt-get install chromium libvulkan1)`);
}
