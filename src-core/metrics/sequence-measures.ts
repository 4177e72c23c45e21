/** Measures of read sequences: edit distance and the calibration of their confidences. */

/** Levenshtein distance of two class sequences. */
export function editDistance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length]!;
}

/** Expected calibration error: |accuracy − mean confidence| per confidence bin, weighted by the bin's share. */
export function expectedCalibrationError(confidences: number[], correct: boolean[], bins = 10): number {
  const n = confidences.length;
  if (n === 0) return 0;
  let ece = 0;
  for (let b = 0; b < bins; b++) {
    const idx = confidences.map((c, i) => [c, i] as const).filter(([c]) => (b === 0 ? c >= 0 : c > b / bins) && c <= (b + 1) / bins).map(([, i]) => i);
    if (idx.length === 0) continue;
    const acc = idx.filter((i) => correct[i]).length / idx.length;
    const conf = idx.reduce((s, i) => s + confidences[i]!, 0) / idx.length;
    ece += (idx.length / n) * Math.abs(acc - conf);
  }
  return ece;
}

/** Whether a reading is exactly the true text. */
export const readsWhole = (read: ArrayLike<number>, truth: ArrayLike<number>): boolean =>
  read.length === truth.length && Array.prototype.every.call(read, (k: number, j: number) => k === truth[j]);

/** Share of characters right: 1 − edit distance / characters, each captcha's errors capped at its length. */
export function characterAccuracy(reads: ArrayLike<number>[], truths: ArrayLike<number>[]): number {
  let errors = 0;
  let characters = 0;
  reads.forEach((l, i) => {
    errors += Math.min(truths[i]!.length, editDistance(l, truths[i]!));
    characters += truths[i]!.length;
  });
  return 1 - errors / characters;
}
