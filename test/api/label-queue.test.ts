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
});
