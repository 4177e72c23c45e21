/**
 * One place decides each run rule: the CLI and the API, on the same home and the
 * same conflicts, answer with the same error code and field.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { resolveConfig } from '../../src-core/presets/resolve.ts';
import { createRun } from '../../src-core/runner/run-folder.ts';
import { openStore } from '../../src-core/store/index.ts';
import { getRun, markRunning } from '../../src-core/store/runs.ts';
import { openTestApi } from '../api/fixtures.ts';

const BIN = fileURLToPath(new URL('../../bin/gan-workbench.mjs', import.meta.url));

interface Answer {
  code: string;
  fields: string[];
}

/** The CLI's answer: exit 2 and, with --json, the error as one JSON line on stderr. */
function cli(home: string, args: string[]): Answer {
  const r = spawnSync(process.execPath, [BIN, ...args, '--json', '--home', home], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 2, `${args.join(' ')}: exit ${r.status}\n${r.stderr}`);
  const { error } = JSON.parse(r.stderr.trim().split('\n').at(-1)!) as { error: { code: string; fields: { key: string }[] } };
  return { code: error.code, fields: error.fields.map((f) => f.key) };
}

describe('the CLI and the API apply the same run rules', () => {
  it('resume or delete a running run, start with an invalid setting: same code and field from both', async () => {
    const api = openTestApi();
    try {
      // A run that another process is training (this test process holds its pid, so it stays "running").
      const db = openStore(api.home);
      const run = createRun(db, api.home, resolveConfig('captcha-fc-wgan', { steps: '4' }), 'wasm');
      markRunning(db, run.pk, { backend: 'wasm', dataset: 'test', targetSteps: 4 });
      db.close();

      const viaApi = async (method: string, payload: unknown): Promise<Answer> => {
        const r = await api.dispatch(method, payload);
        assert.ok(!r.ok, `${method} should be refused`);
        return { code: r.error.code, fields: (r.error.fields ?? []).map((f) => f.key) };
      };
      const cases: [string, Answer, Answer][] = [
        ['resume a running run', await viaApi('runs.resume', { run: run.id }), cli(api.home, ['resume', run.id])],
        ['delete a running run', await viaApi('runs.delete', { run: run.id }), cli(api.home, ['delete', run.id])],
        ['start with an invalid setting',
          await viaApi('runs.start', { preset: 'captcha-dcgan', overrides: { 'clip.value': '-1' } }),
          cli(api.home, ['train', '--preset', 'captcha-dcgan', '--set', 'clip.value=-1'])],
        ['start an unknown preset',
          await viaApi('runs.start', { preset: 'captcha-dcgn', overrides: {} }), cli(api.home, ['train', '--preset', 'captcha-dcgn'])],
        ['resume an unknown run', await viaApi('runs.resume', { run: 'no-such-run' }), cli(api.home, ['resume', 'no-such-run'])],
      ];
      const expected: Record<string, Answer> = {
        'resume a running run': { code: 'conflict', fields: [] },
        'delete a running run': { code: 'conflict', fields: [] },
        'start with an invalid setting': { code: 'invalid-config', fields: ['clip.value'] },
        'start an unknown preset': { code: 'invalid-config', fields: ['preset'] },
        'resume an unknown run': { code: 'not-found', fields: [] },
      };
      for (const [name, fromApi, fromCli] of cases) {
        assert.deepEqual(fromCli, fromApi, `${name}: the CLI and the API disagree`);
        assert.deepEqual(fromApi, expected[name], name);
      }
      // Refused means untouched: the run is still there and still running.
      const after = openStore(api.home);
      assert.equal(getRun(after, run.id).status, 'running');
      after.close();
    } finally {
      await api.close();
    }
  });
});
