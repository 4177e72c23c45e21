import assert from 'node:assert/strict';
import { describe, it, before } from 'node:test';
import { join } from 'node:path';
import sharp from 'sharp';
import { PRESET_IDS } from '../../src-core/presets/catalog.ts';
import { readCheckpoint } from '../../src-core/training/checkpoint.ts';
import { runFiles } from '../../src-core/runner/run-folder.ts';
import { Rng } from '../../src-core/util/rng.ts';
import { tempDir } from '../helpers.ts';
import { trainInProcess } from '../run-helpers.ts';

/** A folder of face-like test images (178×218 like CelebA's), written with sharp. */
async function writeFaces(dir: string, count: number): Promise<void> {
  const rng = new Rng(9);
  for (let i = 0; i < count; i++) {
    const raw = Buffer.alloc(178 * 218 * 3);
    for (let p = 0; p < raw.length; p++) raw[p] = Math.floor(rng.uniform() * 256);
    await sharp(raw, { raw: { width: 178, height: 218, channels: 3 } }).jpeg().toFile(join(dir, `${String(i + 1).padStart(6, '0')}.jpg`));
  }
}

describe('every thesis preset really trains (2 iterations, batch 4, wasm)', () => {
  const faces = tempDir();
  before(() => writeFaces(faces, 6));
  for (const preset of PRESET_IDS) {
    it(preset, async () => {
      const home = tempDir();
      const overrides: Record<string, string> = { batchSize: '4', steps: '2', checkpointEvery: '1', progressEvery: '1' };
      if (preset.startsWith('celeba')) overrides.data = JSON.stringify({ source: 'face-folder', path: faces });
      else overrides['data.count'] = '16';
      const recognizer = preset.startsWith('captcha-recognizer');
      if (!recognizer) overrides.sampleEvery = '2';
      const ckpts: Record<string, Float32Array>[] = [];
      const { events } = await trainInProcess(home, preset, overrides, {
        backend: 'wasm',
        onEvent: (e, run) => {
          if (e.type !== 'checkpoint') return;
          const t = readCheckpoint(runFiles(home, run.id).checkpoint).state.tensors;
          ckpts.push(Object.fromEntries(Object.entries(t).map(([k, v]) => [k, v.values])));
        },
      });
      const progress = events.filter((e) => e.type === 'progress');
      assert.equal(progress.length, 2);
      for (const p of progress) for (const v of Object.values(p.losses)) assert.ok(Number.isFinite(v), JSON.stringify(p.losses));
      // Weights move between the two iterations in every trained network.
      const [first, second] = ckpts;
      const nets = recognizer ? ['R/'] : ['D/', 'G/'];
      for (const net of nets) {
        const changed = Object.keys(first!).some((k) => k.startsWith(net) && first![k]!.some((v, i) => v !== second![k]![i]));
        assert.ok(changed, `${net} weights did not change`);
      }
      if (!recognizer) assert.ok(events.some((e) => e.type === 'samples'));
    });
  }
});

describe('the recogniser learns synthesised captchas', () => {
  it('reaches ≥ 90% held-out character accuracy in 400 steps', async () => {
    const home = tempDir();
    const { summary } = await trainInProcess(home, 'captcha-recognizer', {
      steps: '400', evalEvery: '400', 'data.count': '600', 'optimizer.learningRate': '1e-3', checkpointEvery: '400',
    }, { backend: 'wasm' });
    assert.ok(summary.losses.val_char_accuracy! >= 0.9, `accuracy ${summary.losses.val_char_accuracy}`);
  });
});
