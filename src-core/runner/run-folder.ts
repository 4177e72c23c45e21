import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BackendChoice } from '../engine/backend.ts';
import type { JobConfig } from '../presets/types.ts';
import { homePaths } from '../util/home.ts';

/**
 * One folder per run under <home>/runs/<id>: run.json (the resolved config and how
 * it was launched), events.jsonl, checkpoint.ckpt and samples/step-NNNNNN.png.
 */
export interface RunRecord {
  id: string;
  config: JobConfig;
  backendChoice: BackendChoice;
  created: string;
}

export const runFiles = (dir: string) => ({
  record: join(dir, 'run.json'),
  events: join(dir, 'events.jsonl'),
  checkpoint: join(dir, 'checkpoint.ckpt'),
  samples: join(dir, 'samples'),
});

export function newRunId(preset: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${preset}-${stamp}-${randomBytes(2).toString('hex')}`;
}

export function createRunFolder(home: string, config: JobConfig, backendChoice: BackendChoice): { record: RunRecord; dir: string } {
  const record: RunRecord = { id: newRunId(config.preset), config, backendChoice, created: new Date().toISOString() };
  const dir = join(homePaths(home).runs, record.id);
  mkdirSync(join(dir, 'samples'), { recursive: true });
  writeFileSync(runFiles(dir).record, JSON.stringify(record, null, 2));
  return { record, dir };
}

export class UnknownRunError extends Error {
  override name = 'UnknownRunError';
}

/** Finds a run by id (or a unique prefix of one). */
export function openRunFolder(home: string, id: string): { record: RunRecord; dir: string } {
  const root = homePaths(home).runs;
  const all = existsSync(root) ? readdirSync(root) : [];
  const matches = all.includes(id) ? [id] : all.filter((r) => r.startsWith(id));
  if (matches.length !== 1) {
    throw new UnknownRunError(matches.length === 0 ? `unknown run "${id}" in ${root}` : `"${id}" matches several runs: ${matches.join(', ')}`);
  }
  const dir = join(root, matches[0]!);
  return { record: JSON.parse(readFileSync(runFiles(dir).record, 'utf8')) as RunRecord, dir };
}
