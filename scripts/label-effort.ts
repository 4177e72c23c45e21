/**
 * The label-effort oracle (`npm run bench -- effort …`, issue #30): a person who always knows the right label labels a
 * whole captcha folder through the app's own labelling session — the renderer's `LabelSession` over the real service
 * and a real SQLite file, the least-confident queue first, a pre-label accepted as it stands when it is right (Enter),
 * the label typed when it is wrong or missing, the recogniser retrained every K typed labels and the unlabelled
 * captchas pre-labelled with it. The oracle waits for each retraining (a person who keeps typing meanwhile types at
 * most as many labels as this counts: the recogniser they type against is one retraining older).
 * The right labels come from the file names; the import itself does not read them.
 *
 * Run as `node --import tsx --import ./test/support/svelte-register.mjs scripts/label-effort.ts --folder DIR
 * --length N --alphabet S --size WxH [--count C] [--every K] [--seconds S]`: the session class is a Svelte 5 rune
 * module, compiled on import as the test suite compiles it. Prints a line per retraining and the totals; asserts nothing.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { basename, extname, join, resolve } from 'node:path';
import { parseArgs, intFlag, stringFlag } from '../src-core/cli/args.ts';
import { createDispatcher } from '../src-core/api/server/dispatcher.ts';
import { createService } from '../src-core/api/server/service/index.ts';
import type { ApiEvent } from '../src-core/api/contract/events.ts';
import { ApiClient, type Transport } from '../renderer/src/lib/api.ts';
import { LabelSession } from '../renderer/src/state/labelling.svelte.ts';
import { CAPTCHA_EXTENSIONS } from '../src-core/data/import-captchas.ts';
import { defaultCaptchaSettings } from '../src-core/data/captcha-image.ts';
import { listCaptchas } from '../src-core/store/captchas.ts';
import { openStore } from '../src-core/store/index.ts';

export interface EffortOptions { folder: string; length: number; alphabet: string; width: number; height: number; count?: number; every: number; seconds: number }

export interface EffortResult { captchas: number; typed: number; accepted: number; retrainings: number; trainingSeconds: number; prelabelSeconds: number; confidentWrong: number; confidentChecked: number; wrongLabels: number }

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The first `count` captcha images of a folder (by name), linked into a fresh folder, so a set of that size can be imported. */
function firstImages(folder: string, count: number | undefined, into: string): string {
  if (count === undefined) return folder;
  const files = readdirSync(folder).filter((f) => CAPTCHA_EXTENSIONS.has(extname(f).toLowerCase())).sort().slice(0, count);
  mkdirSync(into, { recursive: true });
  for (const f of files) symlinkSync(resolve(folder, f), join(into, f));
  return into;
}

