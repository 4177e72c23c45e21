/**
 * Dense symmetric eigendecomposition in float64 (Householder tridiagonalisation and
 * the implicit QL method: EISPACK's tred2/tql2 as in JAMA), enough for the Fréchet
 * distance's matrix square roots of 500×500 covariances.
 * Matrices are row-major Float64Arrays of n × n.
 */
export function symmetricEigen(a: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  const V: Float64Array[] = Array.from({ length: n }, (_, i) => a.slice(i * n, (i + 1) * n));
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  tred2(V, d, e, n, true);
  tql2(V, d, e, n, true);
  const vectors = new Float64Array(n * n);
  for (let i = 0; i < n; i++) vectors.set(V[i]!, i * n);
  return { values: d, vectors };
}

/**
 * The eigenvalues alone (in no particular order): the same reductions without
 * accumulating the transformations, about a third of the work of symmetricEigen.
 */
export function symmetricEigenvalues(a: Float64Array, n: number): Float64Array {
  const V: Float64Array[] = Array.from({ length: n }, (_, i) => a.slice(i * n, (i + 1) * n));
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  tred2(V, d, e, n, false);
  tql2(V, d, e, n, false);
  return d;
}

function tred2(V: Float64Array[], d: Float64Array, e: Float64Array, n: number, vectors: boolean): void {
  for (let j = 0; j < n; j++) d[j] = V[n - 1]![j]!;
  for (let i = n - 1; i > 0; i--) {
    let scale = 0;
    let h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(d[k]!);
    if (scale === 0) {
      e[i] = d[i - 1]!;
      for (let j = 0; j < i; j++) {
        d[j] = V[i - 1]![j]!;
        V[i]![j] = 0;
        V[j]![i] = 0;
      }
    } else {
      for (let k = 0; k < i; k++) {
        d[k]! /= scale;
        h += d[k]! * d[k]!;
      }
      let f = d[i - 1]!;
      let g = Math.sqrt(h);
      if (f > 0) g = -g;
      e[i] = scale * g;
      h -= f * g;
      d[i - 1] = f - g;
      for (let j = 0; j < i; j++) e[j] = 0;
      for (let j = 0; j < i; j++) {
        f = d[j]!;
        V[j]![i] = f;
        g = e[j]! + V[j]![j]! * f;
        for (let k = j + 1; k <= i - 1; k++) {
          g += V[k]![j]! * d[k]!;
          e[k]! += V[k]![j]! * f;
        }
        e[j] = g;
      }
      f = 0;
      for (let j = 0; j < i; j++) {
        e[j]! /= h;
        f += e[j]! * d[j]!;
      }
      const hh = f / (h + h);
      for (let j = 0; j < i; j++) e[j]! -= hh * d[j]!;
      for (let j = 0; j < i; j++) {
        f = d[j]!;
        g = e[j]!;
        for (let k = j; k <= i - 1; k++) V[k]![j]! -= f * e[k]! + g * d[k]!;
        d[j] = V[i - 1]![j]!;
        V[i]![j] = 0;
      }
    }
    d[i] = h;
  }
  if (!vectors) {
    // The tridiagonal's diagonal is left on V's (the accumulation below would read it from there too).
    for (let j = 0; j < n; j++) d[j] = V[j]![j]!;
    e[0] = 0;
    return;
  }
  for (let i = 0; i < n - 1; i++) {
    V[n - 1]![i] = V[i]![i]!;
    V[i]![i] = 1;
    const h = d[i + 1]!;
    if (h !== 0) {
      for (let k = 0; k <= i; k++) d[k] = V[k]![i + 1]! / h;
      for (let j = 0; j <= i; j++) {
        let g = 0;
        for (let k = 0; k <= i; k++) g += V[k]![i + 1]! * V[k]![j]!;
        for (let k = 0; k <= i; k++) V[k]![j]! -= g * d[k]!;
      }
    }
    for (let k = 0; k <= i; k++) V[k]![i + 1] = 0;
  }
  for (let j = 0; j < n; j++) {
    d[j] = V[n - 1]![j]!;
    V[n - 1]![j] = 0;
  }
  V[n - 1]![n - 1] = 1;
  e[0] = 0;
}

