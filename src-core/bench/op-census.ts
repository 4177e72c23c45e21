/**
 * A census of the compute kernels one training iteration dispatches: each
 * top-level call of a matmul or convolution kernel (not the calls our composite
 * kernels make inside themselves) is counted with its FLOPs and its wall time.
 * wasm kernels run synchronously, so a kernel's wall time is its compute time.
 */
import { tf } from '../engine/tf.ts';

export const COMPUTE_KERNELS = ['Conv2D', 'FusedConv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter', 'BatchMatMul', '_FusedMatMul'] as const;

type Info = { shape: number[] };
type Args = { inputs: Record<string, Info>; attrs: Record<string, unknown> };

/** FLOPs of one call (a multiply-add counts 2), from its input and output shapes. */
export function kernelFlops(kernel: string, args: Args, out: Info): number {
  const i = args.inputs;
  switch (kernel) {
    case 'Conv2D':
    case 'FusedConv2D': {
      const [kh, kw, ci] = i.filter!.shape as [number, number, number, number];
      return 2 * out.shape.reduce((a, b) => a * b, 1) * kh * kw * ci;
    }
    case 'Conv2DBackpropInput': {
      // Each dy element meets every kernel tap once (a strided dx pixel meets only k²/s² of them).
      const [kh, kw, ci] = i.filter!.shape as [number, number, number, number];
      return 2 * i.dy!.shape.reduce((a, b) => a * b, 1) * kh * kw * ci;
    }
    case 'Conv2DBackpropFilter': {
      const dy = i.dy!.shape as [number, number, number, number];
      const [kh, kw, ci] = args.attrs.filterShape as [number, number, number, number];
      return 2 * dy[0] * dy[1] * dy[2] * dy[3] * kh * kw * ci;
    }
    default: {
      // BatchMatMul / _FusedMatMul: out [..., M, N]; K from a and transposeA.
      const a = i.a!.shape;
      const k = args.attrs.transposeA ? a[a.length - 2]! : a[a.length - 1]!;
      return 2 * out.shape.reduce((x, y) => x * y, 1) * k;
    }
  }
}

export interface CensusEntry {
  kernel: string;
  /** A matmul or convolution (FLOPs counted), else an elementwise/data-movement kernel (FLOPs 0). */
  /** Compute kernels: name, input shapes and transposes (one geometry); others: the name alone. */
  key: string;
  calls: number;
  flops: number;
  ms: number;
}

/**
 * Runs `body` with the compute kernels of the active backend wrapped, and returns
 * the census by kernel and geometry. The original kernels are restored after.
 */
export async function census(body: () => Promise<void>): Promise<CensusEntry[]> {
  const backend = tf.getBackend();
  const entries = new Map<string, CensusEntry>();
  const originals: tf.KernelConfig[] = [];
  let depth = 0;
  // Every kernel is wrapped, so the time outside matmuls and convolutions is attributed too.
  const names = tf.getKernelsForBackend(backend).map((k) => k.kernelName);
  for (const name of names) {
    const compute = (COMPUTE_KERNELS as readonly string[]).includes(name);
    const original = tf.getKernel(name, backend);
    if (!original) continue;
    originals.push(original);
    tf.unregisterKernel(name, backend);
    tf.registerKernel({
      ...original,
      setupFunc: undefined,
      kernelFunc: ((args: Args & { backend: unknown }) => {
        if (depth > 0) return (original.kernelFunc as unknown as (a: unknown) => Info)(args);
        depth++;
        const t0 = performance.now();
        let out: Info;
        try {
          out = (original.kernelFunc as unknown as (a: unknown) => Info)(args);
        } finally {
          depth--;
        }
        const ms = performance.now() - t0;
        const shapes = Object.values(args.inputs).map((x) => `[${x.shape.join(',')}]`).join(' ');
        const t = compute ? `${args.attrs?.transposeA ? 'ᵀ' : ''}${args.attrs?.transposeB ? ' ·ᵀ' : ''}` : '';
        const key = compute ? `${name} ${shapes}${t ? ` ${t.trim()}` : ''}` : process.env.GWB_CENSUS_SHAPES ? `${name} ${shapes}` : name;
        const e = entries.get(key) ?? { kernel: name, key, calls: 0, flops: 0, ms: 0 };
        e.calls++;
        if (compute) e.flops += kernelFlops(name, args, Array.isArray(out) ? out[0] : out);
        e.ms += ms;
        entries.set(key, e);
        return out;
      }) as unknown as tf.KernelFunc,
    });
  }
  try {
    await body();
  } finally {
    for (const o of originals) {
      tf.unregisterKernel(o.kernelName, backend);
      tf.registerKernel({ ...o, setupFunc: undefined });
    }
  }
  return [...entries.values()].sort((a, b) => b.ms - a.ms);
}
