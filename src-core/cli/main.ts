import { asDiskFull, UserError } from '../domain/errors.ts';
import { StoreError } from '../domain/errors.ts';
import { parseArgs } from './args.ts';
import type { Io } from './commands.ts';

const USAGE = `gan-workbench — train and compare the thesis's GANs

Usage:
  gan-workbench presets [--json]
  gan-workbench train --preset ID [--steps N] [--seconds S] [--batch B] [--seed K]
                      [--backend auto|tensorflow|webgpu|wasm|cpu] [--data PATH] [--set key=value]… [--json]
  gan-workbench resume RUN [--steps N] [--backend B] [--json]
  gan-workbench runs [--json] [--preset ID] [--sweep SWEEP] [--status S] [--tag T] [--text WORDS] [--metric KEY] [--since DATE] [--until DATE]
  gan-workbench show RUN [--json]
  gan-workbench tag RUN NAME
  gan-workbench note RUN TEXT
  gan-workbench delete RUN
  gan-workbench export-metrics RUN… --out FILE.csv|FILE.json
  gan-workbench eval RUN [--step S] [--count N] [--json]            quality of the latest checkpoint (or as recorded at step S)
  gan-workbench ttq RUN… --metric KEY --threshold V [--window W] [--above|--below] [--json]
  gan-workbench histograms RUN [--step S] [--json]                   per-layer weight distributions
  gan-workbench reproduce captcha [--seeds N] [--budget-seconds S | --budget-steps N] [--out DIR] [--only PRESET,…] [--runs RUN,… | --sweep SWEEP (judge existing runs)] [--json]
  gan-workbench reproduce celeba --data ID [--seeds N] [--budget-seconds S | --budget-steps N] [--out DIR] [--only PRESET,…] [--runs RUN,…] [--json]
  gan-workbench reproduce augmentation --data ID [--sizes 50,100,200] [--seeds N] [--budget-seconds S | --budget-steps N] (the GAN's)
                        [--recognizer-steps N] [--per-class K] [--out DIR] [--json]
  gan-workbench dataset synth-captchas --count N [--seed K]
  gan-workbench dataset import-captchas DIR [--labels FILE] [--labels-from-filenames] [--length N] [--alphabet S]
                        [--size WxH] [--threshold otsu|0-255] [--segmentation equal|projection]
                        [--median] [--remove-lines N (strokes thinner than N px)] [--json]
  gan-workbench dataset import-celeba DIR --size 64|128 [--json]     (Ctrl-C cancels; run again to resume)
  gan-workbench dataset list [--json] | show ID [--json] | preview ID [--captcha N] --out FILE.png
  gan-workbench labels export ID --out FILE.csv | labels import ID FILE.csv
  gan-workbench recognizer train --dataset ID [--model ctc|lenet] [--steps N] [--labels N] [--seed S] [--set key=value]… [--json]
                      (ctc: segmentation-free, the default, ≤ 10 min; lenet: the thesis's, on cut tiles)
  gan-workbench recognizer prelabel --dataset ID [--recognizer R]
  gan-workbench recognizer mislabels --dataset ID [--model ctc|lenet] [--folds K] [--steps N] [--set K=V]… [--json]
  gan-workbench serve [--port P (default 5757; 0 = any)] [--host 127.0.0.1]   the app in a browser (URL with a token)
                      [--data-root DIR]… (paths calls may name: the home and these; default: the home only)
                      [--tls-cert FILE --tls-key FILE | --insecure] (required off loopback) [--allow-host NAME]…
                      [--queue redis://[:pw@]HOST:PORT] (coordinate fleet workers) [--local-concurrency N]
  gan-workbench sweep create --preset ID [--preset ID]… [--seeds N] [--grid key=v1,v2]… [--set key=value]…
                      [--executor local|redis://HOST:PORT] [--name NAME] [--concurrency N] [--json]
                      (local: trains them here now, N at a time; redis: queues them for the fleet of a serve --queue)
  gan-workbench sweep list [--json] | show SWEEP [--metric KEY] [--json] | cancel SWEEP
  gan-workbench worker --queue redis://… --host URL --token T [--concurrency N] [--backend B] [--name NAME]
                      trains the queue's runs for the coordinator at URL (its own --home caches data and checkpoints)

Every command takes --home DIR (default: $GAN_WORKBENCH_HOME, else the app-data folder).
RUN is a run id or a unique prefix of one.
Exit codes: 0 done, 1 failure, 2 bad input (unknown preset, setting or run; a conflict; nothing written).
With --json an error is one JSON line on stderr: {"error":{"code","message","fields"}}, the codes the app's API uses.
`;

