export function assemble(name: string): Promise<{ shared: string; plain: string }>;
export function render(name: string, binaries: { shared: string; plain: string }): string;
