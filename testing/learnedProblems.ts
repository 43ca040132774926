/**
 * Seeded families of sparse SPD systems for training and judging learned solvers: 2-D
 * diffusion −∇·(k∇u) = f on an m×m cell grid, 5-point finite volumes with harmonic face
 * averages and zero Dirichlet boundary, k = exp(σ·g) with g a smoothed Gaussian field of unit
 * variance (log-normal coefficients), right-hand sides Gaussian. Exact solutions by float64 CG.
 * Splits are disjoint seed ranges (`SPLITS`). `galleryFamily` gives the same shape of data from
 * the library's own gallery (`ls.gridProblems`), which the training scripts and the bench use;
 * the small generator here is the tests' own, independent of the code under test.
 */
import * as ls from '../src';
import {rng} from './reference';

/** One pattern, many matrices on it. */
export interface DiffusionFamily {
  m: number;
  n: number;
  /** `[nnz, 2]` (row, column) pairs, rows ascending. */
  indices: number[][];
  /** Per sample: the `[nnz]` values, the `[n]` right-hand side, the float64 solution. */
  values: Float64Array[];
  b: Float64Array[];
  solutions: Float64Array[];
  sigma: number;
  seeds: number[];
}

/** A standard normal sampler (Box–Muller) on a seeded uniform stream. */
function gaussian(next: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
}

/** White noise smoothed by `passes` 3×3 box filters, then scaled to zero mean and unit variance. */
export function smoothField(m: number, seed: number, passes: number): Float64Array {
  const normal = gaussian(rng(seed));
  let g = Float64Array.from({length: m * m}, normal);
  for (let p = 0; p < passes; p++) {
    const next = new Float64Array(m * m);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < m; j++) {
        let s = 0;
        let c = 0;
        for (let di = -1; di <= 1; di++) {
          for (let dj = -1; dj <= 1; dj++) {
            const a = i + di;
            const bj = j + dj;
            if (a >= 0 && a < m && bj >= 0 && bj < m) { s += g[a * m + bj]; c++; }
          }
        }
        next[i * m + j] = s / c;
      }
    }
    g = next;
  }
  const mean = g.reduce((s, v) => s + v, 0) / g.length;
  const sd = Math.sqrt(g.reduce((s, v) => s + (v - mean) ** 2, 0) / g.length) || 1;
  return g.map(v => (v - mean) / sd);
}

/** The 5-point pattern of an m×m grid (up, left, self, right, down per row). */
export function gridPattern(m: number): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < m; j++) {
      const row = i * m + j;
      if (i > 0) out.push([row, row - m]);
      if (j > 0) out.push([row, row - 1]);
      out.push([row, row]);
      if (j < m - 1) out.push([row, row + 1]);
      if (i < m - 1) out.push([row, row + m]);
    }
  }
  return out;
}

/** The values on `gridPattern(m)` for coefficients k (cell values): harmonic face averages, boundary faces 2k. */
export function diffusionValues(m: number, k: Float64Array): Float64Array {
  const out: number[] = [];
  const face = (a: number, b: number) => 2 * k[a] * k[b] / (k[a] + k[b]);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < m; j++) {
      const row = i * m + j;
      const up = i > 0 ? face(row, row - m) : 2 * k[row];
      const left = j > 0 ? face(row, row - 1) : 2 * k[row];
      const right = j < m - 1 ? face(row, row + 1) : 2 * k[row];
      const down = i < m - 1 ? face(row, row + m) : 2 * k[row];
      if (i > 0) out.push(-up);
      if (j > 0) out.push(-left);
      out.push(up + left + right + down);
      if (j < m - 1) out.push(-right);
      if (i < m - 1) out.push(-down);
    }
  }
  return Float64Array.from(out);
}

