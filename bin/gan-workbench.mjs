#!/usr/bin/env node
// The CLI runs from its bundle (dist/core/cli.mjs, built by `npm install`, `npm run build` and `npm test`) while no
// source is newer, else as TypeScript through tsx (a runtime dependency): no build step stands between an edit and
// `npx gan-workbench`, and a stale bundle never runs.
import { pathToFileURL } from 'node:url';
import { coreEntry } from '../src-core/util/core-bundle.mjs';

const entry = coreEntry('cli');
if (entry.typescript) (await import('tsx/esm/api')).register();
const { main } = await import(pathToFileURL(entry.file).href);
process.exitCode = await main(process.argv.slice(2));
