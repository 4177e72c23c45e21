import type { Rng } from '../util/rng.ts';
import type { BatchNormKind } from './layers.ts';
import {
  CAPTCHA_CLASSES, CAPTCHA_Z, buildCaptchaDcganDiscriminator, type LabelJoin, buildCaptchaDcganGenerator, buildCaptchaFcDiscriminator,
  buildCaptchaFcGenerator,
} from './captcha.ts';
import {
  buildFaceDcganDiscriminator, buildFaceDcganGenerator, buildFaceFcDiscriminator, buildFaceFcGenerator, type FaceSize,
} from './celeba.ts';
import type { Network } from './network.ts';
import { GAN_ARCHITECTURES, type GanArchitecture } from '../presets/vocabulary.ts';

export { GAN_ARCHITECTURES, type GanArchitecture };

export interface ArchitectureOptions {
  /** Batch norm in the discriminator (WGAN-GP critics have none, SPEC §9). */
  discriminatorBatchNorm: boolean;
  /** Condition both nets on one-hot character labels (SPEC §7; captcha DCGANs only). */
  labelConditioned: boolean;
  /** Face image side. */
  imageSize: FaceSize;
  /** Where the labels join D (and G, for every-layer): SPEC §7. */
  labelJoin: LabelJoin;
  /** Layers of the DCGAN nets add biases (the thesis's captcha code has none, SPEC §3). */
  biases: boolean;
  /** The DCGAN nets' batch norm (SPEC §3: the thesis's parameter-free `batchnormalize`). */
  batchNormKind: BatchNormKind;
}

/** The thesis's captcha DCGAN reading (SPEC §3, §7): what presets start from. */
export const THESIS_ARCHITECTURE_OPTIONS: ArchitectureOptions = {
  discriminatorBatchNorm: true, labelConditioned: false, imageSize: 64, labelJoin: 'features', biases: false, batchNormKind: 'parameter-free',
};

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
  const layerOptions = { biases: opts.biases, batchNormKind: opts.batchNormKind };
  switch (arch) {
    case 'captcha-dcgan':
    case 'captcha-dcgan-smoothing': {
      const dcgan = { ...layerOptions, labelClasses: labels, labelJoin: opts.labelJoin };
      return {
        discriminator: buildCaptchaDcganDiscriminator(dRng, { ...dcgan, batchNorm: bn }),
        generator: buildCaptchaDcganGenerator(gRng, { ...dcgan, zDim: CAPTCHA_Z, tail: arch === 'captcha-dcgan' ? 'sigmoid' : 'smoothing' }),
        zDim: CAPTCHA_Z,
      };
    }
    case 'captcha-fc':
      return { discriminator: buildCaptchaFcDiscriminator(dRng, opts.biases), generator: buildCaptchaFcGenerator(gRng, opts.biases), zDim: CAPTCHA_Z };
    case 'celeba-dcgan':
    case 'celeba-dcgan-smoothing': {
      const tail = arch === 'celeba-dcgan' ? 'sigmoid' : 'smoothing';
      const generator = buildFaceDcganGenerator(gRng, opts.imageSize, { tail, ...layerOptions });
      const discriminator = buildFaceDcganDiscriminator(dRng, opts.imageSize, { batchNorm: bn, ...layerOptions });
      return { discriminator, generator, zDim: generator.inputShape[0]! };
    }
    case 'celeba-fc':
    case 'celeba-fc-conv':
    case 'celeba-fc-deconv': {
      const variant = arch === 'celeba-fc' ? 'plain' : arch === 'celeba-fc-conv' ? 'conv' : 'deconv';
      const generator = buildFaceFcGenerator(gRng, opts.imageSize, variant, opts.biases);
      return { discriminator: buildFaceFcDiscriminator(dRng, opts.imageSize, opts.biases), generator, zDim: generator.inputShape[0]! };
    }
  }
}