/** y = A x on a COO pattern, float64. */
export function apply64(indices: number[][], values: ArrayLike<number>, x: ArrayLike<number>): Float64Array {
  const y = new Float64Array(x.length);
  for (let e = 0; e < indices.length; e++) y[indices[e][0]] += values[e] * x[indices[e][1]];
  return y;
}

/** Float64 CG to ‖r‖ ≤ tol‖b‖: the exact solutions the losses and errors are judged against. */
export function cg64(indices: number[][], values: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-12, maxIterations = 100000): Float64Array {
  const n = b.length;
  const x = new Float64Array(n);
  const r = Float64Array.from(b);
  const p = Float64Array.from(b);
  const dot = (a: ArrayLike<number>, c: ArrayLike<number>) => { let s = 0; for (let i = 0; i < n; i++) s += a[i] * c[i]; return s; };
  let rr = dot(r, r);
  const stop = tol * tol * rr;
  for (let it = 0; it < maxIterations && rr > stop; it++) {
    const ap = apply64(indices, values, p);
    const alpha = rr / dot(p, ap);
    for (let i = 0; i < n; i++) { x[i] += alpha * p[i]; r[i] -= alpha * ap[i]; }
    const next = dot(r, r);
    const beta = next / rr;
    for (let i = 0; i < n; i++) p[i] = r[i] + beta * p[i];
    rr = next;
  }
  return x;
}

/** The seed ranges of the splits: disjoint, so no test system was ever trained on. */
export const SPLITS = {train: 1000, validation: 5000, test: 9000} as const;

/**
 * `count` log-normal diffusion systems on an m×m grid, seeds `start, start + 1, …` (field and
 * right-hand side drawn from the seed). σ is the log-coefficient's standard deviation, `passes`
 * the field's smoothing (a correlation length of roughly √passes cells).
 */
export function diffusionFamily(m: number, count: number, start: number,
    {sigma = 1, passes = 4}: {sigma?: number; passes?: number} = {}): DiffusionFamily {
  const indices = gridPattern(m);
  const family: DiffusionFamily = {m, n: m * m, indices, values: [], b: [], solutions: [], sigma, seeds: []};
  for (let s = 0; s < count; s++) {
    const seed = start + s;
    const k = smoothField(m, seed, passes).map(g => Math.exp(sigma * g));
    const values = diffusionValues(m, k);
    const normal = gaussian(rng(seed * 7919 + 17));
    const b = Float64Array.from({length: m * m}, normal);
    family.values.push(values);
    family.b.push(b);
    family.solutions.push(cg64(indices, values, b));
    family.seeds.push(seed);
  }
  return family;
}

/** Rows stacked into one flat Float32Array `[count·len]`, for tf.tensor2d. */
export function stack32(rows: ArrayLike<number>[]): Float32Array {
  const len = rows[0]?.length ?? 0;
  const out = new Float32Array(rows.length * len);
  rows.forEach((r, i) => out.set(Array.from(r), i * len));
  return out;
}

/**
 * A family from the library's gallery (`ls.gridProblems`: 'diffusion' or 'anisotropic', SPD),
 * with float64 exact solutions. All problems share the family's pattern.
 */
export function galleryFamily(options: ls.GridProblemsOptions): DiffusionFamily {
  const problems = ls.gridProblems(options);
  const first = problems[0].A;
  const nnz = first.values.length;
  const indices = Array.from({length: nnz}, (_, e) => [first.indices[2 * e], first.indices[2 * e + 1]]);
  const family: DiffusionFamily = {m: options.m, n: options.m * options.m, indices, values: [], b: [], solutions: [],
    sigma: (options.parameters as {sigma?: number} | undefined)?.sigma ?? NaN, seeds: []};
  for (const p of problems) {
    const values = Float64Array.from(p.A.values);
    const b = Float64Array.from(p.b);
    family.values.push(values);
    family.b.push(b);
    family.solutions.push(cg64(indices, values, b));
    family.seeds.push(p.seed);
  }
  return family;
}
