import { strict as assert } from 'node:assert';
import { after, describe, it } from 'node:test';
import { ApiClient, type Transport } from '../../renderer/src/lib/api.ts';
import { ExperimentForm, parseGridText } from '../../renderer/src/state/experiment-form.svelte.ts';
import { HistoryState } from '../../renderer/src/state/history.svelte.ts';
import { appendMetrics } from '../../src-core/store/metrics.ts';
import { openStore } from '../../src-core/store/index.ts';
import { createSweep } from '../../src-core/workbench/sweeps.ts';
import { openTestApi } from '../api/fixtures.ts';


describe('sweeps in the renderer state', () => {
  const api = openTestApi();
  const client = new ApiClient({ kind: 'browser', call: api.dispatch, subscribe: api.service.subscribe, onConnection: () => () => {} } satisfies Transport);
  after(() => api.close());

  it('the form reads a grid line by line, shows the sweep size, and refuses what cannot run', async () => {
    assert.deepEqual(parseGridText('clip.value = 0.01, 0.05\n\n  seed=1 '), { grid: { 'clip.value': ['0.01', '0.05'], seed: ['1'] } });
    assert.match((parseGridText('clip.value\n') as { error: string }).error, /line 1: write setting = value/);
    const form = new ExperimentForm(client);
    await form.load();
    form.choose('captcha-wdcgan');
    form.sweepGrid = 'clip.value = 0.01, 0.05';
    form.sweepSeeds = 3;
    assert.equal(form.sweepSize, 6);
    form.sweepExecutor = 'queue';
    await form.validate();
    assert.equal(await form.startSweep(), null);
    assert.match(form.sweepError ?? '', /no queue: start it with `serve --queue/);
    // A grid value out of range: named as the field, nothing created.
    form.sweepExecutor = 'local';
    form.sweepGrid = 'clip.value = 0.01, -1';
    assert.equal(await form.startSweep(), null);
    assert.ok(form.errors.some((e) => e.key === 'clip.value'), JSON.stringify(form.errors));
    assert.deepEqual(await client.call('sweeps.list', {}), []);
  });

  it('the history filters by sweep and shows each configuration\'s median and spread across seeds', async () => {
    const db = openStore(api.home);
    const { sweep, runs } = createSweep(db, api.home, { presets: ['captcha-fc-gan'], grid: { batchSize: ['8', '16'] }, seeds: 2, overrides: {} });
    // Runs "finished" with a last d of 1, 2 (batch 8) and 3, 5 (batch 16), as a runner would have recorded them.
    runs.forEach((r, i) => appendMetrics(db, r.pk, [{ key: 'd', step: 1, seconds: 1, value: [1, 2, 3, 5][i]! }]));
    db.close();
    const h = new HistoryState(client);
    h.sweep = sweep.id;
    await h.refresh();
    assert.equal(h.total, 4);
    await h.refreshSweeps();
    assert.equal(h.sweeps.length, 1);
    const groups = h.sweepDetail!.groups.map((g) => [g.settings.batchSize, g.values.length, g.median, g.min, g.max]);
    assert.deepEqual(groups, [['8', 2, 1.5, 1, 2], ['16', 2, 4, 3, 5]]);
  });
});
