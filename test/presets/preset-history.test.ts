import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runSummary } from '../../src-core/api/server/service/dto.ts';
import { PRESETS, changesSince, presetVersion } from '../../src-core/presets/catalog.ts';
import { buildableConfig } from '../../src-core/presets/stored.ts';
import type { JobConfig, RecognizerJobConfig } from '../../src-core/presets/types.ts';
import { configDiff, getRun, listRuns } from '../../src-core/store/runs.ts';
import { rawSeries } from '../../src-core/store/metrics.ts';
import type { Db } from '../../src-core/store/open.ts';
import { tempDir } from '../helpers.ts';
import { resumeInProcess, trainInProcess, type TrainedRun } from '../run-helpers.ts';

const BIN = fileURLToPath(new URL('../../bin/gan-workbench.mjs', import.meta.url));
const TINY = { steps: '2', batchSize: '8', 'data.count': '32', sampleEvery: '0', histogramEvery: '0', checkpointEvery: '1' };

/** Rewrites a stored run's configuration as a version made before presets had versions stored it. */
function makeVersionOne(db: Db, t: TrainedRun): void {
  const { presetVersion: _v, biases: _b, batchNormKind: _k, labelJoin: _j, ...old } = t.run.config as Record<string, unknown>;
  db.prepare('UPDATE runs SET config = ? WHERE pk = ?').run(JSON.stringify(old), t.run.pk);
}

function cli(args: string[], home: string) {
  const r = spawnSync(process.execPath, [BIN, ...args, '--home', home], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('preset versions', () => {
  it('every preset carries its current version; changed presets say what changed', () => {
    for (const p of PRESETS) assert.equal(p.presetVersion, presetVersion(p.preset), p.preset);
    assert.equal(presetVersion('captcha-wdcgan-label'), 2);
    assert.match(changesSince('captcha-wdcgan-label', 1)[0]!, /^v2: labels join D before fc 1024/);
    assert.deepEqual(changesSince('captcha-wdcgan-label', 2), []);
    assert.deepEqual(changesSince('captcha-fc-wgan', 1), [], 'an unchanged preset');
    assert.match(changesSince('captcha-recognizer-ctc', 1)[0]!, /^v2: 8-pixel columns/);
    assert.match(changesSince('captcha-recognizer-ctc', 2)[0]!, /^v3: reads exactly as many characters/);
    assert.match(changesSince('captcha-recognizer-ctc', 3)[0]!, /^v4: validation evaluations are judged by the mean probability of the true texts/);
  });

  it('an old run of a changed preset still lists, shows, compares and exports; its resume is refused with the reason and the run left as it was', async () => {
    const home = tempDir();
    const old = await trainInProcess(home, 'captcha-wdcgan-label', TINY, { backend: 'wasm' });
    const current = await trainInProcess(home, 'captcha-wdcgan-label', TINY, { backend: 'wasm' });
    makeVersionOne(old.db, old);

    const listed = listRuns(old.db).map(runSummary);
    const row = listed.find((r) => r.id === old.run.id)!;
    assert.equal(row.presetVersion, 1);
    assert.match(row.presetChanges.join(' '), /labels join D before fc 1024/);
    assert.deepEqual(listed.find((r) => r.id === current.run.id)!.presetChanges, []);

    const shown = cli(['show', old.run.id], home);
    assert.equal(shown.code, 0, shown.err);
    assert.match(shown.out, /preset {3}captcha-wdcgan-label v1 \(the preset has changed since: v2: labels join D/);
    const csv = join(tempDir(), 'metrics.csv');
    const exported = cli(['export-metrics', old.run.id, current.run.id, '--out', csv], home);
    assert.equal(exported.code, 0, exported.err);
    assert.ok(readFileSync(csv, 'utf8').split('\n').some((l) => l.startsWith(`${old.run.id},d,1,`)));
    const diff = configDiff([getRun(old.db, old.run.id).config, getRun(old.db, current.run.id).config]);
    assert.ok(diff.some((d) => d.key === 'labelJoin'), 'compare shows the fields the old run lacks');

    const before = getRun(old.db, old.run.id);
    await assert.rejects(resumeInProcess(old, 1), /version 1 of captcha-wdcgan-label, whose discriminator this version no longer builds/);
    const after = getRun(old.db, old.run.id);
    assert.equal(after.status, before.status);
    assert.equal(after.stepsDone, before.stepsDone);
    assert.equal(rawSeries(old.db, old.run.pk, 'd').length, 2);
    old.db.close();
    current.db.close();
  });

  it('an old run of an unchanged architecture resumes as it was built (biases, learnable batch norm)', async () => {
    const home = tempDir();
    const t = await trainInProcess(home, 'captcha-wdcgan', { ...TINY, biases: 'true', batchNormKind: 'learnable' }, { backend: 'wasm' });
    makeVersionOne(t.db, t);
    const events = await resumeInProcess(t, 1);
    assert.ok(events.some((e) => e.type === 'done'));
    assert.equal(getRun(t.db, t.run.id).stepsDone, 3);
    t.db.close();
  });

  it('a captcha-recognizer-ctc run of version 1 (4-pixel columns, no columnWidth stored) resumes at 4-pixel columns', async () => {
    const home = tempDir();
    const t = await trainInProcess(home, 'captcha-recognizer-ctc', {
      steps: '4', batchSize: '8', 'data.count': '48', evalEvery: '2', patience: '100', checkpointEvery: '1', columnWidth: '4',
    }, { backend: 'wasm', steps: 2 });
    const { presetVersion: _v, columnWidth: _c, fixedLength: _f, weightAverage: _w, validationMeasure: _m, ...old } = t.run.config as Record<string, unknown>;
    t.db.prepare('UPDATE runs SET config = ? WHERE pk = ?').run(JSON.stringify(old), t.run.pk);
    // Versions 1 and 2 read texts of any length with training's own weights, and still do; versions 1–3 are judged by captchas read.
    const rebuilt = buildableConfig(old as unknown as JobConfig) as RecognizerJobConfig;
    assert.deepEqual([rebuilt.columnWidth, rebuilt.fixedLength, rebuilt.weightAverage, rebuilt.validationMeasure], [4, false, 0, 'captcha-accuracy']);
    // Built at today's 8 its column layer would take 1,024 inputs, not the checkpoint's 512: the resume would be refused.
    const events = await resumeInProcess(t, 2);
    assert.ok(events.some((e) => e.type === 'done'));
    assert.equal(getRun(t.db, t.run.id).stepsDone, 4);
    t.db.close();
  });

  it('a checkpoint written by another architecture is refused by name, not loaded into the wrong net', async () => {
    const home = tempDir();
    const t = await trainInProcess(home, 'captcha-wdcgan', { ...TINY, biases: 'true' }, { backend: 'wasm' });
    const changed = { ...(t.run.config as Record<string, unknown>), biases: false };
    t.db.prepare('UPDATE runs SET config = ? WHERE pk = ?').run(JSON.stringify(changed), t.run.pk);
    await assert.rejects(resumeInProcess(t, 1), /the checkpoint holds D\/conv1\/bias.*written by another architecture/);
    t.db.close();
  });
});
