import { strict as assert } from 'node:assert';
import { after, describe, it } from 'node:test';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import sharp from 'sharp';
import type { CaptchaItem, RunDetail, RunSummaryRow, Series, TaskInfo } from '../../src-core/api/contract/types.ts';
import type { ApiEvent } from '../../src-core/api/contract/events.ts';
import { writeCaptchaFolder } from '../datasets/fixtures.ts';
import { openTestApi, waitForEvent } from './fixtures.ts';

const FAST = { steps: '6', sampleEvery: '3', progressEvery: '1', batchSize: '16' };

describe('API service over runner and task processes', () => {
  const api = openTestApi();
  after(() => api.close());

  it('trains a run, streams its events, and serves its series and samples', async () => {
    const run = await api.call<RunSummaryRow>('runs.start', { preset: 'captcha-fc-gan', overrides: FAST });
    const done = await waitForEvent(api, (e) => e.topic === 'run' && e.run === run.id && e.event.type === 'done');
    assert.equal(done.topic === 'run' && done.event.type === 'done' && done.event.summary.status, 'completed');
    const kinds = new Set(api.events.filter((e) => e.topic === 'run' && e.run === run.id).map((e) => (e as Extract<ApiEvent, { topic: 'run' }>).event.type));
    for (const k of ['started', 'progress', 'samples']) assert.ok(kinds.has(k as never), k);
    await waitForEvent(api, (e) => e.topic === 'runs-changed' && e.run === run.id && e.status === 'completed');
    const detail = await api.call<RunDetail>('runs.get', { run: run.id });
    assert.equal(detail.stepsDone, 6);
    assert.deepEqual(detail.samples.map((s) => s.step), [0, 3, 6]); // the untrained grid too
    const series = await api.call<Series[]>('runs.series', { runs: [run.id], keys: ['d', 'g'] });
    assert.deepEqual(series.map((s) => s.points.length), [6, 6]);
    const sample = await api.call<{ step: number; png: string }>('runs.sample', { run: run.id, step: 4 });
    assert.equal(sample.step, 3);
    assert.equal((await sharp(Buffer.from(sample.png, 'base64')).metadata()).format, 'png');
  });

  it('exports a figure whose SVG names the runs and whose CSV holds the plotted points', async () => {
    const { runs } = await api.call<{ runs: RunSummaryRow[] }>('runs.list', {});
    const fig = await api.call<{ svg: string; csv: string; width: number; height: number }>('export.figure', {
      runs: runs.map((r) => r.id), keys: ['d'], smoothing: 0.5, sampleStep: 6,
    });
    assert.equal(fig.width, 1200);
    assert.ok(fig.height > 750, 'the sample grids add a row');
    assert.ok(fig.svg.includes('<image'), 'sample grids embedded');
    assert.equal((await sharp(Buffer.from(fig.svg)).metadata()).format, 'svg');
    const rows = fig.csv.trim().split('\n');
    assert.equal(rows[0], 'run,metric,step,seconds,value,smoothed');
    assert.equal(rows.length, 1 + 6);
    const [, , step, , value, smoothed] = rows[1]!.split(',');
    assert.equal(step, '1');
    assert.equal(Number(value), Number(smoothed), 'debiased smoothing starts at the first value');
  });

  it('marks a run failed when its runner process dies, and keeps answering', async () => {
    const run = await api.call<RunSummaryRow>('runs.start', { preset: 'captcha-fc-gan', overrides: { ...FAST, steps: '1000000' } });
    await waitForEvent(api, (e) => e.topic === 'run' && e.run === run.id && e.event.type === 'progress');
    const db = new Database(join(api.home, 'workbench.db'), { readonly: true });
    const { pid } = db.prepare('SELECT pid FROM runs WHERE id = ?').get(run.id) as { pid: number };
    db.close();
    process.kill(pid, 'SIGKILL');
    const failed = await waitForEvent(api, (e) => e.topic === 'run' && e.run === run.id && e.event.type === 'error');
    assert.match(failed.topic === 'run' && failed.event.type === 'error' ? failed.event.message : '', /runner process ended/);
    const detail = await api.call<RunDetail>('runs.get', { run: run.id });
    assert.equal(detail.status, 'failed');
    assert.equal(detail.active, false);
    assert.match(detail.error ?? '', /runner process ended/);
    assert.ok((await api.call<{ total: number }>('runs.list', {})).total >= 2);
  });

  it('stops a run (it checkpoints) and resumes it to the end', async () => {
    const run = await api.call<RunSummaryRow>('runs.start', { preset: 'captcha-fc-gan', overrides: { ...FAST, steps: '300' } });
    await waitForEvent(api, (e) => e.topic === 'run' && e.run === run.id && e.event.type === 'progress');
    assert.deepEqual(await api.call('runs.stop', { run: run.id }), { stopping: true });
    await waitForEvent(api, (e) => e.topic === 'runs-changed' && e.run === run.id && e.status === 'stopped');
    const stopped = await api.call<RunDetail>('runs.get', { run: run.id });
    assert.ok(stopped.stepsDone > 0 && stopped.stepsDone < 300);
    const conflict = await api.dispatch('runs.delete', { run: (await api.call<RunSummaryRow>('runs.resume', { run: run.id })).id });
    assert.equal(!conflict.ok && conflict.error.code, 'conflict', 'a training run cannot be deleted');
    await waitForEvent(api, (e) => e.topic === 'runs-changed' && e.run === run.id && e.status === 'completed');
    const finished = await api.call<RunDetail>('runs.get', { run: run.id });
    assert.equal(finished.stepsDone, 300);
    const series = await api.call<Series[]>('runs.series', { runs: [run.id], keys: ['d'], maxPoints: 20_000 });
    assert.deepEqual(series[0]!.points.map((p) => p.step), Array.from({ length: 300 }, (_, i) => i + 1), 'one point per step across the stop');
    assert.equal((await api.dispatch('runs.delete', { run: run.id })).ok, true);
  });

  it('imports a captcha folder in a task process, reports skipped files, and labels durably', async () => {
    const folder = join(api.home, 'scraped');
    const { texts } = await writeCaptchaFolder(folder, 6, 9);
    const settings = { width: 80, height: 20, length: 4, alphabet: '23456789ABCDEFGHJKLMNPQRSTUVWXYZ', threshold: 'otsu', segmentation: 'equal' };
    const preview = await api.call<{ file: string; unreadable: string[] }>('datasets.previewCaptchaFolder', { folder, settings });
    assert.ok(!preview.unreadable.includes(preview.file));
    const missing = await api.dispatch('datasets.importCaptchas', { folder: join(folder, 'nope'), settings });
    assert.equal(!missing.ok && missing.error.code, 'user-error');
    const task = await api.call<TaskInfo>('datasets.importCaptchas', { folder, settings });
    const done = await waitForEvent(api, (e) => e.topic === 'task' && e.task === task.task && e.event.type !== 'progress');
    assert.ok(done.topic === 'task' && done.event.type === 'done');
    const result = done.topic === 'task' && done.event.type === 'done' ? done.event.result : null;
    assert.equal(result!.count, 7); // 6 captchas and a blank image of the right size
    assert.ok(result!.skipped.some((s) => /decompression bomb/.test(s.reason)));
    const dataset = result!.dataset!;
    const item = (await api.call<CaptchaItem>('labels.item', { dataset }))!;
    const bad = await api.dispatch('labels.save', { captcha: item.id, label: 'ABC' });
    assert.equal(!bad.ok && bad.error.code, 'user-error');
    const text = item.file.replace(/\.\w+$/, '');
    assert.ok(texts.includes(text) || text === 'TOOLONG');
    const label = texts.includes(text) ? text : '2345';
    const saved = await api.call<{ item: CaptchaItem; progress: { counts: { labelled: number } } }>('labels.save', { captcha: item.id, label });
    assert.equal(saved.progress.counts.labelled, 1);
    // Durable: another connection (another process could be reading) sees it at once.
    const db = new Database(join(api.home, 'workbench.db'), { readonly: true });
    assert.equal((db.prepare('SELECT label FROM captchas WHERE pk = ?').get(item.id) as { label: string }).label, label);
    db.close();
    const undone = await api.call<{ item: CaptchaItem }>('labels.undo', { dataset });
    assert.equal(undone.item.id, item.id);
    assert.equal(undone.item.label, null);
  });
});
