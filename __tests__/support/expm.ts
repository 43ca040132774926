/**
 * Float64 matrix functions in plain JavaScript for the ODE tests: the matrix exponential by
 * scaling and squaring with a degree-18 Taylor polynomial (‖A/2^s‖₁ ≤ 1/2, truncation below
 * 1e-22), and the exact one-step propagators of the fixed-step integrators on y' = My.
 */
import {Matrix64, matrix, norm1, solve64} from '../../testing/reference';

export function identity(n: number): Matrix64 {
  return matrix(n, (i, j) => (i === j ? 1 : 0));
}

export function mul(a: Matrix64, b: Matrix64): Matrix64 {
  const n = a.n;
  return matrix(n, (i, j) => {
    let s = 0;
    for (let k = 0; k < n; k++) s += a.data[i * n + k] * b.data[k * n + j];
    return s;
  });
}

export function lincomb(terms: [Matrix64, number][]): Matrix64 {
  const n = terms[0][0].n;
  return matrix(n, (i, j) => terms.reduce((s, [m, w]) => s + w * m.data[i * n + j], 0));
}

export function power(a: Matrix64, k: number): Matrix64 {
  let r = identity(a.n);
  for (let i = 0; i < k; i++) r = mul(r, a);
  return r;
}

/** e^A in float64. */
export function expm(a: Matrix64): Matrix64 {
  const s = Math.max(0, Math.ceil(Math.log2(norm1(a) / 0.5)));
  const scaled = lincomb([[a, 2 ** -s]]);
  let term = identity(a.n);
  let sum = identity(a.n);
  for (let k = 1; k <= 18; k++) {
    term = lincomb([[mul(term, scaled), 1 / k]]);
    sum = lincomb([[sum, 1], [term, 1]]);
  }
  for (let i = 0; i < s; i++) sum = mul(sum, sum);
  return sum;
}

/** (I − cM)⁻¹ in float64. */
export function resolvent(m: Matrix64, c: number): Matrix64 {
  const n = m.n;
  const a = lincomb([[identity(n), 1], [m, -c]]);
  const inv = solve64(a, identity(n).data, n);
  return {n, data: inv};
}

/** The exact float64 map y0 ↦ y1 of one step h of each fixed-step method on y' = My. */
export function stepPropagator(method: string, m: Matrix64, h: number): Matrix64 {
  const n = m.n;
  const I = identity(n);
  const z = lincomb([[m, h]]);
  switch (method) {
    case 'euler': return lincomb([[I, 1], [z, 1]]);
    case 'rk4': {
      const z2 = mul(z, z);
      const z3 = mul(z2, z);
      return lincomb([[I, 1], [z, 1], [z2, 1 / 2], [z3, 1 / 6], [mul(z3, z), 1 / 24]]);
    }
    case 'backwardEuler': return resolvent(m, h);
    case 'sdirk2': {
      const g = 1 - 1 / Math.SQRT2;
      const r = resolvent(m, g * h);
      const stage2Base = lincomb([[I, 1 - (1 - g) / g], [r, (1 - g) / g]]);
      return mul(r, stage2Base);
    }
    default: throw new Error(`no propagator for ${method}`);
  }
}

/**
 * Van Loan (1978): the upper-right block of exp(t·[[A, C], [0, A]]) is
 * ∫₀ᵗ e^{A(t−s)} C e^{As} ds, the derivative of ⟨G, e^{Mt}Y⟩ with respect to M when A = Mᵀ, C = G Yᵀ.
 */
export function vanLoan(a: Matrix64, c: Matrix64, t: number): Matrix64 {
  const n = a.n;
  const big = matrix(2 * n, (i, j) => {
    if (i < n && j < n) return t * a.data[i * n + j];
    if (i >= n && j >= n) return t * a.data[(i - n) * n + (j - n)];
    if (i < n && j >= n) return t * c.data[i * n + (j - n)];
    return 0;
  });
  const e = expm(big);
  return matrix(n, (i, j) => e.data[i * 2 * n + n + j]);
}