export async function labelEffort(o: EffortOptions, log: (line: string) => void = console.log): Promise<EffortResult> {
  const home = mkdtempSync(join(tmpdir(), 'gwb-bench-effort-'));
  const service = createService({ home, shell: 'browser' });
  const dispatch = createDispatcher(service.handlers);
  const transport: Transport = { kind: 'browser', call: dispatch, subscribe: service.subscribe, onConnection: () => () => {} };
  const session = new LabelSession(new ApiClient(transport));
  const taskEnds = new Map<string, { ok: boolean; message?: string }>();
  // The app's event routing (renderer/src/state/app.svelte.ts): a retraining's end starts the pre-labelling.
  const unsubscribe = service.subscribe((e: ApiEvent) => {
    if (e.topic === 'run' && e.event.type === 'done') void session.onRunEnded(e.run, e.event.summary.status === 'completed');
    if (e.topic === 'run' && e.event.type === 'error') void session.onRunEnded(e.run, false, e.event.message);
    if (e.topic === 'task' && e.event.type !== 'progress') {
      taskEnds.set(e.task, { ok: e.event.type === 'done', message: e.event.type === 'failed' ? e.event.message : undefined });
      void session.onTaskEnded(e.task);
    }
  });
  const call = async <T>(method: string, payload: unknown): Promise<T> => {
    const r = await dispatch(method, payload);
    if (!r.ok) throw new Error(`${method}: ${r.error.message}`);
    return r.value as T;
  };
  const waitTask = async (task: string) => {
    while (!taskEnds.has(task)) await sleep(200);
    const end = taskEnds.get(task)!;
    if (!end.ok) throw new Error(`task ${task} failed: ${end.message ?? 'no message'}`);
  };
  try {
    const folder = firstImages(o.folder, o.count, join(home, 'captchas'));
    const { task } = await call<{ task: string }>('datasets.importCaptchas', {
      folder, labelsFromFilenames: false,
      settings: { ...defaultCaptchaSettings(o.length, o.alphabet), width: o.width, height: o.height },
    });
    await waitTask(task);
    const datasets = await call<{ id: number; name: string }[]>('datasets.list', {});
    const dataset = datasets.at(-1)!.id;
    session.retrainEvery = o.every;
    session.retrainSeconds = o.seconds;
    await session.open(dataset, 'least-confident');
    const total = session.progress!.counts.total;
    log(`${total} captchas imported unlabelled from ${o.folder}; retraining every ${o.every} typed labels for at most ${o.seconds} s`);
    const truth = (file: string) => basename(file, extname(file));
    let retrainings = 0;
    let trainingSeconds = 0;
    let prelabelSeconds = 0;
    while (session.item) {
      const right = truth(session.item.file);
      if (session.text !== right) session.input(right);
      const labelsAtLastRetrain = session.labelsAtRetrain;
      if (!(await session.save())) throw new Error(`the session would not save ${session.item.file}: ${session.error}`);
      // A retraining started with this save (it notes the labels it starts on): wait for it and for the pre-labelling
      // after it, as a person would who pauses.
      if (session.labelsAtRetrain !== labelsAtLastRetrain) {
        const t0 = performance.now();
        while (session.retrainRun === null && session.retrainError === null) await sleep(100);
        while (session.retrainRun !== null) await sleep(500);
        const t1 = performance.now();
        while (session.prelabelTask === null && session.retrainError === null) await sleep(100);
        while (session.prelabelTask !== null) await sleep(200);
        if (session.retrainError) throw new Error(session.retrainError);
        trainingSeconds += (t1 - t0) / 1000;
        prelabelSeconds += (performance.now() - t1) / 1000;
        retrainings++;
        const point = session.progress!.learning.curve.at(-1);
        log(`retraining ${retrainings}: on ${session.labelsAtRetrain} labels (${session.typed} typed, ${session.accepted} accepted) · read ${((point?.captchaAccuracy ?? 0) * 100).toFixed(1)}% of its held-out captchas · ` +
          `${session.progress!.learning.confident} of ${session.progress!.learning.prelabelled} unlabelled read at ≥ 90% · ${((t1 - t0) / 1000).toFixed(0)} s training, ${((performance.now() - t1) / 1000).toFixed(0)} s pre-labelling`);
        // The queue's order changed with the new readings: take its head.
        await session.open(dataset, 'least-confident');
      }
    }
    const progress = await call<{ counts: Record<string, number>; learning: { confidentWrong: number; confidentChecked: number } }>('labels.progress', { dataset });
    // Every label in the store is checked against the file names: the session must have saved exactly what was typed or accepted.
    const db = openStore(home);
    const wrongLabels = listCaptchas(db, dataset, {}).filter((c) => c.label !== truth(c.file)).length;
    db.close();
    const result: EffortResult = {
      captchas: progress.counts.labelled ?? 0, typed: session.typed, accepted: session.accepted, retrainings, trainingSeconds, prelabelSeconds,
      confidentWrong: progress.learning.confidentWrong, confidentChecked: progress.learning.confidentChecked, wrongLabels,
    };
    log(`\n${result.captchas} of ${total} captchas labelled: ${result.typed} typed, ${result.accepted} pre-labels accepted; ` +
      `${retrainings} retrainings, ${(trainingSeconds / 60).toFixed(1)} training minutes, ${(prelabelSeconds / 60).toFixed(1)} pre-labelling minutes; ` +
      `sure pre-labels corrected: ${result.confidentWrong} of ${result.confidentChecked}; labels differing from the file names: ${wrongLabels}`);
    return result;
  } finally {
    unsubscribe();
    await service.close();
    rmSync(home, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = parseArgs(process.argv.slice(2), ['folder', 'length', 'alphabet', 'size', 'count', 'every', 'seconds']);
  const folder = stringFlag(args, 'folder');
  const size = /^(\d+)x(\d+)$/.exec(stringFlag(args, 'size') ?? '');
  if (!folder || !size) {
    console.error('usage: npm run bench -- effort --folder DIR --length N --alphabet S --size WxH [--count C] [--every K] [--seconds S]');
    process.exit(2);
  }
  console.log(`bench effort · ${new Date().toISOString().slice(0, 10)} · ${cpus()[0]?.model.trim()} × ${cpus().length} · node ${process.version}`);
  await labelEffort({
    folder, length: intFlag(args, 'length', 1) ?? 4, alphabet: stringFlag(args, 'alphabet') ?? '23456789ABCDEFGHJKLMNPQRSTUVWXYZ',
    width: Number(size[1]), height: Number(size[2]), count: intFlag(args, 'count', 1), every: intFlag(args, 'every', 0) ?? 25, seconds: intFlag(args, 'seconds', 1) ?? 300,
  });
  process.exit(0);
}
