import { cpus, totalmem } from 'node:os';
import { describeBackend, type BackendInfo } from '../engine/backend.ts';

/** One line that says where a benchmark ran. */
export function machineLine(backend: BackendInfo): string {
  const cpu = cpus();
  return `${new Date().toISOString().slice(0, 10)} · ${cpu[0]?.model.trim() ?? 'unknown CPU'} × ${cpu.length} · ` +
    `${(totalmem() / 2 ** 30).toFixed(0)} GiB · node ${process.version} · ${describeBackend(backend)}`;
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
