import { CLIP_POLICIES, type ClipPolicy } from '../presets/vocabulary.ts';
import { tf } from '../engine/tf.ts';
import type { Network, ParamKind } from '../models/network.ts';

export { CLIP_POLICIES, type ClipPolicy };

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
