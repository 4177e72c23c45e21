import { strict as assert } from 'node:assert';
import { after, describe, it } from 'node:test';
import { defaultCaptchaSettings } from '../../src-core/data/captcha-image.ts';
import { insertCaptchas, listCaptchas } from '../../src-core/store/captchas.ts';
import { insertDataset } from '../../src-core/store/datasets.ts';
import { openStore } from '../../src-core/store/index.ts';
import { insertRecognizer, savePredictions } from '../../src-core/store/recognizers.ts';
import { openTestApi } from './fixtures.ts';

describe('the least-confident labelling queue', () => {
  const api = openTestApi();
  after(() => api.close());

  it('serves unlabelled captchas, the recogniser\'s least confident reading first, unread ones last', async () => {
    const db = openStore(api.home);
    const settings = defaultCaptchaSettings();
    const { id: dataset } = insertDataset(db, { kind: 'captcha', name: 'to label', sourcePath: '/x', settings });
    const pixels = new Uint8Array(settings.width * settings.height);
    insertCaptchas(db, dataset, [0, 1, 2, 3].map((i) => ({ ordinal: i, file: `${i}.png`, pixels, label: null })));
    const ids = listCaptchas(db, dataset).map((c) => c.id);
    const r = insertRecognizer(db, {
      dataset, model: 'ctc', weightsPath: '/w', sha256: 'h', alphabet: settings.alphabet, characterAccuracy: 1, captchaAccuracy: 1,
      confusion: [], trainCaptchas: 1, validationCaptchas: 1, calibrationError: null,
    });
    savePredictions(db, r.id, [{ captcha: ids[0]!, label: 'AAAA', confidence: 0.9 }, { captcha: ids[2]!, label: 'BBBB', confidence: 0.2 }, { captcha: ids[3]!, label: 'CCCC', confidence: 0.5 }]);
    db.close();
    const order: number[] = [];
    for (let i = 0; i < 4; i++) {
      const item = await api.call<{ id: number } | null>('labels.item', { dataset, queue: 'least-confident' });
      order.push(item!.id);
      await api.call('labels.save', { captcha: item!.id, label: 'ABCD' });
    }
    assert.deepEqual(order, [ids[2], ids[3], ids[0], ids[1]]);
    assert.equal(await api.call('labels.item', { dataset, queue: 'least-confident' }), null);
  });

  it('reports how the recognisers learnt from the labels: the curve, what the latest would read, and sure pre-labels the person corrected', async () => {
    const db = openStore(api.home);
    const settings = defaultCaptchaSettings();
    const { id: dataset } = insertDataset(db, { kind: 'captcha', name: 'learning', sourcePath: '/y', settings });
    const pixels = new Uint8Array(settings.width * settings.height);
    insertCaptchas(db, dataset, [0, 1, 2, 3, 4].map((i) => ({ ordinal: i, file: `${i}.png`, pixels, label: null })));
    const ids = listCaptchas(db, dataset).map((c) => c.id);
    const base = { dataset, model: 'ctc' as const, weightsPath: '/w', sha256: 'h', alphabet: settings.alphabet, characterAccuracy: 1, confusion: [], calibrationError: null };
    insertRecognizer(db, { ...base, captchaAccuracy: 0.5, trainCaptchas: 16, validationCaptchas: 4 });
    const r = insertRecognizer(db, { ...base, captchaAccuracy: 0.9, trainCaptchas: 40, validationCaptchas: 10, labelsUsed: 45, unlabelledUsed: 900, pseudoLabelled: 700 });
    savePredictions(db, r.id, [
      { captcha: ids[0]!, label: 'AAAA', confidence: 0.95 }, { captcha: ids[1]!, label: 'BBBB', confidence: 0.97 },
      { captcha: ids[2]!, label: 'CCCC', confidence: 0.5 }, { captcha: ids[3]!, label: 'DDDD', confidence: 0.92 },
    ]);
    db.close();
    await api.call('labels.save', { captcha: ids[0]!, label: 'AAAA' });
    await api.call('labels.save', { captcha: ids[2]!, label: 'CCCD' });
    const saved = await api.call<{ progress: { learning: Record<string, unknown> } }>('labels.save', { captcha: ids[1]!, label: 'BBBD' });
    const learning = saved.progress.learning as { curve: { labels: number; captchaAccuracy: number }[]; prelabelled: number; confident: number; expectedRight: number; confidentChecked: number; confidentWrong: number };
    // The older recogniser predates label counts: its training and validation captchas are its labels.
    assert.deepEqual(learning.curve.map((p) => [p.labels, p.captchaAccuracy]), [[20, 0.5], [45, 0.9]]);
    assert.deepEqual([learning.prelabelled, learning.confident], [1, 1], 'one unlabelled captcha pre-labelled, read at ≥ 0.9');
    assert.ok(Math.abs(learning.expectedRight - 0.92) < 1e-9);
    // Two sure pre-labels were typed over: one accepted, one corrected; the unsure one is not counted.
    assert.deepEqual([learning.confidentChecked, learning.confidentWrong], [2, 1]);
  });
});
