/**
 * The renderer's state classes (*.svelte.ts, compiled by Svelte on import) over an
 * in-process transport to the real service: what the screens show is what these
 * classes hold.
 */
import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import { join } from 'node:path';
import { flushSync } from 'svelte';
import { ApiClient, ApiCallError, type Transport } from '../../renderer/src/lib/api.ts';
import { ExperimentForm, fieldsOf } from '../../renderer/src/state/experiment-form.svelte.ts';
import { HistoryState } from '../../renderer/src/state/history.svelte.ts';
import { LabelSession, labelProblem } from '../../renderer/src/state/labelling.svelte.ts';
import { LiveRun } from '../../renderer/src/state/live-run.svelte.ts';
import { CompareState } from '../../renderer/src/state/compare.svelte.ts';
import { TaskTracker } from '../../renderer/src/state/tasks.svelte.ts';
import { ThemeState } from '../../renderer/src/state/theme.svelte.ts';
import { ConnectionState } from '../../renderer/src/state/connection.svelte.ts';
import { createRun } from '../../src-core/runner/run-folder.ts';
import { resolveConfig } from '../../src-core/presets/resolve.ts';
import { appendMetrics } from '../../src-core/store/metrics.ts';
import { openStore } from '../../src-core/store/index.ts';
import { getRun } from '../../src-core/store/runs.ts';
import { insertCaptchas, listCaptchas } from '../../src-core/store/captchas.ts';
import { insertDataset } from '../../src-core/store/datasets.ts';
import { insertRecognizer, savePredictions } from '../../src-core/store/recognizers.ts';
import { importCaptchaFolder } from '../../src-core/data/import-captchas.ts';
import { defaultCaptchaSettings } from '../../src-core/data/captcha-image.ts';
import { writeCaptchaFolder } from '../datasets/fixtures.ts';
import { openTestApi, type TestApi } from '../api/fixtures.ts';

function inProcess(api: TestApi): Transport {
  return { kind: 'browser', call: api.dispatch, subscribe: api.service.subscribe, onConnection: () => () => {} };
}

