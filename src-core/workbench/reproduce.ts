/**
 * The thesis's experiments reproduced over several seeds (captcha recognisers, the GAN
 * augmentation claim, CelebA GANs) and the verdicts judged from their runs: the use
 * cases `reproduce` and `report` of the CLI.
 */
export { ReproductionStopped, reproduceCaptcha, reproduceCeleba } from '../reproduce/experiments.ts';
export { reproduceAugmentation } from '../reproduce/augmentation.ts';
export { judgeCaptchaRuns, judgeCelebaRuns } from '../reproduce/report.ts';
