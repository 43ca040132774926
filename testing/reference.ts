/**
 * An independent float64 reference in plain JavaScript: dense LU with partial pivoting on
 * Float64Array, used to judge every float32 result the library returns.
 */

/** A row-major n×n float64 matrix. */
export interface Matrix64 {n: number; data: Float64Array}

export const FLOAT32_EPS = 1.1920929e-7;

/**
 * A seeded PRNG (mulberry32) so every test case is the same on every run and backend; kept apart
 * from the library's `uniformStream` on purpose, so the reference depends on nothing it checks.
 */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Uniform entries in [−1, 1). */
export function randomVector(length: number, seed: number): Float64Array {
  const next = rng(seed);
  return Float64Array.from({length}, () => 2 * next() - 1);
}

export function matrix(n: number, entry: (i: number, j: number) => number): Matrix64 {
  const data = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) data[i * n + j] = entry(i, j);
  return {n, data};
}

export function transpose(a: Matrix64): Matrix64 {
  return matrix(a.n, (i, j) => a.data[j * a.n + i]);
}

/** A·X for X with k columns stored row-major `[n, k]`. */
export function matmul(a: Matrix64, x: Float64Array, k = 1): Float64Array {
  const {n, data} = a;
  const y = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const aij = data[i * n + j];
      if (aij === 0) continue;
      for (let c = 0; c < k; c++) y[i * k + c] += aij * x[j * k + c];
    }
  }
  return y;
}

/** X = A⁻¹B by LU with partial pivoting in float64; B row-major `[n, k]`. */
export function solve64(a: Matrix64, b: Float64Array, k = 1): Float64Array {
  const {n} = a;
  const m = Float64Array.from(a.data);
  const x = Float64Array.from(b);
  for (let col = 0; col < n; col++) {
    let p = col;
    for (let i = col + 1; i < n; i++) if (Math.abs(m[i * n + col]) > Math.abs(m[p * n + col])) p = i;
    if (m[p * n + col] === 0) throw new Error('reference: singular matrix');
    swapRows(m, n, col, p);
    swapRows(x, k, col, p);
    for (let i = col + 1; i < n; i++) {
      const l = m[i * n + col] / m[col * n + col];
      if (l === 0) continue;
      for (let j = col; j < n; j++) m[i * n + j] -= l * m[col * n + j];
      for (let c = 0; c < k; c++) x[i * k + c] -= l * x[col * k + c];
    }
  }
  for (let i = n - 1; i >= 0; i--) {
    for (let c = 0; c < k; c++) {
      let s = x[i * k + c];
      for (let j = i + 1; j < n; j++) s -= m[i * n + j] * x[j * k + c];
      x[i * k + c] = s / m[i * n + i];
    }
  }
  return x;
}

function swapRows(m: Float64Array, width: number, i: number, j: number): void {
  if (i === j) return;
  for (let c = 0; c < width; c++) {
    const t = m[i * width + c];
    m[i * width + c] = m[j * width + c];
    m[j * width + c] = t;
  }
}

export function norm(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  return Math.sqrt(s);
}

/** ‖a − b‖ / ‖b‖. */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < b.length; i++) s += (a[i] - b[i]) ** 2;
  return Math.sqrt(s) / Math.max(norm(b), 1e-300);
}

/** The 1-norm condition number κ₁(A) = ‖A‖₁‖A⁻¹‖₁, exactly, through the float64 inverse. */
export function condition(a: Matrix64): number {
  const {n} = a;
  const identity = matrix(n, (i, j) => (i === j ? 1 : 0)).data;
  const inverse = {n, data: solve64(a, identity, n)};
  return norm1(a) * norm1(inverse);
}

/** ‖A‖₁: the largest column sum of |aᵢⱼ|. */
export function norm1(a: Matrix64): number {
  let best = 0;
  for (let j = 0; j < a.n; j++) {
    let s = 0;
    for (let i = 0; i < a.n; i++) s += Math.abs(a.data[i * a.n + j]);
    best = Math.max(best, s);
  }
  return best;
}

/** −λxᵀ as a row-major n×n array: the analytic ∂L/∂A when Aᵀλ = ∂L/∂x. */
export function outerNegative(lambda: Float64Array, x: Float64Array, n: number, k = 1): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let c = 0; c < k; c++) s += lambda[i * k + c] * x[j * k + c];
      out[i * n + j] = -s;
    }
  }
  return out;
}

/**
 * Eigenvalues (ascending) and orthonormal eigenvectors (columns of a row-major matrix) of a
 * symmetric float64 matrix by the cyclic Jacobi method (Golub & Van Loan, Alg. 8.5.3).
 */
