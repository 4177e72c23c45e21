/**
 * Curve smoothing shared by the live charts and the figure export, so screen and
 * paper agree: TensorBoard's exponential moving average, debiased so the first
 * points are not pulled towards 0. weight in [0, 1); 0 = raw.
 */
export function smooth(values: number[], weight: number): number[] {
  if (weight <= 0) return values.slice();
  let last = 0;
  return values.map((v, i) => {
    last = last * weight + (1 - weight) * v;
    return last / (1 - weight ** (i + 1));
  });
}
