import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CAPTCHA_ALPHABET } from '../../src-core/models/captcha.ts';
import { CAPTCHA_HEIGHT, CAPTCHA_WIDTH, cutTiles, synthesizeCaptchas } from '../../src-core/data/captcha-synth.ts';
import { BatchSampler } from '../../src-core/data/sampler.ts';
import { loadImageSet } from '../../src-core/data/load.ts';
import { tempDir } from '../helpers.ts';

describe('captcha synthesiser', () => {
  it('is deterministic per seed and differs across seeds', async () => {
    const a = await synthesizeCaptchas(20, 7);
    const b = await synthesizeCaptchas(20, 7);
    const c = await synthesizeCaptchas(20, 8);
    assert.deepEqual(a.map((x) => x.text), b.map((x) => x.text));
    assert.deepEqual(a.map((x) => Array.from(x.pixels)), b.map((x) => Array.from(x.pixels)));
    assert.notDeepEqual(a.map((x) => x.text), c.map((x) => x.text));
  });

  it('draws 4 characters of the 32-symbol alphabet on 20×80 binary images', async () => {
    const captchas = await synthesizeCaptchas(200, 3);
    const seen = new Set<string>();
    for (const cap of captchas) {
      assert.equal(cap.text.length, 4);
      for (const ch of cap.text) {
        assert.ok(CAPTCHA_ALPHABET.includes(ch));
        seen.add(ch);
      }
      assert.equal(cap.pixels.length, CAPTCHA_HEIGHT * CAPTCHA_WIDTH);
      assert.ok(cap.pixels.every((v) => v === 0 || v === 1));
    }
    assert.equal(seen.size, 32, 'every symbol occurs in 800 draws');
  });

  it('renders real glyphs: every tile carries ink, glyph-sized, not a filled or empty box', async () => {
    const { tiles, labels } = cutTiles(await synthesizeCaptchas(50, 4));
    assert.equal(labels.length, 200);
    for (let t = 0; t < labels.length; t++) {
      const tile = tiles.subarray(t * 400, (t + 1) * 400);
      const ink = tile.reduce((s, v) => s + v, 0) / 400;
      assert.ok(ink > 0.08 && ink < 0.6, `tile ${t} ink share ${ink}`);
    }
    // Different characters give different mean images: the labels describe the pixels.
    const mean = (cls: number) => {
      const acc = new Float32Array(400);
      let n = 0;
      labels.forEach((l, t) => {
        if (l !== cls) return;
        n += 1;
        for (let p = 0; p < 400; p++) acc[p]! += tiles[t * 400 + p]!;
      });
      return acc.map((v) => v / Math.max(n, 1));
    };
    const [m0, m1] = [mean(labels[0]!), mean(labels.find((l) => l !== labels[0])!)];
    const distance = m0.reduce((s, v, i) => s + Math.abs(v - m1[i]!), 0);
    assert.ok(distance > 20, `class means differ by ${distance}`);
  });
});

describe('training data', () => {
  it('synthesised captchas are cached in the home folder and reload identically', async () => {
    const cache = tempDir();
    const a = await loadImageSet({ source: 'synth-captchas', count: 24, seed: 2 }, { cacheDir: cache });
    const b = await loadImageSet({ source: 'synth-captchas', count: 24, seed: 2 }, { cacheDir: cache });
    assert.equal(a.count, 96);
    assert.deepEqual(Array.from(a.labels!), Array.from(b.labels!));
    assert.deepEqual(Array.from(a.images.subarray(0, 2000)), Array.from(b.images.subarray(0, 2000)));
  });

  it('the sampler visits every image once per epoch and restores its position exactly', async () => {
    const set = await loadImageSet({ source: 'synth-captchas', count: 10, seed: 1 });
    const s = new BatchSampler(set, 8, 5);
    const seen: number[] = [];
    for (let i = 0; i < 5; i++) seen.push(...s.next().labels!);
    const state = s.getState();
    const next = Array.from(s.next().labels!);
    const restored = new BatchSampler(set, 8, 99);
    restored.setState(state);
    assert.deepEqual(Array.from(restored.next().labels!), next);
    const epoch = seen.slice(0, 40).sort((x, y) => x - y);
    assert.deepEqual(epoch, Array.from(set.labels!).sort((x, y) => x - y));
  });
});
