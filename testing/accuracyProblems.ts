/**
 * Problems of chosen condition for judging accuracy beyond float32 (iterative refinement):
 * float32 inputs with their exact solution computed in float64, and the forward error
 * ‖x − x*‖∞/‖x*‖∞ that tests and bench/accuracy report.
 */
import {Matrix64, matrix, randomVector, solve64} from './reference';
import {illConditioned} from './cases';

/** Q diag(σ) Qᵀ with σ geometric from 1 to 1/κ (Q a Householder reflector), rounded to float32: SPD, κ₂ ≈ κ. */
export function spdConditioned(n: number, seed: number, kappa: number): Matrix64 {
  const u = randomVector(n, seed);
  const uu = u.reduce((s, v) => s + v * v, 0);
  const q = (i: number, j: number) => (i === j ? 1 : 0) - 2 * u[i] * u[j] / uu;
  const sigma = Float64Array.from({length: n}, (_, i) => kappa ** (-i / (n - 1)));
  const a = matrix(n, (i, j) => {
    let s = 0;
    for (let c = 0; c < n; c++) s += q(i, c) * sigma[c] * q(j, c);
    return s;
  });
  // Symmetric after rounding: round one triangle and mirror it.
  return matrix(n, (i, j) => Math.fround(i <= j ? a.data[i * n + j] : a.data[j * n + i]));
}

/** A general float32 matrix with κ₂ ≈ κ (see `illConditioned`). */
export function generalConditioned(n: number, seed: number, kappa: number): Matrix64 {
  return illConditioned(n, seed, kappa);
}

/** A float32 right-hand side, uniform in [−1, 1). */
export function rightHandSide(n: number, seed: number): Float32Array {
  return Float32Array.from(randomVector(n, seed));
}

/** x* = A⁻¹b in float64 for the float32 inputs (dense LU with partial pivoting). */
export function exactSolution(a: Matrix64, b: ArrayLike<number>): Float64Array {
  return solve64(a, Float64Array.from(b));
}

/** A sparse matrix as COO with float32 values: `indices` flat (row, column) pairs. */
export interface Coo64 {
  n: number;
  indices: ArrayLike<number>;
  values: ArrayLike<number>;
}

/** A·x in float64 for a COO matrix. */
export function cooProduct(a: Coo64, x: ArrayLike<number>): Float64Array {
  const y = new Float64Array(a.n);
  for (let e = 0; e < a.values.length; e++) y[a.indices[2 * e]] += a.values[e] * x[a.indices[2 * e + 1]];
  return y;
}

/** x* = A⁻¹b in float64 for a sparse SPD matrix: CG in float64 to a true residual ≤ 1e-11‖b‖ (else throws; forward error ≤ κ·1e-11). */
export function exactSpdSolution(a: Coo64, b: ArrayLike<number>): Float64Array {
  const n = a.n;
  const dot = (u: Float64Array, v: Float64Array) => { let s = 0; for (let i = 0; i < n; i++) s += u[i] * v[i]; return s; };
  const x = new Float64Array(n);
  const r = Float64Array.from(b);
  const bb = Math.sqrt(dot(r, r));
  const p = Float64Array.from(r);
  let rr = dot(r, r);
  for (let it = 0; it < 20 * n && Math.sqrt(rr) > 1e-15 * bb; it++) {
    const ap = cooProduct(a, p);
    const alpha = rr / dot(p, ap);
    for (let i = 0; i < n; i++) { x[i] += alpha * p[i]; r[i] -= alpha * ap[i]; }
    const next = dot(r, r);
    for (let i = 0; i < n; i++) p[i] = r[i] + (next / rr) * p[i];
    rr = next;
  }
  // The recurrence drifts; judge by the true residual.
  const ax = cooProduct(a, x);
  const res = Math.sqrt(ax.reduce((s, v, i) => s + (b[i] - v) ** 2, 0));
  if (!(res <= 1e-11 * bb)) throw new Error(`exactSpdSolution: reached only ${res / bb}`);
  return x;
}

/** ‖x − x*‖∞/‖x*‖∞. */
export function forwardError(x: ArrayLike<number>, exact: ArrayLike<number>): number {
  let e = 0;
  let m = 0;
  for (let i = 0; i < exact.length; i++) {
    e = Math.max(e, Math.abs(x[i] - exact[i]));
    m = Math.max(m, Math.abs(exact[i]));
  }
  return e / m;
}

/** hi + lo summed in float64. */
export function pairValue(hi: ArrayLike<number>, lo: ArrayLike<number>): Float64Array {
  return Float64Array.from(hi, (h, i) => h + lo[i]);
}
