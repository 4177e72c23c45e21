import assert from 'node:assert/strict';
import { describe, it, before } from 'node:test';
import { join } from 'node:path';
import sharp from 'sharp';
import { PRESET_IDS } from '../../src-core/presets/catalog.ts';
import { netTensors, readCheckpoint } from '../../src-core/training/checkpoint.ts';
import { buildGanOf } from '../../src-core/training/gan-job.ts';
import { disposeNetwork } from '../../src-core/models/network.ts';
import { resolveConfig } from '../../src-core/presets/resolve.ts';
import type { GanJobConfig } from '../../src-core/presets/types.ts';
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
      const recognizer = preset.startsWith('captcha-recognizer');
      // A GAN's weights before training are its seeded build (buildGanOf): one checkpoint, after both iterations, is
      // compared with them (a face FC net's checkpoint is ≈ 300 MB with its optimiser slots). A recogniser's two.
      const overrides: Record<string, string> = { batchSize: '4', steps: '2', checkpointEvery: recognizer ? '1' : '2', progressEvery: '1' };
      if (preset.startsWith('celeba')) overrides.data = JSON.stringify({ source: 'face-folder', path: faces });
      else overrides['data.count'] = '16';
      if (!recognizer) overrides.sampleEvery = '2';
      const ckpts: Record<string, Float32Array>[] = [];
      if (!recognizer) {
        const pair = buildGanOf(resolveConfig(preset, overrides) as GanJobConfig);
        ckpts.push(Object.fromEntries(Object.entries({ ...netTensors('D', pair.discriminator), ...netTensors('G', pair.generator) }).map(([k, v]) => [k, v.values])));
        disposeNetwork(pair.discriminator);
        disposeNetwork(pair.generator);
      }
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
      // Weights move in every trained network (between the two iterations, or from the seeded build to the end).
      assert.equal(ckpts.length, 2);
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
