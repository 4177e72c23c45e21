/**
 * End-to-end harness: the real `gan-workbench serve` (a child process with a real
 * store in a temporary home) and Debian's Chromium driven by playwright-core.
 * Screenshots go to test-output/screens/ (looked at by a person, not compared).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

export const ROOT = new URL('../..', import.meta.url).pathname;
export const SCREENS = join(ROOT, 'test-output', 'screens');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'];

export interface Host {
  process: ChildProcess;
  url: string;
  origin: string;
  port: number;
  output: () => string;
  stop(): Promise<void>;
}

/**
 * Builds the renderer the host serves, so the test drives the current source. `npm test`
 * builds it once before any file starts (GWB_RENDERER_BUILT): building here then would empty
 * renderer/dist under the files running beside this one.
 */
export function buildRenderer(): void {
  if (process.env.GWB_RENDERER_BUILT === '1') return;
  const r = spawnSync(process.execPath, [join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', 'renderer', '--logLevel', 'error'], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`vite build failed:\n${r.stdout}${r.stderr}`);
}

/** Starts `gan-workbench serve` and resolves once it prints its URL. */
export function startHost(home: string, token: string, port = 0, extraArgs: string[] = []): Promise<Host> {
  const child = spawn(process.execPath, [join(ROOT, 'bin/gan-workbench.mjs'), 'serve', '--port', String(port), '--home', home, ...extraArgs], {
    env: { ...process.env, GAN_WORKBENCH_TOKEN: token }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the host did not start:\n${out}`)), 30_000);
    const onData = (b: Buffer) => {
      out += b.toString();
      const m = /(http:\/\/127\.0\.0\.1:(\d+)\/\?token=\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({
          process: child, url: m[1]!, origin: `http://127.0.0.1:${m[2]}`, port: Number(m[2]), output: () => out,
          stop: () => new Promise((done) => {
            // Already gone (a test may have killed it): its 'exit' has been emitted and will not come again.
            if (child.exitCode !== null || child.signalCode !== null) return done();
            child.once('exit', () => done());
            child.kill('SIGINT');
          }),
        });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`the host exited (${code}):\n${out}`)));
  });
}

export const chromiumAvailable = () => existsSync(CHROMIUM);

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENS, { recursive: true });
  // From the top: a full-page capture of a scrolled page draws the sticky header mid-page.
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: join(SCREENS, `${name}.png`), fullPage: true });
}
