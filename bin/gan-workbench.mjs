#!/usr/bin/env node
// The CLI is TypeScript run through tsx (a runtime dependency), so no build step
// stands between `npm install` and `npx gan-workbench`.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src-core/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
