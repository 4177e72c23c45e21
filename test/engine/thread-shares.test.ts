/**
 * Runs that train side by side share the cores' wasm threads: threadShare divides them, a runner
 * started with a share initialises its backend with it, and the local sweep executor starts its runs
 * with theirs (the run's recorded backend says how many threads it had).
 */
import { strict as assert } from 'node:assert';
import { availableParallelism } from 'node:os';
import { describe, it } from 'node:test';
import { LocalSweepQueue } from '../../src-core/api/server/service/local-sweeps.ts';
import { RunManager } from '../../src-core/api/server/service/run-manager.ts';
import { threadShare, wantedThreads } from '../../src-core/engine/threads.ts';
import { resolveConfig } from '../../src-core/presets/resolve.ts';
import type { RunEvent } from '../../src-core/runner/events.ts';
import { startRunner } from '../../src-core/runner/spawn.ts';
import { openStore } from '../../src-core/store/index.ts';
import { getRun } from '../../src-core/store/runs.ts';
import { createRun } from '../../src-core/runner/run-folder.ts';
import { tempDir } from '../helpers.ts';

// This file measures shares of the cores, not the suite's one thread per process.
delete process.env.GAN_WORKBENCH_WASM_THREADS;

const threadsIn = (detail: string) => Number(/(\d+) threads?/.exec(detail)?.[1]);
const tinyRun = { steps: 2, batchSize: 8, 'data.count': 16, checkpointEvery: 10, progressEvery: 1 };

describe('wasm thread shares', () => {
  it('divides the cores among concurrent trainings, at least one thread each, never more than one process takes', () => {
    const cores = availableParallelism();
    assert.equal(threadShare(1), Math.min(wantedThreads(), cores));
    assert.equal(threadShare(cores), 1);
    assert.equal(threadShare(4 * cores), 1);
    assert.equal(threadShare(2), Math.min(wantedThreads(), Math.max(1, Math.floor(cores / 2))));
  });

  it('a runner started with a share of one thread trains on one', async () => {
    const home = tempDir('gwb-share-');
    const db = openStore(home);
    const run = createRun(db, home, resolveConfig('captcha-fc-wgan', tinyRun), 'wasm');
    db.close();
    let detail = '';
    const runner = startRunner({ home, run: run.id, resume: false, threads: 1 }, (e: RunEvent) => {
      if (e.type === 'started') detail = e.backend.detail;
    });
    assert.equal(await runner.exited, 0);
    assert.equal(threadsIn(detail), 1, detail);
  });

  it('the local sweep executor starts side-by-side runs with their shares', async () => {
    const home = tempDir('gwb-share-');
    const db = openStore(home);
    const runs = [0, 1].map((seed) => createRun(db, home, resolveConfig('captcha-fc-wgan', { ...tinyRun, seed }), 'wasm'));
    const manager = new RunManager(home, db, () => {});
    const queue = new LocalSweepQueue(db, manager, 2);
    const ended = new Promise<void>((resolve) => {
      let left = runs.length;
      manager.onExit(() => {
        if (--left === 0) resolve();
      });
    });
    queue.add(runs.map((r) => r.id));
    await ended;
    for (const r of runs) {
      const row = getRun(db, r.id);
      assert.equal(row.status, 'completed', row.error ?? '');
      assert.equal(threadsIn(row.backend ?? ''), threadShare(2), row.backend ?? '');
    }
    await manager.dispose();
    db.close();
  });
});
