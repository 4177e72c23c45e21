// Module hooks (run on the loader thread) for record-modules.mjs: each resolved file URL, one per line.
import { appendFileSync } from 'node:fs';

export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  if (resolved.url.startsWith('file:')) appendFileSync(`${process.env.GWB_RECORD_MODULES}.esm`, `${resolved.url}\n`);
  return resolved;
}
