import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PRESETS, PRESET_IDS } from '../../src-core/presets/catalog.ts';
import { resolveConfig } from '../../src-core/presets/resolve.ts';
import { ConfigError } from '../../src-core/domain/errors.ts';
import type { GanJobConfig } from '../../src-core/presets/types.ts';

const gan = (id: string) => resolveConfig(id) as GanJobConfig;

describe('presets', () => {
  it('has one stable id per thesis experiment', () => {
    assert.deepEqual(PRESET_IDS, [
      'captcha-recognizer', 'captcha-dcgan', 'captcha-fc-gan', 'captcha-fc-wgan', 'captcha-wdcgan', 'captcha-wdcgan-update',
      'captcha-wdcgan-update-adaptive', 'captcha-dcgan-label', 'captcha-wdcgan-label', 'captcha-wdcgan-label-update',
      'captcha-wdcgan-label-projection', 'captcha-wdcgan-gp', 'captcha-wdcgan-gp-paper', 'captcha-fc-wgan-gp', 'captcha-fc-wgan-gp-paper',
      'celeba-dcgan', 'celeba-wdcgan', 'celeba-wdcgan-gp', 'celeba-wdcgan-update', 'celeba-fc-wgan', 'celeba-fc-wgan-conv', 'celeba-fc-wgan-deconv',
      // Beyond the thesis (#17).
      'captcha-recognizer-ctc',
    ]);
    for (const p of PRESETS) assert.doesNotThrow(() => resolveConfig(p.preset), p.preset);
  });

  it('carries SPEC\'s recipes', () => {
    assert.deepEqual(gan('captcha-dcgan').schedule, { kind: 'fixed', ratio: { d: 1, g: 5 } });
    assert.equal(gan('captcha-dcgan').discriminatorOptimizer.kind, 'adam');
    const fc = gan('captcha-fc-wgan');
    assert.deepEqual([fc.loss, fc.clip.policy, fc.clip.value, fc.discriminatorOptimizer.kind], ['wgan', 'all', 0.05, 'rmsprop']);
    assert.deepEqual(fc.schedule, { kind: 'fixed', ratio: { d: 3, g: 1 } });
    assert.equal(gan('captcha-fc-gan').loss, 'gan');
    // §3: the thesis's code has no biases and a parameter-free batch norm; its FC nets add biases.
    assert.deepEqual([gan('captcha-dcgan').biases, gan('captcha-dcgan').batchNormKind], [false, 'parameter-free']);
    assert.equal(fc.biases, true);
    // §6 as reported: §5 + smoothing tail + selective clipping, 1 : 5, no schedule; the schedule is its own preset.
    const upd = gan('captcha-wdcgan-update');
    assert.deepEqual([upd.architecture, upd.clip.policy, upd.schedule], ['captcha-dcgan-smoothing', 'selective', { kind: 'fixed', ratio: { d: 1, g: 5 } }]);
    const adaptive = gan('captcha-wdcgan-update-adaptive');
    assert.deepEqual({ ...adaptive, schedule: upd.schedule, preset: upd.preset, title: upd.title, presetVersion: upd.presetVersion }, upd, 'only the schedule differs');
    assert.equal(adaptive.schedule.kind, 'adaptive');
    // §9 as the thesis ran it: the compared run's model, optimiser and ratio, the penalty instead of clipping.
    const gp = gan('captcha-wdcgan-gp');
    assert.deepEqual([gp.loss, gp.gpWeight, gp.discriminatorBatchNorm, gp.clip.policy, gp.architecture], ['wgan-gp', 10, false, 'none', 'captcha-dcgan-smoothing']);
    assert.deepEqual([gp.discriminatorOptimizer, gp.schedule], [upd.discriminatorOptimizer, upd.schedule]);
    const fcGp = gan('captcha-fc-wgan-gp');
    assert.deepEqual([fcGp.loss, fcGp.clip.policy, fcGp.discriminatorOptimizer, fcGp.schedule], ['wgan-gp', 'none', fc.discriminatorOptimizer, fc.schedule]);
    // The WGAN-GP paper's settings as extras.
    for (const id of ['captcha-wdcgan-gp-paper', 'captcha-fc-wgan-gp-paper']) {
      assert.deepEqual(gan(id).discriminatorOptimizer, { kind: 'adam', learningRate: 1e-4, beta1: 0, beta2: 0.9, epsilon: 1e-8 });
      assert.deepEqual(gan(id).schedule, { kind: 'fixed', ratio: { d: 5, g: 1 } });
    }
    // §7: labels join D before fc 1024; the projection discriminator is an extra.
    assert.equal(gan('captcha-wdcgan-label').labelJoin, 'features');
    assert.equal(gan('captcha-wdcgan-label-projection').labelJoin, 'projection');
    assert.deepEqual(gan('celeba-wdcgan').schedule, { kind: 'phased', first: { d: 5, g: 2 }, iterations: 25, then: { d: 2, g: 1 } });
    assert.deepEqual(gan('celeba-dcgan').schedule, { kind: 'fixed', ratio: { d: 1, g: 2 } });
    assert.equal(gan('captcha-wdcgan-label').labelConditioned, true);
  });

  it('every field is overridable and the result is what gets recorded', () => {
    const c = resolveConfig('captcha-wdcgan', {
      'discriminatorOptimizer.learningRate': '5e-5', 'clip.value': '0.01', 'schedule.ratio.g': '2',
    }) as GanJobConfig;
    assert.equal(c.discriminatorOptimizer.learningRate, 5e-5);
    assert.equal(c.clip.value, 0.01);
    assert.deepEqual(c.schedule, { kind: 'fixed', ratio: { d: 1, g: 2 } });
    const whole = resolveConfig('captcha-dcgan', { schedule: '{"kind":"phased","first":{"d":5,"g":1},"iterations":10,"then":{"d":1,"g":1}}' }) as GanJobConfig;
    assert.equal(whole.schedule.kind, 'phased');
    assert.equal((resolveConfig('celeba-dcgan', { imageSize: '128' }) as GanJobConfig).imageSize, 128);
  });

  it('takes a setting as the number or boolean a caller holds, checked like a typed one', () => {
    const c = resolveConfig('captcha-dcgan', { steps: 500, labelConditioned: true, seed: 7 }) as GanJobConfig;
    assert.deepEqual([c.steps, c.labelConditioned, c.seed], [500, true, 7]);
    const bad: [Record<string, number | boolean>, RegExp][] = [
      [{ batchSize: 2.5 }, /batchSize: 2.5 must be a whole number/],
      [{ steps: Number.NaN }, /steps: NaN is not a finite number/],
      [{ labelConditioned: 1 }, /labelConditioned: expected a boolean, got 1/],
      [{ steps: true }, /steps: expected a number, got true/],
      [{ schedule: 3 }, /schedule: give a JSON object/],
    ];
    for (const [overrides, message] of bad) {
      assert.throws(() => resolveConfig('captcha-dcgan', overrides), (e: unknown) => e instanceof ConfigError && message.test(e.message), JSON.stringify(overrides));
    }
  });

  it('refuses unknown keys, bad values and half-changed unions with the valid choices', () => {
    const bad: [Record<string, string>, RegExp][] = [
      [{ nope: '1' }, /unknown setting "nope".*valid settings: architecture/],
      [{ imageSize: '96' }, /imageSize: 96 is out of range|imageSize: 96 is not one of 64, 128/],
      [{ batchSize: '2.5' }, /batchSize: 2.5 must be a whole number/],
      [{ 'schedule.kind': 'phased' }, /set the whole object/],
      [{ discriminatorOptimizer: '{"kind":"adam","learningRate":0.1}' }, /adam needs numbers beta1, beta2, epsilon/],
      [{ labelConditioned: 'yes' }, /expected true or false/],
      [{ architecture: 'celeba-dcgan' }, /does not fit architecture/],
      // Keys on the prototype are not settings.
      [Object.fromEntries([['__proto__', '{"steps":1}']]), /unknown setting "__proto__"/],
      [{ 'constructor.prototype': '{}' }, /unknown setting/],
      [{ toString: '1' }, /unknown setting "toString"/],
    ];
    for (const [overrides, message] of bad) {
      assert.throws(() => resolveConfig('captcha-dcgan', overrides), (e: unknown) => e instanceof ConfigError && message.test(e.message), JSON.stringify(overrides));
    }
  });
});
