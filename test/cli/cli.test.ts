import assert from 'node:assert/strict';
import { spawnSync, spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { PRESET_IDS } from '../../src-core/presets/catalog.ts';
import { tempDir } from '../helpers.ts';

const BIN = fileURLToPath(new URL('../../bin/gan-workbench.mjs', import.meta.url));
/** Tiny but real runs. */
const TINY = ['--batch', '8', '--set', 'data.count=32', '--set', 'sampleEvery=2'];

function cli(args: string[], home: string) {
  const r = spawnSync(process.execPath, [BIN, ...args, '--home', home], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const jsonLines = (text: string) => text.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);

describe('gan-workbench CLI', () => {
  it('presets --json lists every thesis experiment with its resolved settings', () => {
    const r = cli(['presets', '--json'], tempDir());
    assert.equal(r.code, 0);
    const presets = JSON.parse(r.out) as { preset: string; batchSize: number }[];
    assert.deepEqual(presets.map((p) => p.preset), PRESET_IDS);
    assert.equal(PRESET_IDS.length, 23);
  });

  it('bad input exits 2 with a clear message and writes nothing', () => {
    const home = tempDir();
    const cases: [string[], RegExp][] = [
      [['train', '--preset', 'captcha-dcgn'], /unknown preset "captcha-dcgn"; valid presets: captcha-recognizer, captcha-dcgan/],
      [['train', '--preset', 'captcha-dcgan', '--set', 'learningrate=1'], /unknown setting "learningrate".*valid settings:.*discriminatorOptimizer.learningRate/],
      [['train', '--preset', 'captcha-dcgan', '--set', 'clip.value=-1'], /clip.value: -1 is out of range/],
      [['train', '--preset', 'captcha-dcgan', '--set', 'loss=hinge'], /loss: "hinge" is not one of gan, wgan, wgan-gp, lsgan/],
      [['train', '--preset', 'captcha-dcgan', '--batch', 'x'], /--batch takes a whole number/],
      [['train', '--preset', 'captcha-dcgan', '--backend', 'tpu'], /--backend: "tpu" is not one of auto, tensorflow, webgpu, wasm, cpu/],
      [['train', '--preset', 'captcha-dcgan', '--frobnicate'], /unknown option --frobnicate/],
      [['train', '--preset', 'celeba-dcgan'], /pass --data DIR with a folder of face images/],
      [['resume', 'no-such-run'], /unknown run "no-such-run"/],
      [['fly'], /unknown command "fly"/],
      // Off loopback the token would cross the network: TLS, or an explicit --insecure.
      [['serve', '--host', '0.0.0.0'], /--host 0.0.0.0 is reachable from other machines: give --tls-cert FILE --tls-key FILE/],
      [['serve', '--tls-cert', 'c.pem'], /--tls-cert and --tls-key go together/],
      [['serve', '--data-root', '/no/such/folder'], /--data-root \/no\/such\/folder does not exist/],
    ];
    for (const [args, message] of cases) {
      const r = cli(args, home);
      assert.equal(r.code, 2, `${args.join(' ')}: exit ${r.code}\n${r.err}`);
      assert.match(r.err, message);
    }
    assert.deepEqual(existsSync(join(home, 'runs')) ? readdirSync(join(home, 'runs')) : [], []);
  });

  it('train --json prints progress lines and a final summary; resume continues the run', () => {
    const home = tempDir();
    const r = cli(['train', '--preset', 'captcha-fc-wgan', '--steps', '4', '--backend', 'wasm', '--json', ...TINY], home);
    assert.equal(r.code, 0, r.err);
    const lines = jsonLines(r.out);
    const progress = lines.filter((l) => l.type === 'progress');
    assert.deepEqual(progress.map((p) => p.step), [1, 2, 3, 4]);
    for (const p of progress) {
      assert.equal(typeof p.seconds, 'number');
      const losses = p.losses as Record<string, number>;
      assert.ok(Number.isFinite(losses.d) && Number.isFinite(losses.g) && Number.isFinite(losses.wasserstein));
    }
    assert.ok(lines.some((l) => l.type === 'samples'));
    const summary = lines.at(-1)!;
    assert.deepEqual(Object.keys(summary).sort(), ['backend', 'losses', 'preset', 'run', 'seconds', 'status', 'steps']);
    assert.equal(summary.steps, 4);
    assert.equal(summary.preset, 'captcha-fc-wgan');
    assert.match(String(summary.backend), /^wasm 4\.22\.0/);

    const again = cli(['resume', String(summary.run), '--steps', '3', '--json'], home);
    assert.equal(again.code, 0, again.err);
    const resumed = jsonLines(again.out);
    assert.deepEqual(resumed.filter((l) => l.type === 'progress').map((p) => p.step), [5, 6, 7]);
    assert.equal(resumed.at(-1)!.steps, 7);
  });

  it('human output shows a progress bar with it/s and ETA', () => {
    const r = cli(['train', '--preset', 'captcha-fc-gan', '--steps', '2', '--backend', 'wasm', ...TINY], tempDir());
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /2\/2 [\d.]+ it\/s ETA/);
    assert.match(r.out, /^completed captcha-fc-gan-\S+: 2 steps in [\d.]+ s on wasm/);
  });

  it('SIGINT stops the run cleanly: it checkpoints and reports "stopped"', async () => {
    const home = tempDir();
    const child = spawn(process.execPath, [BIN, 'train', '--preset', 'captcha-fc-wgan', '--steps', '100000', '--json', '--home', home, ...TINY]);
    let out = '';
    let sent = false;
    child.stdout.setEncoding('utf8');
    const code = await new Promise<number | null>((resolve) => {
      child.stdout.on('data', (chunk: string) => {
        out += chunk;
        if (!sent && out.includes('"step":3,')) {
          sent = true;
          child.kill('SIGINT');
        }
      });
      child.on('exit', resolve);
    });
    assert.equal(code, 0);
    const summary = jsonLines(out).at(-1)!;
    assert.equal(summary.status, 'stopped');
    assert.ok(Number(summary.steps) >= 3 && Number(summary.steps) < 100000);
    assert.ok(existsSync(join(home, 'runs', String(summary.run), 'checkpoint.ckpt')));
  });
});
