import { changesSince } from '../workbench/presets.ts';
import { addTag, getCheckpoint, getRun, listRuns, listSamples, metricKeys, metricsCsv, metricsJson, setNotes } from '../workbench/history.ts';
import { createWriteStream } from 'node:fs';
import { resolve } from 'node:path';
import { finished } from 'node:stream/promises';
import { deleteRunChecked } from '../workbench/runs.ts';
import { writeFileSync } from 'node:fs';
import { RUN_STATUSES, type RunStatus } from '../domain/runs.ts';
import { UsageError, stringFlag, type ParsedArgs } from './args.ts';
import { withHomeStore, type Io } from './commands.ts';
import { formatDuration } from './progress.ts';

export function runsCommand(args: ParsedArgs, io: Io): number {
  const status = stringFlag(args, 'status');
  if (status && !(RUN_STATUSES as readonly string[]).includes(status)) {
    throw new UsageError(`--status: "${status}" is not one of ${RUN_STATUSES.join(', ')}`);
  }
  const metric = stringFlag(args, 'metric');
  return withHomeStore(args, (db) => {
    const runs = listRuns(db, {
      preset: stringFlag(args, 'preset'), sweep: stringFlag(args, 'sweep'), status: status as RunStatus | undefined, tag: stringFlag(args, 'tag'),
      text: stringFlag(args, 'text'), metric, sort: metric ? 'best' : 'created',
      since: stringFlag(args, 'since'), until: stringFlag(args, 'until'),
    });
    if (args.flags.has('json')) {
      io.out.write(`${JSON.stringify(runs.map(({ pk: _pk, config: _c, ...r }) => r))}\n`);
      return 0;
    }
    if (runs.length === 0) {
      io.out.write('no runs\n');
      return 0;
    }
    const head = ['run', 'status', 'steps', 'time', 'created', 'tags', ...(metric ? [`best ${metric}`] : [])];
    const rows = runs.map((r) => [
      r.id, r.status, `${r.stepsDone}/${r.targetSteps}`, formatDuration(r.wallSeconds), r.createdAt.slice(0, 16).replace('T', ' '),
      r.tags.join(','), ...(metric ? [r.best === null ? '' : r.best.toPrecision(4)] : []),
    ]);
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
    for (const row of [head, ...rows]) io.out.write(`${row.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()}\n`);
    return 0;
  });
}

export function showCommand(args: ParsedArgs, io: Io): number {
  const id = args.positionals[0];
  if (!id) throw new UsageError('show needs a run id');
  return withHomeStore(args, (db) => {
    const run = getRun(db, id);
    const keys = metricKeys(db, run.pk);
    const samples = listSamples(db, run.pk);
    const checkpoint = getCheckpoint(db, run.pk);
    if (args.flags.has('json')) {
      const { pk: _pk, ...rest } = run;
      io.out.write(`${JSON.stringify({ ...rest, metrics: keys, samples, checkpoint })}\n`);
      return 0;
    }
    const version = (run.config as { presetVersion?: number }).presetVersion ?? 1;
    const changes = changesSince(run.preset, version);
    io.out.write(`${run.id}\n  preset   ${run.preset} v${version}${changes.length ? ` (the preset has changed since: ${changes.join('; ')})` : ''}\n`);
    io.out.write(`  status   ${run.status}${run.error ? ` — ${run.error}` : ''}\n`);
    io.out.write(`  steps    ${run.stepsDone}/${run.targetSteps} in ${formatDuration(run.wallSeconds)}\n  backend  ${run.backend ?? '-'}\n`);
    io.out.write(`  data     ${run.dataset ?? '-'}\n  created  ${run.createdAt}\n  tags     ${run.tags.join(', ') || '-'}\n`);
    io.out.write(`  notes    ${run.notes || '-'}\n  samples  ${samples.length}${samples.length ? ` (last at step ${samples.at(-1)!.step})` : ''}\n`);
    io.out.write(`  checkpoint ${checkpoint ? `step ${checkpoint.step}, ${checkpoint.path}` : '-'}\n  metrics\n`);
    for (const k of keys) io.out.write(`    ${k.key.padEnd(22)} last ${k.last.toPrecision(5).padEnd(12)} min ${k.min.toPrecision(5).padEnd(12)} max ${k.max.toPrecision(5)} (${k.count} points)\n`);
    return 0;
  });
}

export function tagCommand(args: ParsedArgs, io: Io): number {
  const [id, tag] = args.positionals;
  if (!id || !tag) throw new UsageError('tag needs a run id and a tag');
  return withHomeStore(args, (db) => {
    const run = getRun(db, id);
    addTag(db, run.pk, tag);
    io.out.write(`tagged ${run.id} ${tag}\n`);
    return 0;
  });
}

export function noteCommand(args: ParsedArgs, io: Io): number {
  const [id, ...words] = args.positionals;
  if (!id || words.length === 0) throw new UsageError('note needs a run id and the text');
  return withHomeStore(args, (db) => {
    const run = getRun(db, id);
    setNotes(db, run.pk, words.join(' '));
    io.out.write(`noted ${run.id}\n`);
    return 0;
  });
}

export function deleteCommand(args: ParsedArgs, io: Io): number {
  const id = args.positionals[0];
  if (!id) throw new UsageError('delete needs a run id');
  return withHomeStore(args, (db, home) => {
    const run = deleteRunChecked(db, home, id);
    io.out.write(`deleted ${run.id}\n`);
    return 0;
  });
}

export async function exportMetricsCommand(args: ParsedArgs, io: Io): Promise<number> {
  const out = stringFlag(args, 'out');
  if (args.positionals.length === 0) throw new UsageError('export-metrics needs one or more run ids');
  if (!out) throw new UsageError('export-metrics needs --out FILE.csv or FILE.json');
  return withHomeStore(args, async (db) => {
    const runs = args.positionals.map((id) => getRun(db, id));
    const file = resolve(out);
    if (file.toLowerCase().endsWith('.json')) {
      writeFileSync(file, metricsJson(db, runs));
      io.out.write(`wrote ${file}\n`);
      return 0;
    }
    const stream = createWriteStream(file);
    for (const line of metricsCsv(db, runs)) {
      if (!stream.write(line)) await new Promise<void>((r) => stream.once('drain', () => r()));
    }
    stream.end();
    await finished(stream);
    io.out.write(`wrote ${file}\n`);
    return 0;
  });
}
