/**
 * Labelling a captcha dataset: the captchas in queue order (next unlabelled, least
 * confident first), a label saved, skipped, undone or redone, labels to and from CSV,
 * the recogniser's suggestions, mislabel queue and label-learning curve, and the
 * pictures the labelling screen shows. Saving goes through data/labels.ts (one
 * transaction per label: an acknowledged label is never lost); the rest are the store's queries.
 */
export { exportLabelsCsv, importLabelsCsv, setLabel, setStatus, settingsOf } from '../data/labels.ts';
export { captchaPng, cutPreviewPng } from '../data/captcha-preview.ts';
export { getCaptcha, labelCounts, leastConfidentUnlabelled, listCaptchas, nextUnlabelled, redoLabel, undoLabel, type CaptchaRow } from '../store/captchas.ts';
export { labelLearning, latestRecognizer, mislabelQueue, predictionFor } from '../store/recognizers.ts';
