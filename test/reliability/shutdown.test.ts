import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ApiEvent } from '../../src-core/api/contract/events.ts';
import { RunManager } from '../../src-core/api/server/service/run-manager.ts';
import { resolveConfig } from '../../src-core/presets/resolve.ts';
import { createRun } from '../../src-core/runner/run-folder.ts';
import { openStore } from '../../src-core/store/index.ts';
import { getRun } from '../../src-core/store/runs.ts';
import { tempDir } from '../helpers.ts';

describe('bounded shutdown', () => {
  it('a runner that does not stop within the grace period is killed and its run marked interrupted', async () => {
    const home = tempDir();
    const db = openStore(home);
    const run = createRun(db, home, resolveConfig('captcha-fc-wgan', { steps: '100000', batchSize: '8', 'data.count': '32', sampleEvery: '0' }), 'wasm');
    const events: ApiEvent[] = [];
    const manager = new RunManager(home, db, (e) => events.push(e), 500);
    const progressed = new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        if (events.some((e) => e.topic === 'run' && e.event.type === 'progress')) {
          clearInterval(timer);
          resolve();
        }
      }, 20);
    });
    manager.start(run.id, { resume: false });
    await progressed;
    // A hung runner: frozen, it cannot answer the stop request.
    const pid = getRun(db, run.id).status === 'running' ? (db.prepare('SELECT pid FROM runs WHERE pk = ?').get(run.pk) as { pid: number }).pid : 0;
    process.kill(pid, 'SIGSTOP');
    const t0 = performance.now();
    await manager.dispose();
    const waited = performance.now() - t0;
    assert.ok(waited >= 450 && waited < 5_000, `dispose took ${waited.toFixed(0)} ms`);
    const after = getRun(db, run.id);
    assert.equal(after.status, 'interrupted');
    assert.match(after.error ?? '', /did not stop within 0.5 s.*killed.*resume continues from the last checkpoint/);
    db.close();
  });
});
