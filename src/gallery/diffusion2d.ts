/**
 * 2-D diffusion −∇·(κ∇u) = f on the unit square with a random log-normal coefficient
 * κ = exp(σ·g), g a unit-variance Gaussian field (gaussianRandomField), discretised by the
 * 5-point finite-volume scheme with harmonic face averages and zero Dirichlet boundary — the
 * standard family of the learned-preconditioner literature (e.g. Trifonov et al. 2024,
 * PreCorrector; Saad, Iterative Methods for Sparse Linear Systems, 2nd ed., §2.2 for the stencil).
 */
import {LinearSolveError} from '../core/LinearSolveError';
import {gaussianRandomField} from './gaussianRandomField';
import {FIVE_POINT, GridMatrix, assembleStencil} from './gridStencil';
import {checkGridSize, checkRange, checkSeed, mixSeed} from './seededRandom';

/** What `diffusion2d` takes. */
export interface Diffusion2dOptions {
  /** Grid of m×m unknowns (n = m²), spacing h = 1/(m + 1). */
  m: number;
  /** Seed of the coefficient field (integer in [0, 2³²); default 0). */
  seed?: number;
  /** Standard deviation σ of log κ (default 1; 0 gives the Poisson matrix `poisson2d(m)`). */
  sigma?: number;
  /** Correlation length ℓ of log κ in units of the domain: covariance exp(−r²/(2ℓ²)) (default 0.05). */
  correlationLength?: number;
}

/** The stream of a seed the coefficient field draws from. */
export const COEFFICIENT_STREAM = 0;

/**
 * The 2-D diffusion matrix with a seeded log-normal coefficient, as COO triplets for `ls.sparse`.
 *
 * Nodes (i, j), 0 ≤ i, j ≤ m + 1, carry κᵢⱼ = exp(σ gᵢⱼ) (boundary nodes included); the
 * unknowns are the m×m interior nodes. Each edge between neighbouring nodes p, q has the
 * harmonic mean κ_pq = 2κ_pκ_q/(κ_p + κ_q), and row p of A is
 *
 *     (A u)_p = Σ_q κ_pq (u_p − u_q)      (q over the 4 neighbours; u = 0 on the boundary)
 *
 * i.e. h²·(−∇·κ∇)ₕ with h = 1/(m + 1), the scaling of `poisson2d` (pass b = h²·f for −∇·κ∇u = f).
 * A is symmetric positive definite (an irreducibly diagonally dominant M-matrix), tagged so, with
 * the 5-point pattern of `poisson2d(m)`; σ = 0 gives exactly `poisson2d(m)`. Contrast grows like
 * exp(6σ): σ = 1 is mild, σ = 3 hard.
 *
 * ```ts
 * const problem = ls.diffusion2d({m: 64, seed: 7, sigma: 1});
 * const A = ls.sparse({indices: tf.tensor2d(problem.indices, [problem.values.length, 2], 'int32'),
 *   values: tf.tensor1d(problem.values), shape: problem.shape, tags: problem.tags});
 * ```
 */
export function diffusion2d(options: Diffusion2dOptions): GridMatrix & {coefficient: Float32Array} {
  const where = 'diffusion2d';
  if (options == null || typeof options !== 'object') throw new LinearSolveError('option', `${where}: pass an options object {m, seed?, sigma?, correlationLength?}.`);
  const m = checkGridSize(options.m, where);
  const seed = checkSeed(options.seed ?? 0, where);
  const sigma = checkRange(options.sigma ?? 1, 'sigma', where, 0, 10);
  const ell = checkRange(options.correlationLength ?? 0.05, 'correlationLength', where, 0, 10);
  const nodes = m + 2;
  const g = sigma === 0 ? new Float64Array(nodes * nodes) : gaussianRandomField(nodes, 1 / (m + 1), ell, mixSeed(seed, COEFFICIENT_STREAM));
  const kappa = g.map(v => Math.exp(sigma * v));
  const at = (i: number, j: number) => kappa[(i + 1) * nodes + (j + 1)];
  const edge = (i: number, j: number, di: number, dj: number) => {
    const a = at(i, j);
    const b = at(i + di, j + dj);
    return 2 * a * b / (a + b);
  };
  const matrix = assembleStencil(m, FIVE_POINT, (i, j, di, dj) => {
    if (di !== 0 || dj !== 0) return -edge(i, j, di, dj);
    return edge(i, j, -1, 0) + edge(i, j, 1, 0) + edge(i, j, 0, -1) + edge(i, j, 0, 1);
  }, ['symmetric', 'positiveDefinite']);
  return {...matrix, coefficient: Float32Array.from(kappa)};
}
