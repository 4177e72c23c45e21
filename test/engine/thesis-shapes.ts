/**
 * Every convolution and dense layer of the thesis's networks (SPEC §2–§9, with the
 * 64² face variants), as the conformance tests exercise them.
 * conv: input [H, W, Cin] → Cout with a k×k kernel, stride s, padding.
 * deconv layers are listed as the forward convolution whose input-gradient they are:
 * a deconv from [h, w, a] to [H, W, b] is conv [H, W, b] → a.
 */
export interface ConvShape {
  name: string;
  h: number;
  cin: number;
  cout: number;
  k: number;
  s: number;
  pad: 'same' | 'valid';
}

const faceConvs = (S: number): ConvShape[] => [
  { name: `face${S} D conv1`, h: S, cin: 3, cout: 32, k: 5, s: 2, pad: 'same' },
  { name: `face${S} D conv2`, h: S / 2, cin: 32, cout: 64, k: 5, s: 2, pad: 'same' },
  { name: `face${S} D conv3`, h: S / 4, cin: 64, cout: 128, k: 5, s: 2, pad: 'same' },
  { name: `face${S} D conv4`, h: S / 8, cin: 128, cout: 256, k: 5, s: 2, pad: 'same' },
  { name: `face${S} G deconv1`, h: S / 8, cin: 128, cout: 256, k: 5, s: 2, pad: 'same' },
  { name: `face${S} G deconv2`, h: S / 4, cin: 64, cout: 128, k: 5, s: 2, pad: 'same' },
  { name: `face${S} G deconv3`, h: S / 2, cin: 32, cout: 64, k: 5, s: 2, pad: 'same' },
  { name: `face${S} G deconv4`, h: S, cin: 3, cout: 32, k: 5, s: 2, pad: 'same' },
  { name: `face${S} G deconv4 (smoothing)`, h: S, cin: 16, cout: 32, k: 5, s: 2, pad: 'same' },
  { name: `face${S} G smoothing conv`, h: S, cin: 16, cout: 3, k: 5, s: 1, pad: 'same' },
  { name: `face${S} FC-G (a) smoothing conv`, h: S, cin: 3, cout: 3, k: 5, s: 1, pad: 'same' },
  { name: `face${S} FC-G (b) deconv1`, h: S / 2, cin: 16, cout: 4, k: 5, s: 2, pad: 'same' },
  { name: `face${S} FC-G (b) deconv2`, h: S, cin: 8, cout: 16, k: 5, s: 2, pad: 'same' },
  { name: `face${S} FC-G (b) conv`, h: S, cin: 8, cout: 3, k: 5, s: 1, pad: 'same' },
];

export const THESIS_CONVS: ConvShape[] = [
  { name: 'recogniser conv1', h: 20, cin: 1, cout: 20, k: 5, s: 1, pad: 'valid' },
  { name: 'recogniser conv2', h: 8, cin: 20, cout: 50, k: 5, s: 1, pad: 'valid' },
  { name: 'captcha D conv1', h: 20, cin: 1, cout: 64, k: 5, s: 2, pad: 'same' },
  { name: 'captcha D conv2', h: 10, cin: 64, cout: 128, k: 5, s: 2, pad: 'same' },
  { name: 'captcha G deconv1', h: 10, cin: 64, cout: 128, k: 5, s: 2, pad: 'same' },
  { name: 'captcha G deconv2', h: 20, cin: 1, cout: 64, k: 5, s: 2, pad: 'same' },
  { name: 'captcha G deconv2 (smoothing)', h: 20, cin: 16, cout: 64, k: 5, s: 2, pad: 'same' },
  { name: 'captcha G smoothing conv', h: 20, cin: 16, cout: 1, k: 5, s: 1, pad: 'same' },
  ...faceConvs(64),
  ...faceConvs(128),
];

/** Dense layers as [in, out]. */
export const THESIS_DENSES: [string, number, number][] = [
  ['recogniser fc1', 200, 500], ['recogniser fc2', 500, 32],
  ['captcha D fc1', 3200, 1024], ['captcha D fc2', 1024, 1], ['captcha D fc2 (labels)', 1056, 1],
  ['captcha G fc1', 128, 1024], ['captcha G fc1 (labels)', 160, 1024], ['captcha G fc2', 1024, 3200],
  ['captcha FC D fc1', 400, 500], ['captcha FC D fc2', 500, 1], ['captcha FC G fc1', 128, 500], ['captcha FC G fc2', 500, 400],
  ['face128 D fc', 16384, 1], ['face128 G fc', 128, 16384], ['face64 D fc', 4096, 1], ['face64 G fc', 128, 4096],
  ['face128 FC D fc1', 49152, 1024], ['face128 FC G fc2', 1024, 49152], ['face128 FC-G (b) fc', 128, 4096],
  ['face64 FC D fc1', 12288, 1024], ['face64 FC G fc2', 1024, 12288], ['face64 FC-G (b) fc', 128, 1024],
  ['FC D/G fc 1024', 128, 1024],
];
