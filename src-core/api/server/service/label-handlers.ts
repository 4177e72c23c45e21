import { captchaPng, type CaptchaRow, cutPreviewPng, getCaptcha, labelCounts, labelLearning, leastConfidentUnlabelled, listCaptchas, mislabelQueue, nextUnlabelled, predictionFor, redoLabel, setLabel, setStatus, settingsOf, undoLabel } from '../../../workbench/labelling.ts';
import type { Db } from '../../../workbench/home.ts';
import type { ApiHandlers } from '../../contract/methods.ts';
import type { CaptchaItem } from '../../contract/types.ts';
import type { ServiceContext } from './context.ts';

type LabelHandlers = Pick<ApiHandlers, 'labels.item' | 'labels.save' | 'labels.mark' | 'labels.undo' | 'labels.redo' | 'labels.progress' | 'labels.mislabels'>;

/** A captcha with its images and the recogniser's reading: everything the labelling screen shows. */
async function item(db: Db, c: CaptchaRow): Promise<CaptchaItem> {
  const s = settingsOf(db, c.dataset);
  const prediction = predictionFor(db, c.id);
  return {
    id: c.id, dataset: c.dataset, ordinal: c.ordinal, file: c.file, label: c.label, status: c.status,
    image: (await captchaPng(c.pixels, s)).toString('base64'), cut: (await cutPreviewPng(c.pixels, s)).toString('base64'),
    suggestion: prediction && { label: prediction.label, confidence: prediction.confidence }, length: s.length, alphabet: s.alphabet,
  };
}

/** The next captcha of a queue after an ordinal, wrapping to the start; null when the queue is empty. */
function nextIn(db: Db, dataset: number, queue: 'unlabelled' | 'least-confident' | 'flagged' | 'skipped' | 'all', after: number): CaptchaRow | null {
  if (queue === 'unlabelled') return nextUnlabelled(db, dataset, after);
  if (queue === 'least-confident') return leastConfidentUnlabelled(db, dataset);
  const status = queue === 'all' ? undefined : queue;
  const rows = listCaptchas(db, dataset, { status });
  return rows.find((r) => r.ordinal > after) ?? rows[0] ?? null;
}

export function labelHandlers(ctx: ServiceContext): LabelHandlers {
  const { db } = ctx;
  const progress = (dataset: number) => ({ counts: labelCounts(db, dataset), learning: labelLearning(db, dataset) });
  return {
    'labels.item': async ({ dataset, captcha, queue, after }) => {
      settingsOf(db, dataset);
      const c = captcha !== undefined ? getCaptcha(db, captcha) : nextIn(db, dataset, queue, after);
      return c && item(db, c);
    },
    // setLabel writes with synchronous = FULL: when this answers, the label is on disk.
    'labels.save': async ({ captcha, label }) => {
      const c = setLabel(db, captcha, label);
      return { item: await item(db, c), progress: progress(c.dataset) };
    },
    'labels.mark': async ({ captcha, status }) => {
      const c = setStatus(db, captcha, status);
      return { item: await item(db, c), progress: progress(c.dataset) };
    },
    'labels.undo': async ({ dataset }) => {
      const c = undoLabel(db, dataset);
      return { item: c && (await item(db, c)), progress: progress(dataset) };
    },
    'labels.redo': async ({ dataset }) => {
      const c = redoLabel(db, dataset);
      return { item: c && (await item(db, c)), progress: progress(dataset) };
    },
    'labels.progress': ({ dataset }) => progress(dataset),
    'labels.mislabels': ({ dataset, limit }) => mislabelQueue(db, dataset, limit),
  };
}
