import { existsSync } from 'node:fs';
import { isIP } from 'node:net';
import { fileURLToPath } from 'node:url';
import { TOKEN_PARAM } from '../api/contract/channels.ts';
import { createHost, newToken } from '../api/server/host.ts';
import { startCore } from '../api/server/core.ts';
import { resolveHome } from '../util/home.ts';
import { UsageError, intFlag, stringFlag, type ParsedArgs } from './args.ts';
import type { Io } from './commands.ts';

/** The renderer's built files (`npm run build:renderer`, run by `npm install`). */
export const RENDERER_DIST = fileURLToPath(new URL('../../renderer/dist', import.meta.url));

const isLoopback = (host: string) => host === 'localhost' || host === '::1' || host.startsWith('127.');

/**
 * `serve`: the workbench in a browser. Loopback only unless --host says otherwise;
 * the printed URL carries a fresh random token, which every API call must present.
 * Ctrl-C stops the runners (they checkpoint) and the server.
 */
export async function serveCommand(args: ParsedArgs, io: Io): Promise<number> {
  const port = intFlag(args, 'port', 0) ?? 5757;
  if (port > 65535) throw new UsageError('--port takes 0–65535 (0: any free port)');
  const host = stringFlag(args, 'host') ?? '127.0.0.1';
  if (host !== 'localhost' && isIP(host) === 0) throw new UsageError(`--host takes an IP address or localhost, got "${host}"`);
  if (!existsSync(RENDERER_DIST)) throw new UsageError(`the renderer is not built (${RENDERER_DIST}): run \`npm run build:renderer\``);
  const token = process.env.GAN_WORKBENCH_TOKEN || newToken();
  const home = resolveHome(stringFlag(args, 'home'));
  const core = startCore({ home, shell: 'browser', log: (line) => io.err.write(`${line}\n`) });
  const hosted = createHost({ dispatch: core.dispatch, subscribe: core.subscribe, rendererDir: RENDERER_DIST, token });
  const { server } = hosted;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(err.code === 'EADDRINUSE' ? new UsageError(`port ${port} is in use: pick another with --port`) : err));
    server.listen(port, host, resolve);
  });
  const address = server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  const shown = host.includes(':') ? `[${host}]` : host;
  if (!isLoopback(host)) io.err.write(`warning: listening on ${host}, reachable from other machines; anyone with the token can use the workbench\n`);
  io.out.write(`GAN Workbench at http://${shown}:${actualPort}/?${TOKEN_PARAM}=${token}\n(home ${home}; Ctrl-C stops)\n`);
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
