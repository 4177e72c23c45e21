import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { openStore } from '../../src-core/store/index.ts';
import { rawSeries } from '../../src-core/store/metrics.ts';
import { listRuns } from '../../src-core/store/runs.ts';
import { tempDir, withReferenceRecognizer } from '../helpers.ts';

const BIN = fileURLToPath(new URL('../../bin/gan-workbench.mjs', import.meta.url));
// One fast experiment, a step budget (so runs are deterministic); runners on one thread
// so the test's processes do not crowd the suite's other workers.
const ARGS = ['reproduce', 'captcha', '--only', 'captcha-fc-wgan', '--seeds', '2', '--budget-steps', '4', '--json'];
const ENV = { ...process.env, GAN_WORKBENCH_WASM_THREADS: '1' };

function reproduce(home: string, out: string) {
  const r = spawnSync(process.execPath, [BIN, ...ARGS, '--home', home, '--out', out], { encoding: 'utf8', timeout: 300_000, env: ENV });
  assert.equal(r.status, 0, r.stderr);
  return { claims: (JSON.parse(r.stdout.split('\n')[0]!) as { claims: { claim: string; verdict: string }[] }).claims, log: r.stderr };
}

/** Each run's final values, keyed by preset and seed: what a report is made of. */
function finals(home: string, tag = 'reproduce-captcha-4it'): Record<string, Record<string, number>> {
  const db = openStore(home);
  try {
    const runs = listRuns(db, { tag });
    return Object.fromEntries(runs.map((r) => [`${r.preset}/${r.seed}`, Object.fromEntries(
      ['frechet', 'legibility', 'class_entropy', 'd', 'g'].map((k) => [k, rawSeries(db, r.pk, k).at(-1)!.value]),
    )]));
  } finally {
    db.close();
  }
}

/** Starts the reproduction and SIGKILLs it (and its runner) once the second run has begun. */
async function killPartWay(home: string, out: string): Promise<string> {
  const child = spawn(process.execPath, [BIN, ...ARGS, '--home', home, '--out', out], { detached: true, stdio: ['ignore', 'ignore', 'pipe'], env: ENV });
  let log = '';
  await new Promise<void>((resolve, reject) => {
    child.stderr.on('data', (d: Buffer) => {
      log += d.toString();
      if ((log.match(/: training \(run /g) ?? []).length >= 2) {
        process.kill(-child.pid!, 'SIGKILL');
        resolve();
      }
    });
    child.on('exit', () => reject(new Error(`the reproduction ended before it could be killed:\n${log}`)));
  });
  await new Promise((r) => child.once('close', r));
  return log;
}

/** Copies the reference recogniser and the synthesised captchas (made once per home) into a new home. */
function homeSharingCache(from: string): string {
  const home = tempDir();
  mkdirSync(join(home, 'cache'), { recursive: true });
  for (const f of readdirSync(join(from, 'cache'))) copyFileSync(join(from, 'cache', f), join(home, 'cache', f));
  return home;
}

describe('reproduce: a long reproduction spans several sittings', () => {
  // One straight reproduction is what both sittings are compared with (its folders made here, so the suite removes them).
  const straight = tempDir();
  const straightOut = join(tempDir(), 'report');
  let straightReport: ReturnType<typeof reproduce>;
  before(() => {
    withReferenceRecognizer(straight);
    straightReport = reproduce(straight, straightOut);
  });

  it('killed part-way and run again, it keeps the finished runs and ends with the report of one straight run', async () => {
    // The reference recogniser and the synthesised captchas are made once per home; share them to keep the test short.
    const broken = homeSharingCache(straight);
    const firstLog = await killPartWay(broken, join(tempDir(), 'report'));
    const finished = [...firstLog.matchAll(/: training \(run ([^)]+)\)/g)].slice(0, 1).map((m) => m[1]!);

    const out = join(tempDir(), 'report');
    const resumed = reproduce(broken, out);
    for (const id of finished) assert.match(resumed.log, new RegExp(`kept run ${id}`), 'a run finished before the kill is kept, not trained again');
    assert.equal(Object.keys(finals(broken)).length, 2, 'one run per experiment and seed: the cut-short run was replaced, not added to');
    assert.deepEqual(finals(broken), finals(straight));
    assert.deepEqual(resumed.claims, straightReport.claims);
    assert.match(readFileSync(join(out, 'report.md'), 'utf8'), /\| captcha-fc-wgan \| 2 \| 4 \|/);
  });

  it('stopped with Ctrl-C after a checkpoint, it continues that run from the checkpoint and ends where a straight run ends', async () => {
    const stopped = homeSharingCache(straight);
    const child = spawn(process.execPath, [BIN, ...ARGS, '--home', stopped, '--out', join(tempDir(), 'report')], { stdio: ['ignore', 'ignore', 'pipe'], env: ENV });
    let log = '';
    let interrupted = false;
    child.stderr.on('data', (d: Buffer) => {
      log += d.toString();
      // The first seed's first checkpoint (a checkpoint and an evaluation every step of the 4): three steps are left to stop in.
      if (interrupted || !/step 1: checkpoint/.test(log)) return;
      interrupted = true;
      child.kill('SIGINT');
    });
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    assert.equal(code, 130, log);
    assert.match(log, /run the same command again to continue/);

    const resumed = reproduce(stopped, join(tempDir(), 'report'));
    assert.match(resumed.log, /captcha-fc-wgan seed 0: continuing \(run [^ ]+ from step [1-3]\)/, 'the stopped run continues from its checkpoint, not from step 0');
    assert.deepEqual(finals(stopped), finals(straight));
    assert.deepEqual(resumed.claims, straightReport.claims);
  });
});
