import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { BACKEND_CHOICES, type BackendChoice, type SettingValue, type Settings } from '../domain/runs.ts';
import { ConfigError } from '../domain/errors.ts';
import { PRESETS } from '../workbench/presets.ts';
import type { RunProgressEvent as RunEvent, RunSummary } from '../domain/run-events.ts';
import { type RunnerRequest, startRunner } from '../workbench/launch.ts';
import { withStore, type Db } from '../workbench/home.ts';
import { createRunFrom, runToResume } from '../workbench/runs.ts';
import { resolveHome } from '../util/home.ts';
import { UsageError, intFlag, numberFlag, stringFlag, type ParsedArgs } from './args.ts';
import { ProgressBar } from './progress.ts';

/** Runs `f` with the store of the home `--home` names (or the default) open; closes it after. */
export function withHomeStore<T>(args: ParsedArgs, f: (db: Db, home: string) => T): T {
  const home = resolveHome(stringFlag(args, 'home'));
  return withStore(home, (db) => f(db, home));
}

export interface Io {
  out: NodeJS.WriteStream;
  err: NodeJS.WriteStream;
}

export function presetsCommand(args: ParsedArgs, io: Io): number {
  if (args.flags.has('json')) {
    io.out.write(`${JSON.stringify(PRESETS)}\n`);
    return 0;
  }
  const width = Math.max(...PRESETS.map((p) => p.preset.length));
  for (const p of PRESETS) io.out.write(`${p.preset.padEnd(width)}  §${p.section.padEnd(4)} ${p.title}\n`);
  return 0;
}

function backendFlag(args: ParsedArgs): BackendChoice | undefined {
  const b = stringFlag(args, 'backend');
  if (b === undefined) return undefined;
  if (!(BACKEND_CHOICES as readonly string[]).includes(b)) throw new UsageError(`--backend: "${b}" is not one of ${BACKEND_CHOICES.join(', ')}`);
  return b as BackendChoice;
}

/** `train`'s shortcut flags are --set overrides of the config keys they name. */
function trainOverrides(args: ParsedArgs, presetId: string): Settings {
  const sets: Record<string, SettingValue> = { ...args.sets };
  const shortcut = (key: string, value: number | undefined) => {
    if (value !== undefined) sets[key] = value;
  };
  shortcut('steps', intFlag(args, 'steps', 1));
  shortcut('seconds', numberFlag(args, 'seconds', 0));
  shortcut('batchSize', intFlag(args, 'batch', 1));
  shortcut('seed', intFlag(args, 'seed', 0));
  const data = stringFlag(args, 'data');
  if (data !== undefined && /^\d+$/.test(data)) {
    sets.data = JSON.stringify({ source: 'dataset', id: Number(data) });
  } else if (data !== undefined) {
    const path = resolve(data);
    if (!existsSync(path) || !statSync(path).isDirectory()) throw new ConfigError(`--data: ${path} is not a folder`, 'data', 'not a folder');
    const source = presetId.startsWith('celeba') ? 'face-folder' : 'captcha-folder';
    sets.data = JSON.stringify({ source, path });
  }
  return sets;
}

export async function trainCommand(args: ParsedArgs, io: Io): Promise<number> {
  const presetId = stringFlag(args, 'preset');
  if (!presetId) throw new UsageError('train needs --preset ID (see `gan-workbench presets`)');
  const backend = backendFlag(args);
  const overrides = trainOverrides(args, presetId);
  const home = resolveHome(stringFlag(args, 'home'));
  const run = withStore(home, (db) => createRunFrom(db, home, presetId, overrides, backend ?? 'auto'));
  return drive({ home, run: run.id, resume: false, backend }, args, io);
}

export async function resumeCommand(args: ParsedArgs, io: Io): Promise<number> {
  const runId = args.positionals[0];
  if (!runId) throw new UsageError('resume needs a run id');
  const home = resolveHome(stringFlag(args, 'home'));
  const steps = intFlag(args, 'steps', 1);
  const run = withStore(home, (db) => runToResume(db, runId, { steps }));
  return drive({ home, run: run.id, resume: true, steps, backend: backendFlag(args) }, args, io);
}

/** Runs a job in a runner process and renders its events (bar or JSON lines). */
export async function drive(request: RunnerRequest, args: ParsedArgs, io: Io): Promise<number> {
  const json = args.flags.has('json');
  let bar: ProgressBar | null = null;
  let summary: RunSummary | null = null;
  let failure: Extract<RunEvent, { type: 'error' }> | null = null;
  const runner = startRunner(request, (e) => {
    if (e.type === 'done') summary = e.summary;
    if (e.type === 'error') failure = e;
    if (json) {
      if (e.type !== 'done') io.out.write(`${JSON.stringify(e)}\n`);
      return;
    }
    switch (e.type) {
      case 'started':
        io.err.write(`run ${e.run}: ${e.preset} on ${e.backend.name} ${e.backend.version} (${e.backend.detail}); ${e.data}\n`);
        bar = new ProgressBar(io.err, e.toStep, e.fromStep);
        break;
      case 'progress':
        // The last step is always drawn, however soon after the previous one it comes.
        bar?.update(e.step, e.itPerSec, e.etaSeconds, e.losses, e.etaSeconds === 0);
        break;
      case 'warning':
        (bar ? bar.log.bind(bar) : (t: string) => io.err.write(`${t}\n`))(`warning: ${e.text}`);
        break;
      case 'note':
        bar?.log(`step ${e.step}: ${e.text}`);
        break;
      default:
        break;
    }
  });
  const onSignal = () => runner.stop();
  process.on('SIGINT', onSignal);
  const code = await runner.exited;
  process.off('SIGINT', onSignal);
  (bar as ProgressBar | null)?.finish();
  const s = summary as RunSummary | null;
  const f = failure as Extract<RunEvent, { type: 'error' }> | null;
  if (s) {
    if (json) io.out.write(`${JSON.stringify(s)}\n`);
    else {
      const losses = Object.entries(s.losses).map(([k, v]) => `${k}=${v.toFixed(4)}`).join(' ');
      io.out.write(`${s.status} ${s.run}: ${s.steps} steps in ${s.seconds.toFixed(1)} s on ${s.backend}; ${losses}\n`);
    }
    return 0;
  }
  if (f) {
    io.err.write(`error: ${f.message}\n`);
    return f.userError ? 2 : 1;
  }
  io.err.write(`error: the runner process ended (code ${code}) without a summary\n`);
  return code === 0 ? 1 : code;
}
