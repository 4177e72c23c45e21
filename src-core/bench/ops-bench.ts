/**
 * `npm run bench -- ops`: where an iteration's time goes. For the captcha DCGAN
 * and WGAN-GP iterations: every matmul/convolution geometry the iteration runs,
 * with its GFLOP/s beside a plain matmul of equal FLOPs (so slow kernels stand
 * out), the time left to everything else (elementwise ops, optimiser updates,
 * copies), and the whole iteration's GFLOP/s as a share of the measured matmul
 * ceiling.
 */
import { tf } from '../engine/tf.ts';
import type { BackendInfo } from '../engine/backend.ts';
import { machineLine, median } from './machine.ts';
import { census } from './op-census.ts';
import { CASES, caseJob, syncedIteration } from './train-bench.ts';

function timeMs(f: () => void, repeats: number): number {
  f();
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    f();
    times.push(performance.now() - t0);
  }
  return median(times);
}

/** GFLOP/s of a plain (untransposed) n×n·n×n matmul. */
function plainMatmul(n: number): number {
  const a = tf.randomUniform([n, n]);
  const b = tf.randomUniform([n, n]);
  // Not tf.tidy(() => ….dataSync()): tidy walks a returned typed array element by element.
  const ms = timeMs(() => {
    const c = tf.matMul(a, b);
    c.dataSync();
    c.dispose();
  }, n >= 1024 ? 5 : n >= 256 ? 20 : 100);
  tf.dispose([a, b]);
  return (2 * n ** 3) / (ms / 1000) / 1e9;
}

const plainCache = new Map<number, number>();
/** The reference for a kernel call of `flops` FLOPs: a plain square matmul of the same FLOPs. */
function plainEqual(flops: number): number {
  const n = Math.max(8, Math.round(Math.cbrt(flops / 2)));
  if (!plainCache.has(n)) plainCache.set(n, plainMatmul(n));
  return plainCache.get(n)!;
}

const fmt = (v: number, w: number, d = 1) => v.toFixed(d).padStart(w);

export async function benchOps(backend: BackendInfo, opts: { batch: number; iterations: number; filter: string[] }): Promise<void> {
  console.log(`bench ops · batch ${opts.batch} · ${machineLine(backend)}`);
  const ceiling = Math.max(...[512, 1024, 1536].map(plainMatmul));
  console.log(`matmul ceiling (best plain square matmul, 512–1536): ${ceiling.toFixed(1)} GFLOP/s\n`);
  const wanted = CASES.filter((c) => c.preset === 'captcha-dcgan' || c.preset === 'captcha-wdcgan-gp')
    .filter((c) => !opts.filter.length || opts.filter.some((f) => c.name.includes(f)));
  for (const c of wanted) {
    const { job } = caseJob(c, opts.batch);
    for (let i = 0; i < 2; i++) await syncedIteration(job);
    const times: number[] = [];
    for (let i = 0; i < opts.iterations; i++) {
      const t0 = performance.now();
      await syncedIteration(job);
      times.push(performance.now() - t0);
    }
    const iterationMs = median(times);
    const n = Math.max(2, Math.ceil(opts.iterations / 2));
    let censusMs = 0;
    const entries = await census(async () => {
      const t0 = performance.now();
      for (let i = 0; i < n; i++) await syncedIteration(job);
      censusMs = (performance.now() - t0) / n;
    });
    job.dispose();
    const computeEntries = entries.filter((e) => e.flops > 0);
    const others = entries.filter((e) => e.flops === 0);
    const flops = computeEntries.reduce((s, e) => s + e.flops, 0) / n;
    const computeMs = computeEntries.reduce((s, e) => s + e.ms, 0) / n;
    const otherMs = others.reduce((s, e) => s + e.ms, 0) / n;
    console.log(`${c.name}: ${iterationMs.toFixed(0)} ms/iteration (median of ${opts.iterations}), ${(flops / 1e9).toFixed(2)} GFLOP`);
    console.log(`  ${'kernel and input shapes'.padEnd(78)} ${'calls'.padStart(5)} ${'ms/it'.padStart(7)} ${'GFLOP/s'.padStart(8)} ${'plain mm'.padStart(8)} ${'ratio'.padStart(6)}`);
    for (const e of computeEntries) {
      const perCall = e.flops / e.calls;
      const gflops = e.flops / (e.ms / 1000) / 1e9;
      const ref = plainEqual(perCall);
      console.log(`  ${e.key.slice(0, 78).padEnd(78)} ${fmt(e.calls / n, 5, 0)} ${fmt(e.ms / n, 7)} ${fmt(gflops, 8)} ${fmt(ref, 8)} ${fmt(gflops / ref, 6, 2)}`);
    }
    const achieved = flops / (iterationMs / 1000) / 1e9;
    console.log(`  matmul/conv kernels ${computeMs.toFixed(0)} ms (${fmt((100 * computeMs) / iterationMs, 0, 0)}%); other kernels ${otherMs.toFixed(0)} ms; outside kernels (JavaScript: tape, optimiser bookkeeping, garbage collection) ${(censusMs - computeMs - otherMs).toFixed(0)} ms of the census runs' ${censusMs.toFixed(0)} ms`);
    console.log(`  other kernels, most time first: ${others.slice(0, process.env.GWB_CENSUS_SHAPES ? 60 : 12).map((e) => `${process.env.GWB_CENSUS_SHAPES ? e.key : e.kernel} ${(e.ms / n).toFixed(1)} ms (${Math.round(e.calls / n)}×)`).join(', ')}`);
    console.log(`  whole iteration: ${achieved.toFixed(1)} GFLOP/s = ${((100 * achieved) / ceiling).toFixed(0)}% of the matmul ceiling (75% would be ${((flops / (0.75 * ceiling * 1e9)) * 1000).toFixed(0)} ms)\n`);
  }
}
