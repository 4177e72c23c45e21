import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../helpers.ts';

const BIN = fileURLToPath(new URL('../../bin/gan-workbench.mjs', import.meta.url));

function cli(args: string[], home: string) {
  const r = spawnSync(process.execPath, [BIN, ...args, '--home', home], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('gan-workbench run history commands', () => {
  it('train records into the store; runs, show, tag, note, export-metrics and delete work on it', () => {
    const home = tempDir();
    const tiny = ['--batch', '8', '--set', 'data.count=32', '--steps', '3', '--backend', 'wasm', '--json'];
    const first = JSON.parse(cli(['train', '--preset', 'captcha-fc-wgan', ...tiny], home).out.trim().split('\n').at(-1)!) as { run: string };
    const second = JSON.parse(cli(['train', '--preset', 'captcha-fc-gan', ...tiny], home).out.trim().split('\n').at(-1)!) as { run: string };

    const list = JSON.parse(cli(['runs', '--json'], home).out) as { id: string; status: string; stepsDone: number; backend: string }[];
    assert.deepEqual(list.map((r) => r.id).sort(), [first.run, second.run].sort());
    assert.ok(list.every((r) => r.status === 'completed' && r.stepsDone === 3 && r.backend.startsWith('wasm 4.22.0')));

    assert.equal(cli(['tag', first.run, 'baseline'], home).code, 0);
    assert.equal(cli(['note', first.run.slice(0, -2), 'clip', 'at', '0.05'], home).code, 0);
    const tagged = JSON.parse(cli(['runs', '--json', '--tag', 'baseline'], home).out) as { id: string }[];
    assert.deepEqual(tagged.map((r) => r.id), [first.run]);
    assert.deepEqual((JSON.parse(cli(['runs', '--json', '--preset', 'captcha-fc-gan'], home).out) as { id: string }[]).map((r) => r.id), [second.run]);

    const shown = JSON.parse(cli(['show', first.run, '--json'], home).out) as {
      tags: string[]; notes: string; metrics: { key: string; count: number }[]; samples: unknown[]; checkpoint: { step: number }; config: { preset: string };
    };
    assert.deepEqual(shown.tags, ['baseline']);
    assert.equal(shown.notes, 'clip at 0.05');
    assert.deepEqual(shown.metrics.map((m) => [m.key, m.count]), [['d', 3], ['g', 3], ['wasserstein', 3]]);
    assert.equal(shown.checkpoint.step, 3);
    assert.equal(shown.config.preset, 'captcha-fc-wgan');
    assert.match(cli(['show', first.run], home).out, /status\s+completed/);
    assert.match(cli(['runs', '--metric', 'd'], home).out, /best d/);

    const csv = join(home, 'metrics.csv');
    assert.equal(cli(['export-metrics', first.run, second.run, '--out', csv], home).code, 0);
    const lines = readFileSync(csv, 'utf8').trim().split('\n');
    assert.equal(lines[0], 'run,key,step,seconds,value');
    assert.equal(lines.length, 1 + 9 + 6);
    const json = join(home, 'metrics.json');
    assert.equal(cli(['export-metrics', first.run, '--out', json], home).code, 0);
    const exported = JSON.parse(readFileSync(json, 'utf8')) as { runs: { run: string; metrics: Record<string, number[][]> }[] };
    assert.equal(exported.runs[0]!.run, first.run);
    assert.deepEqual(exported.runs[0]!.metrics.d!.map((p) => p[0]), [1, 2, 3]);
    assert.deepEqual(JSON.parse(cli(['runs', '--json', '--since', '2999-01-01'], home).out), []);

    assert.equal(cli(['delete', second.run], home).code, 0);
    assert.ok(!existsSync(join(home, 'runs', second.run)));
    assert.deepEqual((JSON.parse(cli(['runs', '--json'], home).out) as { id: string }[]).map((r) => r.id), [first.run]);
  });

  it('an unknown run id is a clear error with exit code 2', () => {
    const home = tempDir();
    for (const args of [['show', 'nope'], ['tag', 'nope', 'x'], ['note', 'nope', 'x'], ['delete', 'nope'], ['export-metrics', 'nope', '--out', join(home, 'x.csv')], ['resume', 'nope']]) {
      const r = cli(args, home);
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.err, /unknown run "nope"/);
    }
    assert.match(cli(['runs', '--status', 'lost'], home).err, /--status: "lost" is not one of queued, running/);
  });
});
