/**
 * `npm run bench -- threads [--iterations N] [--batch B] [filter]`: what side-by-side runs cost when each
 * takes every core's wasm thread, against each taking its share (threadShare). Runs the train suite's
 * first matching case (default captcha-dcgan) in child processes started together: one alone with every
 * core, then `cores` of them with every core each (what a sweep did before shares), then the same number
 * with their shares. Prints each child's pipelined ms per iteration and the iterations per second of all
 * of them together; the ratios are what to compare (measured in the same run).
 */
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { threadShare, wantedThreads, WASM_THREADS_ENV } from '../engine/threads.ts';

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));

/** One child's pipelined ms per iteration of the train suite's case. */
function trainChild(threads: number, o: { batch: number; iterations: number; filter: string }): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'train', '--backend', 'wasm', '--batch', String(o.batch), '--iterations', String(o.iterations), o.filter], {
      env: { ...process.env, [WASM_THREADS_ENV]: String(threads) }, stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.on('error', reject);
    child.on('exit', (code) => {
      const ms = /pipelined\s+([\d.]+) ms\/it/.exec(out)?.[1];
      if (code !== 0 || !ms) reject(new Error(`the train child ended with code ${code}:\n${out}`));
      else resolve(Number(ms));
    });
  });
}

async function together(count: number, threads: number, o: { batch: number; iterations: number; filter: string }, label: string): Promise<number> {
  const ms = await Promise.all(Array.from({ length: count }, () => trainChild(threads, o)));
  const perSecond = ms.reduce((sum, m) => sum + 1000 / m, 0);
  console.log(`${label.padEnd(44)} ${ms.map((m) => `${m.toFixed(1)} ms/it`).join(' · ').padEnd(32)} together ${perSecond.toFixed(2)} it/s`);
  return perSecond;
}

export async function benchThreads(o: { batch: number; iterations: number; filter: string }): Promise<void> {
  const cores = availableParallelism();
  const all = wantedThreads();
  const runs = Math.max(2, cores);
  const share = threadShare(runs);
  console.log(`case "${o.filter}", batch ${o.batch}, ${o.iterations} pipelined iterations per child; ${cores} cores`);
  const alone = await together(1, all, o, `1 run, ${all} threads`);
  const oversubscribed = await together(runs, all, o, `${runs} runs at once, ${all} threads each`);
  const shared = await together(runs, share, o, `${runs} runs at once, ${share} thread${share === 1 ? '' : 's'} each (threadShare)`);
  console.log(`together vs alone: ${(oversubscribed / alone).toFixed(2)}× with every core each, ${(shared / alone).toFixed(2)}× with shares; shares vs every core: ${(shared / oversubscribed).toFixed(2)}×`);
}