function tql2(V: Float64Array[], d: Float64Array, e: Float64Array, n: number, vectors: boolean): void {
  for (let i = 1; i < n; i++) e[i - 1] = e[i]!;
  e[n - 1] = 0;
  let f = 0;
  let tst1 = 0;
  const eps = 2 ** -52;
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]!) + Math.abs(e[l]!));
    let m = l;
    while (m < n && Math.abs(e[m]!) > eps * tst1) m++;
    if (m > l) {
      do {
        let g = d[l]!;
        let p = (d[l + 1]! - g) / (2 * e[l]!);
        let r = Math.hypot(p, 1);
        if (p < 0) r = -r;
        d[l] = e[l]! / (p + r);
        d[l + 1] = e[l]! * (p + r);
        const dl1 = d[l + 1]!;
        let h = g - d[l]!;
        for (let i = l + 2; i < n; i++) d[i]! -= h;
        f += h;
        p = d[m]!;
        let c = 1;
        let c2 = c;
        let c3 = c;
        const el1 = e[l + 1]!;
        let s = 0;
        let s2 = 0;
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i]!;
          h = c * p;
          r = Math.hypot(p, e[i]!);
          e[i + 1] = s * r;
          s = e[i]! / r;
          c = p / r;
          p = c * d[i]! - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]!);
          if (vectors) for (let k = 0; k < n; k++) {
            h = V[k]![i + 1]!;
            V[k]![i + 1] = s * V[k]![i]! + c * h;
            V[k]![i] = c * V[k]![i]! - s * h;
          }
        }
        p = (-s * s2 * c3 * el1 * e[l]!) / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (Math.abs(e[l]!) > eps * tst1);
    }
    d[l] = d[l]! + f;
    e[l] = 0;
  }
}

/** Mean [d] and covariance [d × d] (unbiased) of n row vectors of length d. */
export function meanAndCovariance(x: Float32Array | Float64Array, n: number, d: number): { mean: Float64Array; cov: Float64Array } {
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j]! += x[i * d + j]! / n;
  const cov = new Float64Array(d * d);
  const row = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) row[j] = x[i * d + j]! - mean[j]!;
    for (let a = 0; a < d; a++) {
      const ra = row[a]!;
      if (ra === 0) continue;
      const base = a * d;
      for (let b = a; b < d; b++) cov[base + b]! += ra * row[b]!;
    }
  }
  const denom = Math.max(1, n - 1);
  for (let a = 0; a < d; a++) {
    for (let b = a; b < d; b++) {
      const v = cov[a * d + b]! / denom;
      cov[a * d + b] = v;
      cov[b * d + a] = v;
    }
  }
  return { mean, cov };
}

/** C = A · B for n × n row-major matrices. */
function matmul(a: Float64Array, b: Float64Array, n: number): Float64Array {
  const c = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < n; k++) {
      const aik = a[i * n + k]!;
      if (aik === 0) continue;
      const bk = k * n;
      const ci = i * n;
      for (let j = 0; j < n; j++) c[ci + j]! += aik * b[bk + j]!;
    }
  }
  return c;
}

/** Σ^½ = V diag(√λ) Vᵀ of a symmetric positive semi-definite matrix (negative rounding clipped to 0). */
export function symmetricSqrt(c: Float64Array, d: number): Float64Array {
  const { values, vectors } = symmetricEigen(c, d);
  // W = V diag(λ^¼), so Σ^½ = W Wᵀ: dot products of W's rows, in memory order.
  const w = new Float64Array(d * d);
  const root = values.map((v) => Math.sqrt(Math.sqrt(Math.max(0, v))));
  for (let i = 0; i < d; i++) for (let k = 0; k < d; k++) w[i * d + k] = vectors[i * d + k]! * root[k]!;
  const out = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = i; j < d; j++) {
      let v = 0;
      for (let k = 0; k < d; k++) v += w[i * d + k]! * w[j * d + k]!;
      out[i * d + j] = v;
      out[j * d + i] = v;
    }
  }
  return out;
}

/**
 * Fréchet distance between Gaussians N(μ1, Σ1) and N(μ2, Σ2):
 * ‖μ1 − μ2‖² + Tr Σ1 + Tr Σ2 − 2 Tr (Σ1^½ Σ2 Σ1^½)^½ (the symmetric form of Tr √(Σ1Σ2)).
 * `sqrt1` is Σ1^½ when the caller has it (a run's evaluator measures against one real set
 * many times); only the eigenvalues of the product are needed.
 */
export function frechetDistance(
  m1: Float64Array, c1: Float64Array, m2: Float64Array, c2: Float64Array, d: number, sqrt1: Float64Array = symmetricSqrt(c1, d),
): number {
  const m = matmul(matmul(sqrt1, c2, d), sqrt1, d);
  for (let i = 0; i < d; i++) for (let j = i + 1; j < d; j++) m[i * d + j] = m[j * d + i] = (m[i * d + j]! + m[j * d + i]!) / 2;
  const traceSqrt = symmetricEigenvalues(m, d).reduce((s, v) => s + Math.sqrt(Math.max(0, v)), 0);
  let meanTerm = 0;
  let trace = 0;
  for (let i = 0; i < d; i++) {
    meanTerm += (m1[i]! - m2[i]!) ** 2;
    trace += c1[i * d + i]! + c2[i * d + i]!;
  }
  return Math.max(0, meanTerm + trace - 2 * traceSqrt);
}
