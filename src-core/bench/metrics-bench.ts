/**
 * `npm run bench -- metrics`: the Fréchet distance at the recogniser's 500 features, as an
 * evaluation computes it (the real set's Σ^½ kept across evaluations) and from scratch.
 */
import { frechetDistance, meanAndCovariance, symmetricSqrt } from '../metrics/linalg.ts';
import { Rng } from '../util/rng.ts';

export function benchMetrics(): void {
  const d = 500;
  const n = 2048;
  const rng = new Rng(1);
  const real = meanAndCovariance(rng.fillNormal(new Float32Array(n * d)), n, d);
  const fake = meanAndCovariance(rng.fillNormal(new Float32Array(n * d)).map((v) => v * 1.1 + 0.05), n, d);
  const time = (f: () => unknown) => {
    const t0 = performance.now();
    f();
    return performance.now() - t0;
  };
  const scratch = time(() => frechetDistance(real.mean, real.cov, fake.mean, fake.cov, d));
  let root: Float64Array = new Float64Array(0);
  const sqrt = time(() => (root = symmetricSqrt(real.cov, d)));
  const cached = time(() => frechetDistance(real.mean, real.cov, fake.mean, fake.cov, d, root));
  console.log(`Fréchet distance, ${d} features: from scratch ${scratch.toFixed(0)} ms; Σ^½ of the real set ${sqrt.toFixed(0)} ms once, then ${cached.toFixed(0)} ms per evaluation (${(scratch / cached).toFixed(1)}×)`);
}