describe('renderer state classes', () => {
  let api: TestApi;
  let client: ApiClient;
  const runIds: string[] = [];
  let dataset = 0;
  let prelabelled = 0;

  before(async () => {
    api = openTestApi();
    client = new ApiClient(inProcess(api));
    // Two recorded runs with metrics, written the way a runner writes them.
    const db = openStore(api.home);
    for (const [preset, batch] of [['captcha-dcgan', '64'], ['captcha-wdcgan', '32']] as const) {
      const run = createRun(db, api.home, resolveConfig(preset, { batchSize: batch }), 'auto');
      appendMetrics(db, getRun(db, run.id).pk, Array.from({ length: 50 }, (_, i) => ({ key: 'd', step: i + 1, seconds: i * 0.5, value: 2 - i * 0.01 })));
      runIds.push(run.id);
    }
    const { texts } = await writeCaptchaFolder(join(api.home, 'scraped'), 5, 4);
    void texts;
    dataset = (await importCaptchaFolder(db, join(api.home, 'scraped'), { settings: defaultCaptchaSettings() })).dataset.id;
    // A dataset a recogniser has read: three captchas with a pre-label, one without.
    const settings = defaultCaptchaSettings();
    ({ id: prelabelled } = insertDataset(db, { kind: 'captcha', name: 'pre-labelled', sourcePath: '/x', settings }));
    insertCaptchas(db, prelabelled, [0, 1, 2, 3].map((i) => ({ ordinal: i, file: `${i}.png`, pixels: new Uint8Array(settings.width * settings.height), label: null })));
    const ids = listCaptchas(db, prelabelled).map((c) => c.id);
    const r = insertRecognizer(db, {
      dataset: prelabelled, model: 'ctc', weightsPath: '/w', sha256: 'h', alphabet: settings.alphabet, characterAccuracy: 1, captchaAccuracy: 1,
      confusion: [], trainCaptchas: 1, validationCaptchas: 1, calibrationError: null,
    });
    // Least confident first: BBBB (0.2), CCCC (0.5), AAAA (0.9), then the captcha with no reading.
    savePredictions(db, r.id, [{ captcha: ids[0]!, label: 'AAAA', confidence: 0.9 }, { captcha: ids[1]!, label: 'BBBB', confidence: 0.2 }, { captcha: ids[2]!, label: 'CCCC', confidence: 0.5 }]);
    db.close();
  });
  after(() => api.close());

  it('ExperimentForm: fields typed from the preset, inline errors from the host, start only when valid', async () => {
    const form = new ExperimentForm(client);
    await form.load();
    form.choose('captcha-dcgan');
    const fields = fieldsOf(form.preset!, form.catalog.choices);
    assert.equal(fields.find((f) => f.key === 'steps')?.kind, 'number');
    assert.equal(fields.find((f) => f.key === 'architecture')?.kind, 'choice');
    assert.equal(fields.find((f) => f.key === 'labelConditioned')?.kind, 'boolean');
    assert.ok(!fields.some((f) => f.key === 'preset' || f.key.endsWith('.kind') || f.key.startsWith('data')), 'fixed keys are not editable');
    form.set('batchSize', '0');
    form.set('steps', '5');
    assert.deepEqual(form.overrides, { batchSize: '0', steps: '5' });
    await form.validate();
    assert.equal(form.errorFor('batchSize')?.includes('out of range'), true);
    assert.equal(form.canStart, false);
    assert.equal(await form.start(), null, 'an invalid form starts nothing');
    form.reset('batchSize');
    await form.validate();
    assert.equal(form.errors.length, 0);
    assert.equal(form.canStart, true);
    form.dataset = 999;
    await form.validate();
    assert.equal(form.canStart, true, 'the dataset is checked when starting');
    assert.equal(await form.start(), null);
    assert.match(form.startError ?? '', /unknown dataset/);
  });

  it('ExperimentForm groups presets by chapter in chapter order', async () => {
    const form = new ExperimentForm(client);
    await form.load();
    assert.deepEqual(form.chapters.map((c) => c.chapter), ['4', '5', '6']);
  });

  it('HistoryState: server-side filters, sorting and paging; tags and notes', async () => {
    const h = new HistoryState(client);
    await h.refresh();
    assert.equal(h.total, 2);
    h.preset = 'captcha-wdcgan';
    await h.refresh();
    assert.deepEqual(h.rows.map((r) => r.id), [runIds[1]]);
    h.preset = '';
    h.sortBy('best');
    assert.equal(h.descending, false, 'metric values sort lowest first');
    h.sortBy('best');
    assert.equal(h.descending, true);
    await h.addTag(runIds[0]!, ' baseline ');
    await h.setNotes(runIds[0]!, 'first try');
    h.tag = 'baseline';
    await h.refresh();
    assert.deepEqual(h.rows.map((r) => [r.id, r.tags, r.notes]), [[runIds[0], ['baseline'], 'first try']]);
    h.toggle(runIds[0]!);
    h.toggle(runIds[1]!);
    h.toggle(runIds[1]!);
    assert.deepEqual(h.selected, [runIds[0]]);
  });

  it('CompareState: overlaid series, the differing config keys, time to quality', async () => {
    const c = new CompareState(client);
    await c.open([...runIds]);
    assert.deepEqual(c.available, ['d']);
    assert.equal(c.series.length, 2);
    assert.ok(c.diff.some((d) => d.key === 'batchSize' && d.values[0] === 64 && d.values[1] === 32));
    assert.ok(!c.diff.some((d) => d.key === 'seed'), 'equal keys are not shown');
    c.ttqMetric = 'd';
    c.ttqThreshold = '1.8';
    await c.timeToQuality();
    assert.equal(c.crossings.length, 2);
    assert.ok(c.crossings.every((x) => x !== null && x.value <= 1.8));
    c.ttqThreshold = 'soon';
    await c.timeToQuality();
    assert.match(c.error ?? '', /numeric threshold/);
  });

  it('LiveRun: applies a run\'s events in order', () => {
    const live = new LiveRun(client, 'r');
    live.apply({ type: 'started', run: 'r', preset: 'p', backend: { name: 'wasm', version: '4', detail: 'simd' }, data: '', skipped: 0, fromStep: 0, toStep: 10 });
    for (let s = 1; s <= 3; s++) live.apply({ type: 'progress', step: s, seconds: s, losses: { d: 1 / s, g: s }, itPerSec: 2, etaSeconds: 5 });
    live.apply({ type: 'progress', step: 3, seconds: 3, losses: { d: 9, g: 9 }, itPerSec: 2, etaSeconds: 5 });
    live.apply({ type: 'eval', step: 3, seconds: 3, metrics: { frechet: 12 } });
    live.apply({ type: 'note', step: 3, text: 'learning rate halved to 0.000500' });
    flushSync();
    assert.equal(live.status, 'running');
    assert.deepEqual(live.notes, ['step 3: learning rate halved to 0.000500']);
    assert.deepEqual(live.series.d?.map((p) => p.step), [1, 2, 3], 'a repeated step is not added twice');
    assert.deepEqual(live.lossKeys, ['d', 'g']);
    assert.deepEqual(live.metricKeys, ['frechet']);
    assert.equal(live.fraction, 0.3);
    live.apply({ type: 'error', message: 'boom', userError: false });
    assert.equal(live.status, 'failed');
    assert.equal(live.error, 'boom');
    assert.equal(live.finished, true);
  });

  it('LabelSession: a failed save keeps the item and the text; a good one advances after the write', async () => {
    const s = new LabelSession(client);
    await s.open(dataset);
    const first = s.item!;
    assert.equal(s.progress?.counts.total, 6);
    s.input('ab');
    assert.equal(s.text, 'AB', 'upper-case alphabet: input is upper-cased');
    assert.equal(await s.save(), false);
    assert.equal(s.unsaved, true);
    assert.match(s.error ?? '', /needs 4 characters/);
    assert.equal(s.item!.id, first.id);
    // The host refuses what the client's check cannot know: the captcha is gone.
    const gone = new LabelSession(client);
    await gone.open(dataset);
    gone.item = { ...gone.item!, id: 987654 };
    gone.input('ABCD');
    assert.equal(await gone.save(), false);
    assert.match(gone.error ?? '', /not saved: unknown captcha/);
    assert.equal(gone.text, 'ABCD', 'the typed label is kept');
    s.input('2345');
    assert.equal(await s.save(), true);
    assert.notEqual(s.item!.id, first.id);
    assert.equal(s.progress?.counts.labelled, 1);
    await s.undo();
    assert.equal(s.item!.id, first.id);
    assert.equal(s.progress?.counts.labelled, 0);
    await s.redo();
    assert.equal(s.progress?.counts.labelled, 1);
    await s.mark('flagged');
    assert.equal(s.progress?.counts.flagged, 1);
  });

  it('LabelSession: accepted pre-labels and typed labels are counted apart; only typed ones bring a retraining on', async () => {
    const s = new LabelSession(client);
    s.retrainEvery = 2;
    await s.open(prelabelled, 'least-confident');
    assert.equal(s.typedSinceRetrain, 0, 'the latest recogniser has seen every label there is');
    assert.equal(s.text, 'BBBB', 'the pre-label is filled in');
    assert.equal(await s.save(), true);
    assert.deepEqual([s.accepted, s.typed, s.typedSinceRetrain, s.text], [1, 0, 0, 'CCCC']);
    s.input('CCCD');
    assert.equal(await s.save(), true);
    assert.deepEqual([s.accepted, s.typed, s.typedSinceRetrain], [1, 1, 1]);
    assert.equal(s.retrainError, null, 'one typed label of two: no retraining yet');
    assert.equal(await s.save(), true, 'AAAA accepted');
    assert.equal(s.retrainError, null, 'an accepted pre-label brings no retraining on');
    assert.equal(s.text, '', 'the last captcha has no reading');
    s.input('DDDD');
    assert.equal(await s.save(), true);
    assert.deepEqual([s.accepted, s.typed], [2, 2]);
    // The second typed label asks for a retraining; on 4 labels the session refuses it, saying why.
    assert.match(s.retrainError ?? '', /needs at least 20 labels \(4 so far\)/);
  });

  it('labelProblem names the problem', () => {
    assert.equal(labelProblem('AB2', 4, 'AB23'), 'needs 4 characters, has 3');
    assert.equal(labelProblem('AB2x', 4, 'AB23'), 'not in the alphabet: x');
    assert.equal(labelProblem('AB23', 4, 'AB23'), null);
  });

  it('TaskTracker, ThemeState and ConnectionState', () => {
    const t = new TaskTracker();
    t.track({ task: 'a', kind: 'import-celeba' }, 'CelebA');
    t.apply('a', { type: 'progress', done: 3, total: 10 });
    assert.deepEqual([t.get('a')?.done, t.get('a')?.total, t.running.length], [3, 10, 1]);
    t.apply('a', { type: 'done', result: { count: 3, skipped: [{ file: 'x.jpg', reason: 'truncated' }], cancelled: true } });
    assert.equal(t.running.length, 0);
    assert.equal(t.get('a')?.result?.cancelled, true);
    const store = new Map<string, string>();
    const storage = { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => void store.set(k, v) };
    const theme = new ThemeState(storage, true);
    assert.equal(theme.resolved, 'dark');
    theme.cycle();
    assert.deepEqual([theme.choice, theme.resolved, store.get('gan-workbench-theme')], ['light', 'light', 'light']);
    assert.equal(new ThemeState(storage, true).choice, 'light', 'remembered');
    let listener: ((c: boolean, r?: string) => void) | null = null;
    const conn = new ConnectionState({ kind: 'browser', call: async () => ({ ok: true, value: null }), subscribe: () => () => {}, onConnection: (l) => ((listener = l), () => {}) });
    listener!(false, 'gone');
    assert.deepEqual([conn.connected, conn.reason, conn.reconnections], [false, 'gone', 0]);
    listener!(true);
    assert.deepEqual([conn.connected, conn.reason, conn.reconnections], [true, null, 1]);
  });

  it('ApiClient throws ApiCallError with the host\'s code and fields', async () => {
    await assert.rejects(client.call('runs.get', { run: 'nope' }), (err: unknown) => err instanceof ApiCallError && err.code === 'not-found');
    await assert.rejects(client.call('labels.save', { captcha: 0, label: '' }), (err: unknown) => err instanceof ApiCallError && err.code === 'invalid-payload' && err.fields.length === 2);
  });
});

