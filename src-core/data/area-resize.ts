/**
 * Area-average resampling of an interleaved 3-channel 8-bit image region to dw × dh:
 * each output pixel is the mean of the source area it covers (fractional edges
 * weighted), the right filter for downscaling. Separable (rows, then columns), with
 * the taps flattened into typed arrays: it runs on the main thread while libuv's
 * threads decode the next images, so its cost is the import's critical path.
 */
export function areaResizeRgb(
  src: Uint8Array | Buffer, width: number, crop: { x: number; y: number; w: number; h: number }, dw: number, dh: number,
): Uint8Array {
  const xs = taps(crop.w, dw);
  const ys = taps(crop.h, dh);
  const mid = new Float32Array(crop.h * dw * 3);
  for (let y = 0; y < crop.h; y++) {
    const row = ((crop.y + y) * width + crop.x) * 3;
    let o = y * dw * 3;
    for (let x = 0; x < dw; x++) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (let k = xs.begin[x]!; k < xs.begin[x + 1]!; k++) {
        const p = row + xs.index[k]! * 3;
        const w = xs.weight[k]!;
        r += w * src[p]!;
        g += w * src[p + 1]!;
        b += w * src[p + 2]!;
      }
      mid[o++] = r;
      mid[o++] = g;
      mid[o++] = b;
    }
  }
  const out = new Uint8Array(dw * dh * 3);
  const stride = dw * 3;
  for (let y = 0; y < dh; y++) {
    const o = y * stride;
    for (let k = ys.begin[y]!; k < ys.begin[y + 1]!; k++) {
      const w = ys.weight[k]!;
      const base = ys.index[k]! * stride;
      for (let i = 0; i < stride; i++) acc[i] = (k === ys.begin[y] ? 0 : acc[i]!) + w * mid[base + i]!;
    }
    for (let i = 0; i < stride; i++) out[o + i] = acc[i]! + 0.5;
  }
  return out;
}

/** Scratch row for the vertical pass (the widest output row is 128 × 3). */
let acc = new Float32Array(128 * 3);

/** Taps of a 1-D area resample, flattened: output i uses index[begin[i]..begin[i+1]) with weight[…]. */
function taps(length: number, outLength: number): { begin: Int32Array; index: Int32Array; weight: Float32Array } {
  if (acc.length < outLength * 3) acc = new Float32Array(outLength * 3);
  const scale = length / outLength;
  const begin = new Int32Array(outLength + 1);
  const index: number[] = [];
  const weight: number[] = [];
  for (let i = 0; i < outLength; i++) {
    begin[i] = index.length;
    const a = i * scale;
    const b = a + scale;
    for (let k = Math.floor(a); k < Math.min(length, Math.ceil(b)); k++) {
      index.push(k);
      weight.push((Math.min(b, k + 1) - Math.max(a, k)) / scale);
    }
  }
  begin[outLength] = index.length;
  return { begin, index: Int32Array.from(index), weight: Float32Array.from(weight) };
}
