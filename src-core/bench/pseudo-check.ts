/**
 * A benchmark's look at self-training's pseudo-labels after a run: how many of the texts its last
 * checkpoint holds are the captchas' true labels. Only a benchmark may look: the labels it compares
 * with are the ones a budget withheld from the run.
 */
import { listCaptchas } from '../store/captchas.ts';
import type { Db } from '../store/open.ts';
import { readCheckpoint } from '../training/checkpoint.ts';
import { runFiles } from '../runner/run-folder.ts';
import type { PseudoLabelState } from '../training/pseudo-labels.ts';

export function pseudoLabelPrecision(db: Db, home: string, run: string, dataset: number, alphabet: string): { right: number; checked: number } {
  const pseudo = readCheckpoint(runFiles(home, run).checkpoint).state.meta.pseudo as PseudoLabelState | undefined;
  if (!pseudo) return { right: 0, checked: 0 };
  // The run's image set holds the dataset's captchas but skipped ones, in order (dataset-images.ts).
  const captchas = listCaptchas(db, dataset).filter((c) => c.status !== 'skipped');
  let right = 0;
  let checked = 0;
  pseudo.ids.forEach((id, i) => {
    const truth = captchas[id]?.label;
    if (!truth) return;
    checked += 1;
    if (pseudo.texts[i]!.map((k) => alphabet[k]).join('') === truth) right += 1;
  });
  return { right, checked };
}
