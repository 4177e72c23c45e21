import { strict as assert } from 'node:assert';
import { after, describe, it } from 'node:test';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { API, METHOD_NAMES } from '../../src-core/api/contract/methods.ts';
import { openTestApi } from './fixtures.ts';

describe('API dispatcher (real service, temporary home)', () => {
  const api = openTestApi();
  after(() => api.close());
  const runCount = async () => (await api.call<{ total: number }>('runs.list', {})).total;

  it('every method of the contract has a handler, and no handler is outside the contract', () => {
    assert.deepEqual(Object.keys(api.service.handlers).sort(), [...METHOD_NAMES].sort());
    for (const m of METHOD_NAMES) assert.ok(API[m].input, m);
  });

  it('rejects an unknown method without doing anything', async () => {
    const r = await api.dispatch('runs.launchMissiles', {});
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.error.code, 'unknown-method');
    const proto = await api.dispatch('__proto__', {});
    assert.equal(!proto.ok && proto.error.code, 'unknown-method');
    const notString = await api.dispatch(42, {});
    assert.equal(!notString.ok && notString.error.code, 'unknown-method');
  });

  it('rejects a malformed payload with field errors, and starts nothing', async () => {
    for (const payload of [{ preset: 7, overrides: {} }, { preset: 'captcha-dcgan', overrides: { steps: 5 } }, null, 'x', { overrides: {} }]) {
      const r = await api.dispatch('runs.start', payload);
      assert.equal(r.ok, false, JSON.stringify(payload));
      assert.equal(!r.ok && r.error.code, 'invalid-payload');
      assert.ok(!r.ok && r.error.fields && r.error.fields.length > 0);
    }
    const label = await api.dispatch('labels.save', { captcha: -1, label: '' });
    assert.deepEqual(!label.ok && label.error.fields?.map((f) => f.key).sort(), ['captcha', 'label']);
    assert.equal(await runCount(), 0);
    assert.equal(existsSync(join(api.home, 'runs')) ? readdirSync(join(api.home, 'runs')).length : 0, 0);
  });

  it('reports invalid settings per field (inline errors) and starts nothing', async () => {
    const v = await api.call<{ config: unknown; errors: { key: string; message: string }[] }>('presets.validate', {
      preset: 'captcha-dcgan', overrides: { batchSize: '-3', 'discriminatorOptimizer.learningRate': 'fast', steps: '10' },
    });
    assert.equal(v.config, null);
    assert.deepEqual(v.errors.map((e) => e.key).sort(), ['batchSize', 'discriminatorOptimizer.learningRate']);
    assert.match(v.errors.find((e) => e.key === 'batchSize')!.message, /out of range/);
    const r = await api.dispatch('runs.start', { preset: 'captcha-dcgan', overrides: { batchSize: '-3' } });
    assert.equal(!r.ok && r.error.code, 'invalid-config');
    assert.equal(!r.ok && r.error.fields?.[0]?.key, 'batchSize');
    const ok = await api.call<{ config: { batchSize: number }; errors: unknown[] }>('presets.validate', { preset: 'captcha-dcgan', overrides: { batchSize: '32' } });
    assert.equal(ok.config.batchSize, 32);
    assert.equal(await runCount(), 0);
  });

  it('maps unknown ids to not-found', async () => {
    const r = await api.dispatch('runs.get', { run: 'no-such-run' });
    assert.equal(!r.ok && r.error.code, 'not-found');
    const d = await api.dispatch('labels.item', { dataset: 99 });
    assert.equal(!d.ok && d.error.code, 'not-found');
  });
});
