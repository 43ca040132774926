/**
 * 2-D anisotropic diffusion −∇·(K∇u) = f, K = R(θ) diag(1, ε) R(θ)ᵀ constant, on the unit
 * square with zero Dirichlet boundary, discretised by the 9-point stencil (central second
 * differences, and the four-corner formula for the mixed derivative ∂²u/∂x∂y); the classic
 * rotated-anisotropy test of multigrid and incomplete factorisations (Trottenberg, Oosterlee &
 * Schüller, Multigrid, 2001, §7.6).
 */
import {LinearSolveError} from '../core/LinearSolveError';
import {GridMatrix, NINE_POINT, assembleStencil} from './gridStencil';
import {checkGridSize, checkRange, checkSeed, mixSeed, uniformStream} from './seededRandom';
import {COEFFICIENT_STREAM} from './diffusion2d';

/** What `anisotropicDiffusion2d` takes. */
export interface AnisotropicDiffusion2dOptions {
  /** Grid of m×m unknowns (n = m²). */
  m: number;
  /** Ratio ε of weak to strong diffusion, in (0, 1] (default 1e-2). */
  epsilon?: number;
  /** Angle θ of the strong direction to the x axis (the grid's columns), radians; default drawn from `seed`. */
  angle?: number;
  /** Seed of θ when `angle` is not given: θ uniform in [0, π) (default seed 0). */
  seed?: number;
}

/**
 * The 2-D anisotropic diffusion matrix as COO triplets for `ls.sparse` (9-point pattern).
 *
 * With c = cos θ, s = sin θ: K_xx = c² + ε s², K_yy = s² + ε c², K_xy = (1 − ε) c s, and row
 * (i, j) (x along j, y along i) is h² times the discrete −(K_xx u_xx + 2K_xy u_xy + K_yy u_yy):
 *
 *     centre 2K_xx + 2K_yy,  (i, j±1): −K_xx,  (i±1, j): −K_yy,
 *     (i±1, j±1): −K_xy/2,   (i±1, j∓1): +K_xy/2.
 *
 * A is symmetric positive definite for every θ and ε > 0 (the mixed term's central differences
 * are bounded by the one-sided ones, and K_xy² < K_xx K_yy), tagged so. The corner entries are
 * stored even when zero (θ a multiple of π/2), so every matrix of the family shares one pattern.
 * Grid-aligned anisotropy (θ = 0) flatters line smoothers and IC(0); rotated θ does not.
 *
 * ```ts
 * const {indices, values, shape, tags} = ls.anisotropicDiffusion2d({m: 64, epsilon: 1e-3, angle: Math.PI / 6});
 * ```
 */
export function anisotropicDiffusion2d(options: AnisotropicDiffusion2dOptions): GridMatrix & {angle: number} {
  const where = 'anisotropicDiffusion2d';
  if (options == null || typeof options !== 'object') throw new LinearSolveError('option', `${where}: pass an options object {m, epsilon?, angle?, seed?}.`);
  const m = checkGridSize(options.m, where);
  const epsilon = checkRange(options.epsilon ?? 1e-2, 'epsilon', where, Number.MIN_VALUE, 1);
  const seed = checkSeed(options.seed ?? 0, where);
  const angle = options.angle == null ? Math.PI * uniformStream(mixSeed(seed, COEFFICIENT_STREAM))() :
    checkRange(options.angle, 'angle', where, -1e6, 1e6);
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  const kxx = c * c + epsilon * s * s;
  const kyy = s * s + epsilon * c * c;
  const kxy = (1 - epsilon) * c * s;
  const matrix = assembleStencil(m, NINE_POINT, (_i, _j, di, dj) => {
    if (di === 0 && dj === 0) return 2 * kxx + 2 * kyy;
    if (di === 0) return -kxx;
    if (dj === 0) return -kyy;
    return di === dj ? -kxy / 2 : kxy / 2;
  }, ['symmetric', 'positiveDefinite']);
  return {...matrix, angle};
}
