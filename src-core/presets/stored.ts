import { changesSince } from './catalog.ts';
import { ConfigError } from '../domain/errors.ts';
import type { JobConfig, RecognizerJobConfig } from './types.ts';

/**
 * A run's stored configuration as this version builds it. Runs made before presets had
 * versions lack the layer fields: every net then had biases and a learnable batch norm,
 * which this version still builds, so those runs resume exactly. Their label-conditioned
 * nets joined the labels just before D's last unit, which no longer exists: refused.
 */
export function buildableConfig(stored: JobConfig): JobConfig {
  // Recogniser runs from before the segmentation-free model: the thesis's LeNet, nothing held back;
  // from before column widths: 4-pixel columns and a constant rate (captcha-recognizer-ctc v1); from before
  // known-length reading and weight averaging (v1, v2): texts of any length, training's own weights; from before
  // the validation measure (v1–v3): judged by captchas read whole.
  if (stored.kind !== 'gan') {
    // From before label budgets and self-training (v1–v4): every label, no unlabelled captchas.
    const legacy: Pick<RecognizerJobConfig, 'model' | 'testSplit' | 'patience' | 'augment' | 'beamWidth' | 'columnWidth' | 'reduceLearningRateAfter' | 'fixedLength' | 'weightAverage' | 'validationMeasure'
      | 'labelBudget' | 'selfTraining' | 'pseudoLabelConfidence' | 'pseudoLabelShare' | 'synthPretrainSteps' | 'synthCount' | 'synthRefinerSteps' | 'synthRefinerWeight'
      | 'selectionValidationCaptchas' | 'synthPretrainMaxSteps'> = {
      model: 'lenet', testSplit: 0, patience: 0, augment: false, beamWidth: 1, columnWidth: 4, reduceLearningRateAfter: 0, fixedLength: false, weightAverage: 0,
      validationMeasure: 'captcha-accuracy', labelBudget: 0, selfTraining: false, pseudoLabelConfidence: 0.9, pseudoLabelShare: 0.5,
      synthPretrainSteps: 0, synthCount: 2000, synthRefinerSteps: 0, synthRefinerWeight: 1,
      // From before v7: the best validation evaluation's weights, however small the split.
      selectionValidationCaptchas: 0,
      // From before v8: pretraining lasts exactly synthPretrainSteps.
      synthPretrainMaxSteps: 0,
    };
    return { ...legacy, ...stored };
  }
  if ((stored as Partial<typeof stored>).biases !== undefined) return stored;
  if (stored.labelConditioned) {
    const changes = changesSince(stored.preset, 1);
    throw new ConfigError(
      `this run was made with version 1 of ${stored.preset}, whose discriminator this version no longer builds` +
      `${changes.length ? ` (${changes.join('; ')})` : ''}: its checkpoint cannot be resumed. Its metrics and samples stay browsable; start a new run to train the current version.`,
    );
  }
  return { ...stored, presetVersion: 1, biases: true, batchNormKind: 'learnable', labelJoin: 'features' };
}
