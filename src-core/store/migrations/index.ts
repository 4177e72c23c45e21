import type { Database } from 'better-sqlite3';
import { up as m001 } from './001-runs-and-metrics.ts';
import { up as m002 } from './002-samples-and-checkpoints.ts';
import { up as m003 } from './003-datasets.ts';
import { up as m004 } from './004-captchas-and-labels.ts';
import { up as m005 } from './005-weight-histograms.ts';
import { up as m006 } from './006-recognizer-models.ts';
import { up as m007 } from './007-previous-checkpoint.ts';
import { up as m008 } from './008-sweeps.ts';
import { up as m009 } from './009-recognizer-temperature.ts';
import { up as m010 } from './010-recognizer-label-use.ts';

/**
 * Forward-only, numbered: migration i takes the schema from version i to i + 1
 * (PRAGMA user_version). Never edit one that has shipped; add the next.
 */
export const MIGRATIONS: readonly ((db: Database) => void)[] = [m001, m002, m003, m004, m005, m006, m007, m008, m009, m010];
export const LATEST_VERSION = MIGRATIONS.length;
