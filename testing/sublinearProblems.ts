/**
 * Seeded test families of the single-entry estimators (shared with bench/sublinear.ts), as COO
 * triplets, and float64 references that do not use the library.
 */
import {rng} from './reference';

export interface Coo {
  n: number;
  rows: Int32Array;
  cols: Int32Array;
  values: Float64Array;
}

/** `[nnz, 2]` (row, column) pairs for `ls.sparse`. */
export function pairs(a: Coo): number[][] {
  return Array.from(a.rows, (r, e) => [r, a.cols[e]]);
}

/**
 * Symmetric, strictly diagonally dominant, mixed-sign off-diagonals: about `degree` random
 * neighbours per row with weights ±[0.5, 1], and aᵢᵢ = max(Σ_{j≠i}|aᵢⱼ| / (1 − margin), 1), so every
 * row and column has margin ≥ `margin` and |aᵢᵢ| − Σ_{j≠i}|aᵢⱼ| ≥ margin for every n (the
 * certificates' constants do not drift with n); positive diagonal, hence SPD (CG applies too).
 */
export function dominantRandom(n: number, seed: number, degree = 4, margin = 0.25): Coo {
  const next = rng(seed);
  const edges = Math.round((n * degree) / 2);
  const rows: number[] = [];
  const cols: number[] = [];
  const values: number[] = [];
  const rowAbs = new Float64Array(n);
  for (let k = 0; k < edges; k++) {
    const i = Math.floor(next() * n);
    let j = Math.floor(next() * n);
    if (j === i) j = (j + 1) % n;
    if (i === j) continue;
    const w = Math.fround((next() < 0.5 ? -1 : 1) * (0.5 + 0.5 * next()));
    rows.push(i, j);
    cols.push(j, i);
    values.push(w, w);
    rowAbs[i] += Math.abs(w);
    rowAbs[j] += Math.abs(w);
  }
  for (let i = 0; i < n; i++) {
    rows.push(i);
    cols.push(i);
    values.push(Math.max(rowAbs[i] / (1 - margin), 1));
  }
  return {n, rows: Int32Array.from(rows), cols: Int32Array.from(cols), values: Float64Array.from(values, Math.fround)};
}

/**
 * Personalised PageRank on a random directed graph with `outDegree` out-links per node
 * (P row-stochastic, Pᵤᵥ = 1/outDegree per link u→v): `source` is A = I − (1−α)Pᵀ
 * (column-stochastic W = Pᵀ, strictly column dominant with β_c = α; x = α A⁻¹e_s is the PPR
 * vector of s), `target` is A = I − (1−α)P (strictly row dominant with β_r = α; x = α A⁻¹eₜ
 * holds every node's PPR value of t).
 */
export function pageRank(n: number, seed: number, alpha = 0.15, outDegree = 5): {source: Coo; target: Coo} {
  const next = rng(seed);
  const from: number[] = [];
  const to: number[] = [];
  for (let u = 0; u < n; u++) {
    for (let k = 0; k < outDegree; k++) {
      let v = Math.floor(next() * n);
      if (v === u) v = (v + 1) % n;
      from.push(u);
      to.push(v);
    }
  }
  const w = Math.fround(-(1 - alpha) / outDegree);
  const build = (r: number[], c: number[]): Coo => ({
    n,
    rows: Int32Array.from([...r, ...Array.from({length: n}, (_, i) => i)]),
    cols: Int32Array.from([...c, ...Array.from({length: n}, (_, i) => i)]),
    values: Float64Array.from([...r.map(() => w), ...Array.from({length: n}, () => 1)]),
  });
  return {source: build(to, from), target: build(from, to)};
}

/** The shifted graph Laplacian L + σI of a random graph (an M-matrix: every walk weight is +1). */
export function shiftedLaplacian(n: number, seed: number, sigma: number, degree = 4): Coo {
  const next = rng(seed);
  const rows: number[] = [];
  const cols: number[] = [];
  const deg = new Float64Array(n);
  for (let k = 0; k < (n * degree) / 2; k++) {
    const i = Math.floor(next() * n);
    let j = Math.floor(next() * n);
    if (j === i) j = (j + 1) % n;
    rows.push(i, j);
    cols.push(j, i);
    deg[i]++;
    deg[j]++;
  }
  const values = [...rows.map(() => -1), ...Array.from(deg, d => d + sigma)];
  const diag = Array.from({length: n}, (_, i) => i);
  return {n, rows: Int32Array.from([...rows, ...diag]), cols: Int32Array.from([...cols, ...diag]), values: Float64Array.from(values)};
}

/** y = A x in float64. */
export function apply64(a: Coo, x: Float64Array, transposed = false): Float64Array {
  const y = new Float64Array(a.n);
  for (let e = 0; e < a.rows.length; e++) {
    if (transposed) y[a.cols[e]] += a.values[e] * x[a.rows[e]];
    else y[a.rows[e]] += a.values[e] * x[a.cols[e]];
  }
  return y;
}

/**
 * A⁻¹b (or A⁻ᵀb) in float64 by Jacobi iteration to a residual of 1e-14·‖b‖∞, for strictly
 * dominant A (the families above); independent of the library's Neumann code.
 */
export function solveDominant64(a: Coo, b: Float64Array, transposed = false): Float64Array {
  const diag = new Float64Array(a.n);
  for (let e = 0; e < a.rows.length; e++) if (a.rows[e] === a.cols[e]) diag[a.rows[e]] += a.values[e];
  const bInf = b.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  const x = new Float64Array(a.n);
  for (let it = 0; it < 100000; it++) {
    const ax = apply64(a, x, transposed);
    let r = 0;
    for (let i = 0; i < a.n; i++) {
      const ri = b[i] - ax[i];
      r = Math.max(r, Math.abs(ri));
      x[i] += ri / diag[i];
    }
    if (r <= 1e-14 * Math.max(bInf, 1e-300)) return x;
  }
  throw new Error('solveDominant64: no convergence (is A strictly dominant?)');
}

/** ∂(cᵀx)/∂values = −λ[row e]·x[col e] and ∂/∂b = λ, λ = A⁻ᵀc, in float64. */
export function functionalGradient64(a: Coo, b: Float64Array, c: Float64Array): {values: Float64Array; b: Float64Array} {
  const x = solveDominant64(a, b);
  const lambda = solveDominant64(a, c, true);
  return {values: Float64Array.from(a.rows, (r, e) => -lambda[r] * x[a.cols[e]]), b: lambda};
}
