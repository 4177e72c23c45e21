import { tf } from '../engine/tf.ts';
import type { Network, ParamKind } from '../models/network.ts';

/**
 * Weight clipping after each update (WGAN's Lipschitz constraint).
 *  none:      no clipping (GAN, WGAN-GP)
 *  all:       every trainable critic variable, SPEC §4–5 (with a learnable batch norm, its γ and β too)
 *  weights:   every critic kernel (dense, conv), not biases or batch-norm γ/β — for the critics
 *             where `all` would clip what the thesis's own nets did not have
 *  selective: SPEC §6 — critic: fc weights only; generator: fc and deconv weights
 */
export const CLIP_POLICIES = ['none', 'all', 'weights', 'selective'] as const;
export type ClipPolicy = (typeof CLIP_POLICIES)[number];

const SELECTIVE: { discriminator: ParamKind[]; generator: ParamKind[] } = {
  discriminator: ['dense-kernel'],
  generator: ['dense-kernel', 'deconv-kernel'],
};

/** Which of a network's parameters a policy clips. */
export function clippedParams(policy: ClipPolicy, role: 'discriminator' | 'generator', net: Network) {
  const trainable = net.params.filter((p) => p.trainable);
  if (policy === 'none') return [];
  if (policy === 'all') return role === 'discriminator' ? trainable : [];
  if (policy === 'weights') return role === 'discriminator' ? trainable.filter((p) => p.kind.endsWith('-kernel')) : [];
  return trainable.filter((p) => SELECTIVE[role].includes(p.kind));
}

export function clipNetwork(policy: ClipPolicy, role: 'discriminator' | 'generator', net: Network, value: number): void {
  const params = clippedParams(policy, role, net);
  if (params.length === 0) return;
  tf.tidy(() => {
    for (const p of params) p.variable.assign(tf.clipByValue(p.variable, -value, value));
  });
}
