import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openStore } from '../../src-core/store/index.ts';
import { getRun } from '../../src-core/store/runs.ts';
import { cancelSweepRuns, createSweep } from '../../src-core/workbench/sweeps.ts';
import { tempDir } from '../helpers.ts';

describe('cancelling a sweep', () => {
  it('withdraws the runs not started (those the caller may), leaves running ones to whoever trains them', () => {
    const home = tempDir();
    const db = openStore(home);
    const { sweep, runs } = createSweep(db, home, { presets: ['captcha-fc-gan'], grid: {}, seeds: 4, overrides: {} });
    db.prepare("UPDATE runs SET status = 'running' WHERE pk = ?").run(runs[0]!.pk);
    db.prepare("UPDATE runs SET status = 'completed' WHERE pk = ?").run(runs[1]!.pk);
    // The app may withdraw only what is still in its own queue: here, one of the two waiting runs.
    const r = cancelSweepRuns(db, sweep.id, (ids) => ids.slice(0, 1));
    assert.deepEqual(r, { withdrawn: [runs[2]!.id], running: [runs[0]!.id] });
    assert.deepEqual(runs.map((x) => getRun(db, x.id).status), ['running', 'completed', 'stopped', 'queued']);
    // The CLI withdraws all of them.
    assert.deepEqual(cancelSweepRuns(db, sweep.id).withdrawn, [runs[3]!.id]);
    db.close();
  });
});
