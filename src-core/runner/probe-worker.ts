/**
 * Entry point of a backend probe: a short-lived child that loads Dawn and the
 * TensorFlow.js backends (which the Electron main process must not), probes the
 * ladder, writes the answer as one JSON line on stdout and exits.
 */
import { probeBackends } from '../engine/probe.ts';

process.stdout.write(`${JSON.stringify(await probeBackends())}\n`);
process.exit(0);
