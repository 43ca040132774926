/**
 * 2-D convection–diffusion −Δu + w·∇u = f on the unit square with a constant velocity
 * w = Pe·(cos φ, sin φ) and zero Dirichlet boundary, 5-point stencil with first-order upwind
 * (default) or central convection (Elman, Silvester & Wathen, Finite Elements and Fast
 * Iterative Solvers, 2nd ed., ch. 6; Saad, Iterative Methods, §2.2). Nonsymmetric: the test of
 * BiCGStab and GMRES with SSOR or ILU-type preconditioners.
 */
import {LinearSolveError} from '../core/LinearSolveError';
import {FIVE_POINT, GridMatrix, assembleStencil} from './gridStencil';
import {checkGridSize, checkRange, checkSeed, mixSeed, uniformStream} from './seededRandom';
import {COEFFICIENT_STREAM} from './diffusion2d';

/** What `convectionDiffusion2d` takes. */
export interface ConvectionDiffusion2dOptions {
  /** Grid of m×m unknowns (n = m²), h = 1/(m + 1). */
  m: number;
  /** Péclet number Pe = |w|·L/κ with L = 1, κ = 1 (default 100); the cell Péclet number is Pe·h. */
  peclet?: number;
  /** Direction φ of the flow to the x axis, radians; default drawn from `seed`, uniform in [0, 2π). */
  angle?: number;
  /** Seed of φ when `angle` is not given (default 0). */
  seed?: number;
  /** 'upwind' (default: an M-matrix for every Pe) or 'central' (second order, oscillates when Pe·h > 2). */
  scheme?: 'upwind' | 'central';
}

/**
 * The 2-D convection–diffusion matrix as COO triplets for `ls.sparse` (5-point pattern).
 *
 * Row (i, j) (x along j, y along i) is h² times the discrete −Δu + w·∇u: the Poisson stencil
 * (4 on the diagonal, −1 per neighbour) plus h·w_x·Dₓu + h·w_y·D_y u, with the one-sided
 * difference against the flow ('upwind': w_x > 0 uses u(i, j) − u(i, j−1)) or the centred one.
 * A is nonsymmetric for Pe > 0 (tags []); with 'upwind' it is an M-matrix whose symmetric part
 * is positive definite, so BiCGStab and GMRES converge. Pe = 0 gives `poisson2d(m)`, tagged SPD.
 *
 * ```ts
 * const {indices, values, shape} = ls.convectionDiffusion2d({m: 64, peclet: 200, seed: 3});
 * ```
 */
export function convectionDiffusion2d(options: ConvectionDiffusion2dOptions): GridMatrix & {angle: number} {
  const where = 'convectionDiffusion2d';
  if (options == null || typeof options !== 'object') throw new LinearSolveError('option', `${where}: pass an options object {m, peclet?, angle?, seed?, scheme?}.`);
  const m = checkGridSize(options.m, where);
  const peclet = checkRange(options.peclet ?? 100, 'peclet', where, 0, 1e9);
  const seed = checkSeed(options.seed ?? 0, where);
  const scheme = options.scheme ?? 'upwind';
  if (scheme !== 'upwind' && scheme !== 'central') {
    throw new LinearSolveError('option', `${where}: scheme must be 'upwind' or 'central', got ${String(scheme)}.`);
  }
  const angle = options.angle == null ? 2 * Math.PI * uniformStream(mixSeed(seed, COEFFICIENT_STREAM))() :
    checkRange(options.angle, 'angle', where, -1e6, 1e6);
  const h = 1 / (m + 1);
  // Grid-scaled velocity components along j (x) and i (y).
  const wx = h * peclet * Math.cos(angle);
  const wy = h * peclet * Math.sin(angle);
  const convection = (w: number, d: number) => {
    // Coefficient of u at offset d ∈ {−1, 0, 1} along one axis of h·w·∂u.
    if (scheme === 'central') return d === 0 ? 0 : d * w / 2;
    if (d === 0) return Math.abs(w);
    return (w > 0 && d === -1) ? -w : (w < 0 && d === 1) ? w : 0;
  };
  const matrix = assembleStencil(m, FIVE_POINT, (_i, _j, di, dj) => {
    if (di === 0 && dj === 0) return 4 + convection(wx, 0) + convection(wy, 0);
    if (di === 0) return -1 + convection(wx, dj);
    return -1 + convection(wy, di);
  }, peclet === 0 ? ['symmetric', 'positiveDefinite'] : []);
  return {...matrix, angle};
}
