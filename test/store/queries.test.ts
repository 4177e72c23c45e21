import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { after, describe, it } from 'node:test';
import { resolveConfig } from '../../src-core/presets/resolve.ts';
import { claimRun, markInterrupted } from '../../src-core/store/run-ownership.ts';
import { ConflictError } from '../../src-core/domain/errors.ts';
import { createRun, deleteRun, runFiles } from '../../src-core/runner/run-folder.ts';
import { openStore } from '../../src-core/store/index.ts';
import { appendMetrics, BUCKET_SIZE, displaySeries, metricsCsv, rawSeries, truncateMetrics } from '../../src-core/store/metrics.ts';
import { addSample, nearestSample } from '../../src-core/store/samples.ts';
import { addTag, configDiff, finishRun, getRun, listRuns, markRunning, setNotes, UnknownRunError } from '../../src-core/store/runs.ts';
import { tempDir } from '../helpers.ts';

function store() {
  const home = tempDir();
  return { home, db: openStore(home) };
}

describe('run store queries', () => {
  it('lists, filters and sorts runs by preset, status, tag, notes, date and best metric', () => {
    const { home, db } = store();
    const a = createRun(db, home, resolveConfig('captcha-dcgan'), 'wasm');
    const b = createRun(db, home, resolveConfig('captcha-wdcgan'), 'wasm');
    const c = createRun(db, home, resolveConfig('captcha-wdcgan', { seed: '3' }), 'cpu');
    finishRun(db, a.pk, 'completed');
    finishRun(db, b.pk, 'failed', 'boom');
    addTag(db, b.pk, 'baseline');
    addTag(db, c.pk, 'baseline');
    setNotes(db, c.pk, 'lower clip, looks sharper');
    appendMetrics(db, a.pk, [{ key: 'd', step: 1, seconds: 1, value: 0.5 }, { key: 'd', step: 2, seconds: 2, value: 0.2 }]);
    appendMetrics(db, c.pk, [{ key: 'd', step: 1, seconds: 1, value: 0.1 }, { key: 'd', step: 2, seconds: 2, value: 0.9 }]);
    assert.deepEqual(listRuns(db, { preset: 'captcha-wdcgan' }).map((r) => r.id).sort(), [b.id, c.id].sort());
    assert.deepEqual(listRuns(db, { status: 'failed' }).map((r) => r.id), [b.id]);
    assert.deepEqual(listRuns(db, { tag: 'baseline' }).map((r) => r.id).sort(), [b.id, c.id].sort());
    assert.deepEqual(listRuns(db, { text: 'sharper' }).map((r) => r.id), [c.id]);
    assert.deepEqual(listRuns(db, { text: '100%_' }).map((r) => r.id), []);
    const byBest = listRuns(db, { metric: 'd', sort: 'best' });
    assert.deepEqual(byBest.map((r) => [r.id, r.best, r.last]), [[c.id, 0.1, 0.9], [a.id, 0.2, 0.2], [b.id, null, null]]);
    assert.deepEqual(listRuns(db, { since: '2999-01-01' }), []);
    assert.equal(getRun(db, c.id.slice(0, c.id.length - 2)).id, c.id);
    assert.throws(() => getRun(db, 'nope'), UnknownRunError);
    assert.deepEqual(getRun(db, b.id).tags, ['baseline']);
    db.close();
  });

  it('downsamples a long series to ≤ 2,000 points keeping its extremes; exports it raw', () => {
    const { home, db } = store();
    const run = createRun(db, home, resolveConfig('captcha-dcgan'), 'wasm');
    const points = Array.from({ length: 50_000 }, (_, i) => ({ key: 'd', step: i + 1, seconds: i / 10, value: Math.sin(i / 500) }));
    points[31_337]!.value = 42; // a spike a display must not lose
    for (let i = 0; i < points.length; i += 5000) appendMetrics(db, run.pk, points.slice(i, i + 5000));
    const shown = displaySeries(db, run.pk, 'd', 2000);
    assert.ok(shown.length <= 2000 && shown.length > 1000, `${shown.length} points`);
    assert.ok(shown.some((p) => p.value === 42), 'the spike survives');
    assert.equal(shown[0]!.step, 1);
    assert.equal(shown.at(-1)!.step, 50_000);
    assert.ok(shown.every((p, i) => i === 0 || p.step > shown[i - 1]!.step));
    assert.equal(rawSeries(db, run.pk, 'd').length, 50_000);
    const bySeconds = displaySeries(db, run.pk, 'd', 500, 'seconds');
    assert.ok(bySeconds.length <= 500);
    const short = createRun(db, home, resolveConfig('captcha-dcgan'), 'wasm');
    appendMetrics(db, short.pk, points.slice(0, 100));
    assert.equal(displaySeries(db, short.pk, 'd', 2000).length, 100);
    db.close();
  });

  it('truncating after a step (a resume) rebuilds summaries and buckets exactly', () => {
    const { home, db } = store();
    const run = createRun(db, home, resolveConfig('captcha-dcgan'), 'wasm');
    const pts = Array.from({ length: 3 * BUCKET_SIZE + 7 }, (_, i) => ({ key: 'g', step: i + 1, seconds: i, value: (i * 37) % 101 }));
    appendMetrics(db, run.pk, pts);
    truncateMetrics(db, run.pk, 500);
    appendMetrics(db, run.pk, pts.slice(500));
    const other = createRun(db, home, resolveConfig('captcha-dcgan'), 'wasm');
    appendMetrics(db, other.pk, pts);
    const q = (pk: number) => db.prepare('SELECT count, last_step, last_value, min_value, max_value FROM metric_series WHERE run = ?').get(pk);
    assert.deepEqual(q(run.pk), q(other.pk));
    const b = (pk: number) => db.prepare('SELECT bucket, first_step, last_step, min_value, max_value FROM metric_buckets WHERE run = ? ORDER BY bucket').all(pk);
    assert.deepEqual(b(run.pk), b(other.pk));
    db.close();
  });

  it('a write transaction that throws leaves nothing behind', () => {
    const { home, db } = store();
    const run = createRun(db, home, resolveConfig('captcha-dcgan'), 'wasm');
    const bad = [{ key: 'd', step: 1, seconds: 0, value: 1 }, { key: 'd', step: 'two' as unknown as number, seconds: 0, value: 2 }];
    assert.throws(() => appendMetrics(db, run.pk, bad));
    assert.equal((db.prepare('SELECT count(*) AS n FROM metrics').get() as { n: number }).n, 0);
    assert.equal((db.prepare('SELECT count(*) AS n FROM metric_series').get() as { n: number }).n, 0);
    db.close();
  });

  it('finds the sample grid nearest a step, diffs configs, deletes a run with its files, exports CSV', () => {
    const { home, db } = store();
    const a = createRun(db, home, resolveConfig('captcha-wdcgan'), 'wasm');
    const b = createRun(db, home, resolveConfig('captcha-wdcgan', { 'clip.value': '0.01', seed: '4' }), 'wasm');
    for (const step of [0, 20, 40]) addSample(db, a.pk, { step, seconds: step, path: `/x/${step}.png`, sha256: 'h' });
    assert.equal(nearestSample(db, a.pk, 27)!.step, 20);
    assert.equal(nearestSample(db, a.pk, 35)!.step, 40);
    assert.equal(nearestSample(db, b.pk, 35), null);
    assert.deepEqual(configDiff([a.config, b.config]), [
      { key: 'clip.value', values: [0.05, 0.01] }, { key: 'seed', values: [0, 4] },
    ]);
    appendMetrics(db, a.pk, [{ key: 'd,weird', step: 1, seconds: 0.5, value: -1.25 }]);
    const csv = [...metricsCsv(db, [a])].join('');
    assert.equal(csv, `run,key,step,seconds,value\n${a.id},"d,weird",1,0.5,-1.25\n`);
    assert.ok(existsSync(runFiles(home, a.id).dir));
    deleteRun(db, home, a.id);
    assert.ok(!existsSync(runFiles(home, a.id).dir));
    assert.throws(() => getRun(db, a.id), UnknownRunError);
    assert.equal((db.prepare('SELECT count(*) AS n FROM metrics').get() as { n: number }).n, 0);
    assert.equal((db.prepare('SELECT count(*) AS n FROM samples').get() as { n: number }).n, 0);
    db.close();
  });

  it('marks a running run whose process is gone as interrupted', () => {
    const { home, db } = store();
    const run = createRun(db, home, resolveConfig('captcha-dcgan'), 'wasm');
    markRunning(db, run.pk, { backend: 'wasm', dataset: 'x', targetSteps: 10 });
    assert.deepEqual(markInterrupted(db), [], 'this process is alive');
    db.prepare('UPDATE runs SET pid = 2147483646 WHERE pk = ?').run(run.pk);
    assert.deepEqual(markInterrupted(db), [run.id]);
    assert.equal(getRun(db, run.id).status, 'interrupted');
    // Another host: judged by the heartbeat.
    claimRun(db, run.pk);
    markRunning(db, run.pk, { backend: 'wasm', dataset: 'x', targetSteps: 10 });
    db.prepare("UPDATE runs SET host = 'elsewhere', heartbeat_at = ? WHERE pk = ?").run(new Date(Date.now() - 120_000).toISOString(), run.pk);
    assert.deepEqual(markInterrupted(db), [run.id]);
    db.close();
    void readFileSync;
  });

  it('lets one live process own a run: a second claim or a delete is refused with the holder named', () => {
    const { home, db } = store();
    const run = createRun(db, home, resolveConfig('captcha-dcgan'), 'wasm');
    // A sleeping child stands in for another live process holding the run.
    const other = spawn('sleep', ['60']);
    after(() => other.kill());
    db.prepare("UPDATE runs SET status = 'running', pid = ? WHERE pk = ?").run(other.pid, run.pk);
    assert.throws(() => claimRun(db, run.pk), (e: Error) => e instanceof ConflictError && e.message.includes(`process ${other.pid}`));
    assert.throws(() => deleteRun(db, home, run.id), ConflictError);
    assert.throws(() => markRunning(db, run.pk, { backend: 'wasm', dataset: 'x', targetSteps: 10 }), ConflictError);
    assert.equal(getRun(db, run.id).status, 'running');
    // The holder died: the run is free to claim, and then this process may start it.
    db.prepare('UPDATE runs SET pid = 2147483646 WHERE pk = ?').run(run.pk);
    claimRun(db, run.pk);
    assert.equal(getRun(db, run.id).status, 'queued');
    markRunning(db, run.pk, { backend: 'wasm', dataset: 'x', targetSteps: 10 });
    assert.equal(getRun(db, run.id).status, 'running');
    finishRun(db, run.pk, 'stopped');
    deleteRun(db, home, run.id);
    assert.throws(() => getRun(db, run.id), UnknownRunError);
    db.close();
  });
});
