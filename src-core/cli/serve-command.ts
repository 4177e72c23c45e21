import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { hostname, networkInterfaces } from 'node:os';
import { resolve } from 'node:path';
import { isIP } from 'node:net';
import { projectPath } from '../util/core-bundle.mjs';
import { TOKEN_PARAM } from '../api/contract/channels.ts';
import { createHost, LOOPBACK_NAMES, newToken } from '../api/server/host.ts';
import { redisAddress } from '../fleet/queue.ts';
import { startCore } from '../api/server/core.ts';
import { resolveHome } from '../util/home.ts';
import { UsageError, intFlag, listFlag, numberFlag, stringFlag, type ParsedArgs } from './args.ts';
import type { Io } from './commands.ts';

/** The renderer's built files (`npm run build:renderer`, run by `npm install`). */
export const RENDERER_DIST = projectPath('renderer', 'dist');

const isLoopback = (host: string) => host === 'localhost' || host === '::1' || host.startsWith('127.');
const isWildcard = (host: string) => host === '0.0.0.0' || host === '::';

/** The names a client may use for a host bound to `host` (the Host header check): loopback names, the address, or every interface's. */
function hostNames(host: string, extra: string[]): string[] {
  const bracket = (a: string) => (a.includes(':') ? `[${a}]` : a);
  if (isLoopback(host)) return [...LOOPBACK_NAMES, ...extra];
  if (!isWildcard(host)) return [bracket(host), ...extra];
  const addresses = Object.values(networkInterfaces()).flat().filter((i) => i !== undefined).map((i) => bracket(i.address));
  return [...LOOPBACK_NAMES, hostname(), ...addresses, ...extra];
}

/**
 * `serve`: the workbench in a browser. Loopback only unless --host says otherwise,
 * and then only over TLS (--tls-cert/--tls-key) or with an explicit --insecure;
 * the printed URL carries a fresh random token, which every API call must present.
 * Every path a call names must lie in the home or a --data-root. Ctrl-C, SIGTERM and
 * SIGHUP (the SSH session that started it went away) stop the runners (they
 * checkpoint, for a bounded time) and the server.
 */
export async function serveCommand(args: ParsedArgs, io: Io): Promise<number> {
  const port = intFlag(args, 'port', 0) ?? 5757;
  if (port > 65535) throw new UsageError('--port takes 0–65535 (0: any free port)');
  const host = stringFlag(args, 'host') ?? '127.0.0.1';
  if (host !== 'localhost' && isIP(host) === 0) throw new UsageError(`--host takes an IP address or localhost, got "${host}"`);
  if (!existsSync(RENDERER_DIST)) throw new UsageError(`the renderer is not built (${RENDERER_DIST}): run \`npm run build:renderer\``);
  const [certFile, keyFile] = [stringFlag(args, 'tls-cert'), stringFlag(args, 'tls-key')];
  if (Boolean(certFile) !== Boolean(keyFile)) throw new UsageError('--tls-cert and --tls-key go together');
  const insecure = args.flags.get('insecure') === true;
  if (!isLoopback(host) && !certFile && !insecure) {
    throw new UsageError(`--host ${host} is reachable from other machines: give --tls-cert FILE --tls-key FILE (the token would otherwise cross the network in plain text), or --insecure on a network you trust, or use an SSH tunnel to 127.0.0.1`);
  }
  const tls = certFile && keyFile ? { cert: readFileSync(certFile), key: readFileSync(keyFile) } : undefined;
  const token = process.env.GAN_WORKBENCH_TOKEN || newToken();
  const home = resolveHome(stringFlag(args, 'home'));
  mkdirSync(home, { recursive: true });
  const dataRoots = [home, ...listFlag(args, 'data-root').map((d) => resolve(d))];
  for (const d of dataRoots) if (!existsSync(d)) throw new UsageError(`--data-root ${d} does not exist`);
  const queue = stringFlag(args, 'queue');
  const fleetStale = numberFlag(args, 'fleet-stale-seconds', 1);
  const core = startCore({
    home, shell: 'browser', log: (line) => io.err.write(`${line}\n`), dataRoots, queue,
    localConcurrency: intFlag(args, 'local-concurrency', 1), fleetStaleMs: fleetStale === undefined ? undefined : fleetStale * 1000,
  });
  const hosted = createHost({
    dispatch: core.dispatch, subscribe: core.subscribe, rendererDir: RENDERER_DIST, token, tls, hostNames: hostNames(host, listFlag(args, 'allow-host')),
  });
  const { server } = hosted;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(err.code === 'EADDRINUSE' ? new UsageError(`port ${port} is in use: pick another with --port`) : err));
    server.listen(port, host, resolve);
  });
  const address = server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  const shown = host.includes(':') ? `[${host}]` : host;
  if (!isLoopback(host)) io.err.write(`warning: listening on ${host}${tls ? ' over TLS' : ' WITHOUT TLS (--insecure)'}, reachable from other machines; anyone with the token can use the workbench\n`);
  io.out.write(`GAN Workbench at ${tls ? 'https' : 'http'}://${shown}:${actualPort}/?${TOKEN_PARAM}=${token}\n(home ${home}; data roots ${dataRoots.join(', ')}${queue ? `; coordinating the fleet on ${redisAddress(queue).display}` : ''}; Ctrl-C stops)\n`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    // SIGHUP: the terminal or the SSH session (`ssh gpu-box … serve`) went away — stop as cleanly as for Ctrl-C.
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, stop);
  });
  io.err.write('stopping: runners checkpoint first…\n');
  await hosted.close();
  await core.close();
  return 0;
}
