import { DCGAN_ADAM, GAN_DEFAULTS, GP_ADAM, RECOGNIZER_DEFAULTS, WGAN_RMSPROP } from './defaults.ts';
import type { GanJobConfig, JobConfig } from './types.ts';

type GanOverrides = Partial<GanJobConfig> & Pick<GanJobConfig, 'preset' | 'section' | 'title'>;
const gan = (o: GanOverrides): GanJobConfig => ({ ...GAN_DEFAULTS, ...o });

/** WGAN on any net (SPEC §4–5): Wasserstein loss, RMSProp, every critic variable clipped to ±0.05. */
const WGAN = {
  loss: 'wgan', discriminatorOptimizer: WGAN_RMSPROP, generatorOptimizer: WGAN_RMSPROP,
  clip: { policy: 'all', value: 0.05 },
} as const;
/** SPEC §6: smoothing tail, selective clipping, more critic updates until its estimate falls steadily. */
const WGAN_UPDATE = {
  ...WGAN,
  architecture: 'captcha-dcgan-smoothing',
  clip: { policy: 'selective', value: 0.05 },
  // early 5:1 so the critic approximates the distance; late 1:5 = the WDCGAN ratio.
  schedule: { kind: 'adaptive', early: { d: 5, g: 1 }, late: { d: 1, g: 5 }, window: 20, steadiness: 0.6 },
} as const;
/** SPEC §9: no clipping, no BN in the critic, λ = 10, Adam(1e-4, 0, 0.9), 5 critic updates per G update. */
const WGAN_GP = {
  loss: 'wgan-gp', gpWeight: 10, discriminatorBatchNorm: false, discriminatorOptimizer: GP_ADAM,
  generatorOptimizer: GP_ADAM, clip: { policy: 'none', value: 0.05 }, schedule: { kind: 'fixed', ratio: { d: 5, g: 1 } },
} as const;
/** SPEC §3's "D : G = 1 : 5": five generator updates per discriminator update. */
const ONE_TO_FIVE = { kind: 'fixed', ratio: { d: 1, g: 5 } } as const;
/** SPEC §8 WDCGAN: 5:2 for the first 25 iterations, then 2:1. */
const FACE_WGAN_SCHEDULE = { kind: 'phased', first: { d: 5, g: 2 }, iterations: 25, then: { d: 2, g: 1 } } as const;
/** Faces: 64² by default because 128² costs ~4× per iteration on a CPU; `--set imageSize=128` is the thesis's size. */
const FACES = { imageSize: 64, sampleCount: 16, data: { source: 'face-folder', path: '' } } as const;

export const PRESETS: readonly JobConfig[] = [
  { ...RECOGNIZER_DEFAULTS, preset: 'captcha-recognizer', section: '4.1', title: 'Captcha recogniser (LeNet-style CNN)' },
  gan({ preset: 'captcha-dcgan', section: '4.2', title: 'Captcha DCGAN', schedule: ONE_TO_FIVE }),
  gan({
    preset: 'captcha-fc-gan', section: '4.3', title: 'Fully-connected GAN (mode-collapse control)', architecture: 'captcha-fc',
    discriminatorOptimizer: WGAN_RMSPROP, generatorOptimizer: WGAN_RMSPROP, schedule: { kind: 'fixed', ratio: { d: 3, g: 1 } },
  }),
  gan({ preset: 'captcha-fc-wgan', section: '4.3', title: 'Fully-connected WGAN', architecture: 'captcha-fc', ...WGAN,
    schedule: { kind: 'fixed', ratio: { d: 3, g: 1 } } }),
  gan({ preset: 'captcha-wdcgan', section: '4.3', title: 'WDCGAN', ...WGAN, schedule: ONE_TO_FIVE }),
  gan({ preset: 'captcha-wdcgan-update', section: '4.4', title: 'WDCGAN_update (the thesis\'s optimisation)', ...WGAN_UPDATE }),
  gan({ preset: 'captcha-dcgan-label', section: '4.4', title: 'DCGAN, label-conditioned', labelConditioned: true,
    discriminatorOptimizer: DCGAN_ADAM, generatorOptimizer: DCGAN_ADAM, schedule: ONE_TO_FIVE }),
  gan({ preset: 'captcha-wdcgan-label', section: '4.4', title: 'WDCGAN, label-conditioned', labelConditioned: true, ...WGAN,
    schedule: ONE_TO_FIVE }),
  gan({ preset: 'captcha-wdcgan-label-update', section: '4.4', title: 'WDCGAN_update, label-conditioned', labelConditioned: true,
    ...WGAN_UPDATE }),
  gan({ preset: 'captcha-wdcgan-gp', section: '6', title: 'DCGAN critic with gradient penalty', ...WGAN_GP }),
  gan({ preset: 'captcha-fc-wgan-gp', section: '6', title: 'Fully-connected WGAN-GP', architecture: 'captcha-fc', ...WGAN_GP }),
  gan({ preset: 'celeba-dcgan', section: '5.2', title: 'CelebA DCGAN', architecture: 'celeba-dcgan', ...FACES,
    schedule: { kind: 'fixed', ratio: { d: 1, g: 2 } } }),
  gan({ preset: 'celeba-wdcgan', section: '5.3', title: 'CelebA WDCGAN', architecture: 'celeba-dcgan', ...FACES, ...WGAN,
    schedule: FACE_WGAN_SCHEDULE }),
  gan({ preset: 'celeba-wdcgan-update', section: '5.4', title: 'CelebA WDCGAN_update', architecture: 'celeba-dcgan-smoothing',
    ...FACES, ...WGAN, clip: { policy: 'selective', value: 0.05 }, schedule: FACE_WGAN_SCHEDULE }),
  // SPEC gives no update ratio for the FC face nets: they keep WDCGAN's (5.5 "modified from 5.3").
  gan({ preset: 'celeba-fc-wgan', section: '5.5', title: 'CelebA fully-connected WGAN', architecture: 'celeba-fc', ...FACES, ...WGAN,
    schedule: FACE_WGAN_SCHEDULE }),
  gan({ preset: 'celeba-fc-wgan-conv', section: '5.6', title: 'CelebA FC WGAN + smoothing conv (a)', architecture: 'celeba-fc-conv',
    ...FACES, ...WGAN, schedule: FACE_WGAN_SCHEDULE }),
  gan({ preset: 'celeba-fc-wgan-deconv', section: '5.6', title: 'CelebA FC WGAN with deconvolutions (b)',
    architecture: 'celeba-fc-deconv', ...FACES, ...WGAN, schedule: FACE_WGAN_SCHEDULE }),
];

export const PRESET_IDS = PRESETS.map((p) => p.preset);

export function findPreset(id: string): JobConfig | undefined {
  return PRESETS.find((p) => p.preset === id);
}
