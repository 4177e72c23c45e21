import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { BackendChoice } from '../engine/backend.ts';
import type { JobConfig } from '../presets/types.ts';
import type { Db } from '../store/open.ts';
import { storePaths } from '../store/open.ts';
import { deleteUnheldRun } from '../store/run-ownership.ts';
import { deleteRunRows, getRun, insertRun, type RunRow } from '../store/runs.ts';
import { truncateHistograms } from '../store/histograms.ts';
import { truncateMetrics } from '../store/metrics.ts';
import { truncateSamples } from '../store/samples.ts';

/**
 * A run is a row in the store plus a folder of large files the store references
 * with checksums: <home>/runs/<id>/checkpoint.ckpt and samples/step-NNNNNN.png.
 */
export const runFiles = (home: string, id: string) => {
  const dir = join(storePaths(home).runs, id);
  return { dir, checkpoint: join(dir, 'checkpoint.ckpt'), samples: join(dir, 'samples') };
};

/** Where the checkpoint before the latest is kept: checkpoint.ckpt → checkpoint.prev.ckpt. */
export const previousCheckpointPath = (checkpoint: string): string => checkpoint.replace(/(\.ckpt)?$/, '.prev.ckpt');

export function newRunId(preset: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${preset}-${stamp}-${randomBytes(2).toString('hex')}`;
}

/** Records a new queued run with its fully resolved config, and makes its folder. */
export function createRun(db: Db, home: string, config: JobConfig, backendChoice: BackendChoice, o: { sweep?: number } = {}): RunRow {
  const id = newRunId(config.preset);
  mkdirSync(runFiles(home, id).samples, { recursive: true });
  return insertRun(db, { id, preset: config.preset, config, seed: config.seed, backendChoice, targetSteps: config.steps, sweep: o.sweep });
}

/**
 * Deletes a run: its rows (metrics, samples, checkpoints, tags) and then its folder,
 * refused with a ConflictError while a live process holds it (checked and deleted
 * in one transaction, so it cannot be claimed in between).
 */
export function deleteRun(db: Db, home: string, idOrPrefix: string): RunRow {
  const run = getRun(db, idOrPrefix);
  deleteUnheldRun(db, run.pk, () => deleteRunRows(db, run.pk));
  rmSync(runFiles(home, run.id).dir, { recursive: true, force: true });
  return run;
}

/** Drops the points, histograms and grids after `step` (the resumed training re-creates them). */
export function truncateRunRecords(db: Db, runPk: number, step: number): void {
  truncateMetrics(db, runPk, step);
  truncateHistograms(db, runPk, step);
  for (const path of truncateSamples(db, runPk, step)) rmSync(path, { force: true });
}