export function symmetricEigen(a: Matrix64): {values: Float64Array; vectors: Matrix64} {
  const {n} = a;
  const m = Float64Array.from(a.data);
  const v = matrix(n, (i, j) => (i === j ? 1 : 0)).data;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += m[p * n + q] ** 2;
    if (off < 1e-30) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = m[p * n + q];
        if (apq === 0) continue;
        const theta = (m[q * n + q] - m[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const mkp = m[k * n + p];
          const mkq = m[k * n + q];
          m[k * n + p] = c * mkp - s * mkq;
          m[k * n + q] = s * mkp + c * mkq;
        }
        for (let k = 0; k < n; k++) {
          const mpk = m[p * n + k];
          const mqk = m[q * n + k];
          m[p * n + k] = c * mpk - s * mqk;
          m[q * n + k] = s * mpk + c * mqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p];
          const vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({length: n}, (_, i) => i).sort((i, j) => m[i * n + i] - m[j * n + j]);
  return {
    values: Float64Array.from(order, i => m[i * n + i]),
    vectors: matrix(n, (i, j) => v[i * n + order[j]]),
  };
}

/**
 * κ₂(A) = σmax/σmin in float64 from the eigen-decomposition of AᵀA, and its gradient
 * ∂κ/∂A = (u₁v₁ᵀ − κ·uₙvₙᵀ)/σmin with uᵢ = A vᵢ/σᵢ (row-major n×n).
 */
export function condition2(a: Matrix64): {kappa: number; gradient: Float64Array; sigmas: Float64Array} {
  const {n} = a;
  const ata = matrix(n, (i, j) => {
    let s = 0;
    for (let k = 0; k < n; k++) s += a.data[k * n + i] * a.data[k * n + j];
    return s;
  });
  const {values, vectors} = symmetricEigen(ata);
  const sigmas = Float64Array.from(values, v => Math.sqrt(Math.max(v, 0)));
  const column = (j: number) => Float64Array.from({length: n}, (_, i) => vectors.data[i * n + j]);
  const [vMin, vMax] = [column(0), column(n - 1)];
  const [sMin, sMax] = [sigmas[0], sigmas[n - 1]];
  const uMax = matmul(a, vMax).map(x => x / sMax);
  const uMin = matmul(a, vMin).map(x => x / sMin);
  const kappa = sMax / sMin;
  const gradient = Float64Array.from({length: n * n}, (_, e) => {
    const [i, j] = [Math.floor(e / n), e % n];
    return (uMax[i] * vMax[j] - kappa * uMin[i] * vMin[j]) / sMin;
  });
  return {kappa, gradient, sigmas};
}

/** P A = L U with partial pivoting in float64: L unit lower, U upper (row-major), perm with row i of P·A = row perm[i] of A. */
export function lu64(a: Matrix64): {lower: Matrix64; upper: Matrix64; perm: number[]; sign: number} {
  const {n} = a;
  const m = Float64Array.from(a.data);
  const perm = Array.from({length: n}, (_, i) => i);
  let sign = 1;
  for (let col = 0; col < n; col++) {
    let p = col;
    for (let i = col + 1; i < n; i++) if (Math.abs(m[i * n + col]) > Math.abs(m[p * n + col])) p = i;
    if (p !== col) {
      swapRows(m, n, col, p);
      [perm[col], perm[p]] = [perm[p], perm[col]];
      sign = -sign;
    }
    const pivot = m[col * n + col];
    if (pivot === 0) continue;
    for (let i = col + 1; i < n; i++) {
      const l = (m[i * n + col] /= pivot);
      for (let j = col + 1; j < n; j++) m[i * n + j] -= l * m[col * n + j];
    }
  }
  return {
    lower: matrix(n, (i, j) => (i === j ? 1 : j < i ? m[i * n + j] : 0)),
    upper: matrix(n, (i, j) => (j >= i ? m[i * n + j] : 0)),
    perm, sign,
  };
}

/** sign(det A) and log|det A| in float64, from `lu64`. */
export function slogdet64(a: Matrix64): {sign: number; logAbsDet: number} {
  const {upper, sign} = lu64(a);
  let s = sign;
  let log = 0;
  for (let i = 0; i < a.n; i++) {
    const u = upper.data[i * a.n + i];
    s *= Math.sign(u);
    log += Math.log(Math.abs(u));
  }
  return {sign: s, logAbsDet: s === 0 ? -Infinity : log};
}

/** det A in float64. */
export function det64(a: Matrix64): number {
  const {sign, logAbsDet} = slogdet64(a);
  return sign * Math.exp(logAbsDet);
}

/** A⁻¹ in float64. */
export function inverse64(a: Matrix64): Matrix64 {
  const identity = matrix(a.n, (i, j) => (i === j ? 1 : 0)).data;
  return {n: a.n, data: solve64(a, identity, a.n)};
}

/** A·B for n×n float64 matrices. */
export function matmul64(a: Matrix64, b: Matrix64): Matrix64 {
  return {n: a.n, data: matmul(a, b.data, a.n)};
}

/** The lower Cholesky factor of a symmetric positive definite A in float64 (reads A's lower triangle). */
export function cholesky64(a: Matrix64): Matrix64 {
  const {n} = a;
  const l = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    let d = a.data[j * n + j];
    for (let c = 0; c < j; c++) d -= l[j * n + c] ** 2;
    if (!(d > 0)) throw new Error('reference: matrix not positive definite');
    l[j * n + j] = Math.sqrt(d);
    for (let i = j + 1; i < n; i++) {
      let s = a.data[i * n + j];
      for (let c = 0; c < j; c++) s -= l[i * n + c] * l[j * n + c];
      l[i * n + j] = s / l[j * n + j];
    }
  }
  return {n, data: l};
}
