export function assemble(name: string): Promise<{ shared: string; plain: string }>;
export function render(name: string, binaries: { shared: string; plain: string }): string;
/** The .wat modules in src-core/engine/wasm-kernels/simd/, by name. */
export const SIMD_MODULES: string[];
