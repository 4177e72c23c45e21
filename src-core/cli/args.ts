import { InvalidInputError } from '../domain/errors.ts';

/** A usage error: the CLI prints it with a hint and exits 2. */
export class UsageError extends InvalidInputError {
  override name = 'UsageError';
}

export interface ParsedArgs {
  positionals: string[];
  flags: Map<string, string | true>;
  /** Every value of each flag, in order (for repeatable flags such as --data-root; `flags` keeps the last). */
  all: Map<string, string[]>;
  /** Repeatable `--set key=value`. */
  sets: Record<string, string>;
}

/** Options that take no value. */
const BOOLEAN_FLAGS = new Set(['json', 'help', 'labels-from-filenames', 'above', 'below', 'insecure', 'median']);

/** Parses `cmd pos… --flag value --flag=value --bool --set k=v…` strictly. */
export function parseArgs(argv: string[], allowed: readonly string[]): ParsedArgs {
  const out: ParsedArgs = { positionals: [], flags: new Map(), all: new Map(), sets: {} };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) {
      out.positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    if (!allowed.includes(name) && name !== 'help') {
      throw new UsageError(`unknown option --${name}; options here: ${allowed.map((a) => `--${a}`).join(', ') || '(none)'}`);
    }
    let value: string | true;
    if (BOOLEAN_FLAGS.has(name)) value = true;
    else if (eq !== -1) value = arg.slice(eq + 1);
    else if (i + 1 < argv.length) value = argv[++i]!;
    else throw new UsageError(`--${name} needs a value`);
    if (name === 'set') {
      const kv = String(value);
      const at = kv.indexOf('=');
      if (at <= 0) throw new UsageError(`--set takes key=value, got "${kv}"`);
      out.sets[kv.slice(0, at)] = kv.slice(at + 1);
    } else {
      out.flags.set(name, value);
      if (value !== true) out.all.set(name, [...(out.all.get(name) ?? []), value]);
    }
  }
  return out;
}

export function intFlag(args: ParsedArgs, name: string, min = 0): number | undefined {
  const v = args.flags.get(name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v === true || !Number.isInteger(n) || n < min) throw new UsageError(`--${name} takes a whole number ≥ ${min}, got "${String(v)}"`);
  return n;
}

export function numberFlag(args: ParsedArgs, name: string, min = 0): number | undefined {
  const v = args.flags.get(name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v === true || !Number.isFinite(n) || n < min) throw new UsageError(`--${name} takes a number ≥ ${min}, got "${String(v)}"`);
  return n;
}

export function stringFlag(args: ParsedArgs, name: string): string | undefined {
  const v = args.flags.get(name);
  return v === undefined || v === true ? undefined : v;
}

/** Every value given for a repeatable flag (`--data-root A --data-root B`). */
export function listFlag(args: ParsedArgs, name: string): string[] {
  return args.all.get(name) ?? [];
}