type Command = (args: ReturnType<typeof parseArgs>, io: Io) => number | Promise<number>;
/** Each command's module is loaded when it runs: `runs` or `show` never loads TensorFlow.js (≈ 1 s of start-up). */
const COMMANDS: Record<string, { options: string[]; load: () => Promise<Command> }> = {
  presets: { options: ['json', 'home'], load: () => import('./commands.ts').then((m) => m.presetsCommand) },
  train: { options: ['preset', 'steps', 'seconds', 'batch', 'seed', 'backend', 'data', 'set', 'json', 'home'], load: () => import('./commands.ts').then((m) => m.trainCommand) },
  resume: { options: ['steps', 'backend', 'json', 'home'], load: () => import('./commands.ts').then((m) => m.resumeCommand) },
  runs: { options: ['json', 'preset', 'sweep', 'status', 'tag', 'text', 'metric', 'since', 'until', 'home'], load: () => import('./run-commands.ts').then((m) => m.runsCommand) },
  show: { options: ['json', 'home'], load: () => import('./run-commands.ts').then((m) => m.showCommand) },
  tag: { options: ['json', 'home'], load: () => import('./run-commands.ts').then((m) => m.tagCommand) },
  note: { options: ['json', 'home'], load: () => import('./run-commands.ts').then((m) => m.noteCommand) },
  delete: { options: ['json', 'home'], load: () => import('./run-commands.ts').then((m) => m.deleteCommand) },
  'export-metrics': { options: ['out', 'home'], load: () => import('./run-commands.ts').then((m) => m.exportMetricsCommand) },
  eval: { options: ['step', 'count', 'json', 'home'], load: () => import('./quality-commands.ts').then((m) => m.evalCommand) },
  ttq: { options: ['metric', 'threshold', 'window', 'above', 'below', 'json', 'home'], load: () => import('./quality-commands.ts').then((m) => m.ttqCommand) },
  histograms: { options: ['step', 'json', 'home'], load: () => import('./quality-commands.ts').then((m) => m.histogramsCommand) },
  reproduce: { options: ['budget-seconds', 'budget-steps', 'seeds', 'out', 'only', 'runs', 'sweep', 'data', 'sizes', 'recognizer-steps', 'per-class', 'json', 'home'], load: () => import('./quality-commands.ts').then((m) => m.reproduceCommand) },
  dataset: {
    options: ['count', 'seed', 'labels', 'labels-from-filenames', 'length', 'alphabet', 'size', 'threshold', 'segmentation', 'median', 'remove-lines', 'json', 'out', 'captcha', 'home'],
    load: () => import('./dataset-commands.ts').then((m) => m.datasetCommand),
  },
  labels: { options: ['out', 'home'], load: () => import('./dataset-commands.ts').then((m) => m.labelsCommand) },
  sweep: { options: ['preset', 'seeds', 'grid', 'set', 'executor', 'name', 'concurrency', 'metric', 'backend', 'json', 'home'], load: () => import('./sweep-commands.ts').then((m) => m.sweepCommand) },
  worker: { options: ['queue', 'host', 'token', 'concurrency', 'backend', 'name', 'lock-seconds', 'home'], load: () => import('./worker-command.ts').then((m) => m.workerCommand) },
  serve: { options: ['port', 'host', 'home', 'data-root', 'tls-cert', 'tls-key', 'insecure', 'allow-host', 'queue', 'local-concurrency', 'fleet-stale-seconds'], load: () => import('./serve-command.ts').then((m) => m.serveCommand) },
  recognizer: { options: ['dataset', 'model', 'steps', 'labels', 'recognizer', 'folds', 'seed', 'set', 'json', 'home'], load: () => import('./dataset-commands.ts').then((m) => m.recognizerCommand) },
};

export async function main(argv: string[], io: Io = { out: process.stdout, err: process.stderr }): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    io.out.write(USAGE);
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.err.write(`error: unknown command "${name}"; commands: ${Object.keys(COMMANDS).join(', ')}\n`);
    return 2;
  }
  try {
    const args = parseArgs(rest, command.options);
    if (args.flags.has('help')) {
      io.out.write(USAGE);
      return 0;
    }
    return await (await command.load())(args, io);
  } catch (thrown) {
    const err = asDiskFull(thrown);
    if (err instanceof UserError) {
      // With --json, the error too is one JSON line (its code and field, as the API reports them).
      io.err.write(rest.includes('--json') ? `${JSON.stringify({ error: { code: err.code, message: err.message, fields: err.fieldErrors() } })}\n` : `error: ${err.message}\n`);
      return 2;
    }
    if (err instanceof StoreError) {
      io.err.write(`error: ${err.message}\n`);
      return 1;
    }
    // Not the user's to fix: still one line (the stack with GAN_WORKBENCH_DEBUG=1), exit 1.
    const message = err instanceof Error ? err.message : String(err);
    io.err.write(`error: ${message} (an internal error${process.env.GAN_WORKBENCH_DEBUG === '1' ? '' : '; GAN_WORKBENCH_DEBUG=1 prints its stack'})\n`);
    if (process.env.GAN_WORKBENCH_DEBUG === '1' && err instanceof Error) io.err.write(`${err.stack}\n`);
    return 1;
  }
}
