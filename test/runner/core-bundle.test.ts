import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, describe, it } from 'node:test';
import { builtAfterSources, coreEntry, projectPath } from '../../src-core/util/core-bundle.mjs';
import { tempDir } from '../helpers.ts';

describe('the core bundle', () => {
  it('counts as fresh only while no source is newer than its stamp', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'src', 'deep'), { recursive: true });
    writeFileSync(join(dir, 'src', 'deep', 'a.ts'), 'export {};');
    const stamp = join(dir, 'built');
    assert.equal(builtAfterSources(stamp, join(dir, 'src')), false, 'no stamp: not built');
    writeFileSync(stamp, '');
    const now = Date.now() / 1000;
    utimesSync(stamp, now, now);
    utimesSync(join(dir, 'src', 'deep', 'a.ts'), now - 60, now - 60);
    assert.equal(builtAfterSources(stamp, join(dir, 'src')), true);
    utimesSync(join(dir, 'src', 'deep', 'a.ts'), now + 1, now + 1); // an edit after the build, however deep
    assert.equal(builtAfterSources(stamp, join(dir, 'src')), false);
  });

  it('GWB_NO_BUNDLE runs an entry point from its TypeScript source', () => {
    const before = process.env.GWB_NO_BUNDLE;
    process.env.GWB_NO_BUNDLE = '1';
    try {
      assert.deepEqual(coreEntry('runner'), { file: projectPath('src-core', 'runner', 'worker.ts'), typescript: true });
    } finally {
      if (before === undefined) delete process.env.GWB_NO_BUNDLE;
      else process.env.GWB_NO_BUNDLE = before;
    }
  });

  // A bundle of its own (dist/core may be absent when this file runs alone), inside the project as the real one is.
  const out = projectPath('test-output', `core-bundle-${process.pid}`);
  after(() => rmSync(out, { recursive: true, force: true }));
  it('the bundled CLI answers as the TypeScript one does, and reads the project files (fonts) from its own place', () => {
    execFileSync(process.execPath, [projectPath('scripts', 'build-core.mjs'), '--out', out, '--quiet']);
    const env = { ...process.env, GWB_NO_BUNDLE: '1' };
    // The bundle's cli.mjs exports main(), as src-core/cli/main.ts does; bin/gan-workbench.mjs is what calls it.
    const bundledCli = (args: string[]) => execFileSync(process.execPath, ['--input-type=module', '-e',
      `const { main } = await import(${JSON.stringify(pathToFileURL(join(out, 'cli.mjs')).href)}); process.exitCode = await main(${JSON.stringify(args)});`], { env, encoding: 'utf8' });
    const source = execFileSync(process.execPath, [projectPath('bin', 'gan-workbench.mjs'), 'presets', '--json'], { env, encoding: 'utf8' });
    const bundled = bundledCli(['presets', '--json']);
    assert.ok((JSON.parse(source) as unknown[]).length > 5);
    assert.ok(bundled === source, `the bundled CLI's presets differ (${bundled.length} characters against ${source.length})`);
    // Synthesised captchas draw with the bundled fonts: a wrong project root fails to find them.
    const synth = bundledCli(['dataset', 'synth-captchas', '--home', tempDir(), '--count', '3', '--json']);
    assert.match(synth, /"imported":\s*3/);
  });
});
