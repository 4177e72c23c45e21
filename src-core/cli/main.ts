import { MissingDataError } from '../data/load.ts';
import { ConfigError } from '../presets/resolve.ts';
import { StoreError } from '../store/open.ts';
import { UnknownRunError } from '../store/runs.ts';
import { UsageError, parseArgs } from './args.ts';
import { presetsCommand, resumeCommand, trainCommand, type Io } from './commands.ts';
import { deleteCommand, exportMetricsCommand, noteCommand, runsCommand, showCommand, tagCommand } from './run-commands.ts';

const USAGE = `gan-workbench — train and compare the thesis's GANs

Usage:
  gan-workbench presets [--json]
  gan-workbench train --preset ID [--steps N] [--seconds S] [--batch B] [--seed K]
                      [--backend auto|tensorflow|wasm|cpu] [--data PATH] [--set key=value]… [--json]
  gan-workbench resume RUN [--steps N] [--backend B] [--json]
  gan-workbench runs [--json] [--preset ID] [--status S] [--tag T] [--text WORDS] [--metric KEY]
  gan-workbench show RUN [--json]
  gan-workbench tag RUN NAME
  gan-workbench note RUN TEXT
  gan-workbench delete RUN
  gan-workbench export-metrics RUN… --out FILE.csv

Every command takes --home DIR (default: $GAN_WORKBENCH_HOME, else the app-data folder).
RUN is a run id or a unique prefix of one.
Exit codes: 0 done, 1 failure, 2 bad input (unknown preset, setting or run; nothing written).
`;

const COMMANDS: Record<string, { options: string[]; run: (args: ReturnType<typeof parseArgs>, io: Io) => number | Promise<number> }> = {
  presets: { options: ['json', 'home'], run: presetsCommand },
  train: { options: ['preset', 'steps', 'seconds', 'batch', 'seed', 'backend', 'data', 'set', 'json', 'home'], run: trainCommand },
  resume: { options: ['steps', 'backend', 'json', 'home'], run: resumeCommand },
  runs: { options: ['json', 'preset', 'status', 'tag', 'text', 'metric', 'home'], run: runsCommand },
  show: { options: ['json', 'home'], run: showCommand },
  tag: { options: ['home'], run: tagCommand },
  note: { options: ['home'], run: noteCommand },
  delete: { options: ['home'], run: deleteCommand },
  'export-metrics': { options: ['out', 'home'], run: exportMetricsCommand },
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
    return await command.run(args, io);
  } catch (err) {
    if (err instanceof UsageError || err instanceof ConfigError || err instanceof MissingDataError || err instanceof UnknownRunError) {
      io.err.write(`error: ${err.message}\n`);
      return 2;
    }
    if (err instanceof StoreError) {
      io.err.write(`error: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}
