import type { Rng } from '../util/rng.ts';
import {
  CAPTCHA_CLASSES, CAPTCHA_Z, buildCaptchaDcganDiscriminator, buildCaptchaDcganGenerator, buildCaptchaFcDiscriminator,
  buildCaptchaFcGenerator,
} from './captcha.ts';
import {
  buildFaceDcganDiscriminator, buildFaceDcganGenerator, buildFaceFcDiscriminator, buildFaceFcGenerator, type FaceSize,
} from './celeba.ts';
import type { Network } from './network.ts';

export const GAN_ARCHITECTURES = [
  'captcha-dcgan', 'captcha-dcgan-smoothing', 'captcha-fc',
  'celeba-dcgan', 'celeba-dcgan-smoothing', 'celeba-fc', 'celeba-fc-conv', 'celeba-fc-deconv',
] as const;
export type GanArchitecture = (typeof GAN_ARCHITECTURES)[number];

export interface ArchitectureOptions {
  /** Batch norm in the discriminator (WGAN-GP critics have none, SPEC §9). */
  discriminatorBatchNorm: boolean;
  /** Condition both nets on one-hot character labels (SPEC §7; captcha DCGANs only). */
  labelConditioned: boolean;
  /** Face image side. */
  imageSize: FaceSize;
}

export interface GanPair {
  discriminator: Network;
  generator: Network;
  zDim: number;
}

/** Builds the discriminator and generator of an architecture from one seed stream each. */
export function buildGan(arch: GanArchitecture, opts: ArchitectureOptions, rng: Rng): GanPair {
  const dRng = rng.fork('init/D');
  const gRng = rng.fork('init/G');
  const labels = opts.labelConditioned ? CAPTCHA_CLASSES : 0;
  if (labels && !arch.startsWith('captcha-dcgan')) {
    throw new Error(`label conditioning is defined for the captcha DCGAN nets only, not ${arch}`);
  }
  const bn = opts.discriminatorBatchNorm;
  switch (arch) {
    case 'captcha-dcgan':
    case 'captcha-dcgan-smoothing':
      return {
        discriminator: buildCaptchaDcganDiscriminator(dRng, { batchNorm: bn, labelClasses: labels }),
        generator: buildCaptchaDcganGenerator(gRng, {
          zDim: CAPTCHA_Z, labelClasses: labels, tail: arch === 'captcha-dcgan' ? 'sigmoid' : 'smoothing',
        }),
        zDim: CAPTCHA_Z,
      };
    case 'captcha-fc':
      return { discriminator: buildCaptchaFcDiscriminator(dRng), generator: buildCaptchaFcGenerator(gRng), zDim: CAPTCHA_Z };
    case 'celeba-dcgan':
    case 'celeba-dcgan-smoothing': {
      const tail = arch === 'celeba-dcgan' ? 'sigmoid' : 'smoothing';
      const generator = buildFaceDcganGenerator(gRng, opts.imageSize, { tail });
      return { discriminator: buildFaceDcganDiscriminator(dRng, opts.imageSize, { batchNorm: bn }), generator, zDim: generator.inputShape[0]! };
    }
    case 'celeba-fc':
    case 'celeba-fc-conv':
    case 'celeba-fc-deconv': {
      const variant = arch === 'celeba-fc' ? 'plain' : arch === 'celeba-fc-conv' ? 'conv' : 'deconv';
      const generator = buildFaceFcGenerator(gRng, opts.imageSize, variant);
      return { discriminator: buildFaceFcDiscriminator(dRng, opts.imageSize), generator, zDim: generator.inputShape[0]! };
    }
  }
}
