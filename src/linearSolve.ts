import * as tf from '@tensorflow/tfjs';
import {LinearOperator, isLinearOperator} from './operators/LinearOperator';
import {DenseOperator} from './operators/DenseOperator';
import {chooseSolver} from './solvers/chooseSolver';
import {checkSolverOptions} from './solvers/registry';
import {Adjoint} from './adjoints/Adjoint';
import {ImplicitAdjoint} from './adjoints/ImplicitAdjoint';
import {UnrolledAdjoint} from './adjoints/UnrolledAdjoint';
import {TruncatedAdjoint} from './adjoints/TruncatedAdjoint';
import {StochasticAdjoint} from './adjoints/StochasticAdjoint';
import {ResolvedOptions, SolveOptions, resolveOptions} from './options';
import {LinearSolveError} from './core/LinearSolveError';
import {SolveStats} from './core/SolveStats';
import {asFloat32, requireSquare} from './core/validate';
import {guardTape} from './core/tapeGuard';
import {validateOptionTypes, validateTags} from './core/optionTypes';
import {emptySolve, isEmptyProblem} from './emptySolve';
import {Refinement} from './solvers/refine/refineSolution';

/**
 * What iterative refinement reached (`linearSolve(..., {refine})`): the residual and forward
 * error of the refined solution, measured or estimated in extended precision, and — when
 * `refine` was asked for (not the automatic rescue of a stagnated solve) — the solution itself
 * as a double-float pair x ≈ hi + lo, each shaped like b, which the caller disposes like x.
 * `x` is the pair rounded to float32; its own residual `roundedResidual` is bounded below by
 * float32's representation of x, about ε₃₂·‖A‖‖x‖/‖b‖.
 *
 * ```ts
 * const {x, refined} = ls.linearSolve(A, b, {method: 'lu', refine: {rtol: 1e-10}});
 * refined.relativeResidual;       // ≤ 1e-10: ‖b − A(hi + lo)‖/‖b‖ in float64
 * refined.forwardErrorEstimate;   // ≈ ‖x − x*‖∞/‖x*‖∞ of the pair (an upper estimate)
 * tf.dispose([x, refined.hi, refined.lo]);
 * ```
 */
export interface RefinedSolution extends Omit<Refinement, 'hi' | 'lo'> {
  /** The pair's leading part, float32, shaped like b (equal in value to x); absent for `'auto'`. */
  hi?: tf.Tensor;
  /** The pair's trailing part: hi + lo is the refined solution to about 44 bits; absent for `'auto'`. */
  lo?: tf.Tensor;
}

/**
 * What `linearSolve` returns: x and the solve's `SolveStats`. `status` 'converged' means
 * ‖b − A x‖ ≤ max(rtol·‖b‖, atol) held for every right-hand side. `backward` appears once a
 * gradient has run through x (the implicit adjoint's transposed solve: its status, iterations,
 * method; its residual is not measured, NaN, for direct methods).
 *
 * ```ts
 * const result = ls.linearSolve(A, b, {method: 'cg'});
 * tf.grad(bb => tf.sum(ls.linearSolve(A, bb, {method: 'cg'}).x))(b);   // or any tf.grads over x
 * result.backward;   // undefined: no gradient ran through *this* result's x
 * const r = {} as {stats?: ls.LinearSolveResult};
 * tf.grad(bb => { r.stats = ls.linearSolve(A, bb, {method: 'cg'}); return tf.sum(r.stats.x); })(b);
 * r.stats.backward;  // {status: 'converged', iterations: 17, relativeResidual: …, method: 'cg'}
 * ```
 */
export interface LinearSolveResult extends SolveStats {
  /** The solution, shaped like b; differentiable. */
  x: tf.Tensor;
  /** Present when refinement ran (see `RefinedSolution`): the extended-precision pair and its error. */
  refined?: RefinedSolution;
}

/**
 * Solves A x = b and reports how well: `{x, status, iterations, relativeResidual, method}`.
 *
 * Differentiable like `solve`. With `onFailure: 'warn'` or `'ignore'` a failed solve returns
 * its status instead of throwing.
 *
 * ```ts
 * const {x, status, iterations} = ls.linearSolve(A, b, {method: 'cg', onFailure: 'ignore'});
 * if (status !== 'converged') console.log(`stopped after ${iterations}`);
 * ```
 */
export function linearSolve(A: tf.Tensor | LinearOperator, b: tf.Tensor,
    options: SolveOptions = {}): LinearSolveResult {
  const owned: tf.Tensor[] = [];
  try {
    return guardTape(() => solveOwning(A, b, options ?? {}, owned));
  } finally {
    tf.dispose(owned);
  }
}

/** linearSolve, recording in `owned` the tensors it made (casts, reshaped x0) to free after. */
function solveOwning(A: tf.Tensor | LinearOperator, b: tf.Tensor, options: SolveOptions,
    owned: tf.Tensor[]): LinearSolveResult {
  const own = (t: tf.Tensor, original: unknown) => { if (t !== original) owned.push(t); return t; };
  const operator = asOperator(A, options, own);
  const rhs = own(asFloat32(b, 'b'), b);
  const layout = rightHandLayout(operator, rhs.shape);
  validateOptionTypes(options as Record<string, unknown>);
  const x0 = options.x0 == null ? null : own(canonicalX0(options.x0, rhs.shape, layout.canonical), null);
  const resolved = resolveOptions(options, x0);
  const solver = chooseSolver(options.method, operator);
  if (options.method != null && options.method !== 'auto') checkSolverOptions(solver, options, options.backward);
  const adjoint = chooseAdjoint(options.adjoint);
  requireImplicitForRefine(adjoint, resolved.refine);
  if (isEmptyProblem(operator, layout.canonical)) return emptySolve(operator, rhs, solver.name);
  const solved: {outcome?: SolveStats; refinement?: Refinement} = {};
  const report: {result?: LinearSolveResult} = {};
  const onBackward = (stats: SolveStats) => { if (report.result != null) report.result.backward = stats; };
  const x = tf.tidy(() => {
    const canonical = tf.reshape(rhs, layout.canonical);
    const result = adjoint.solve({operator, solver, b: canonical, options: resolved, onBackward});
    solved.outcome = result.outcome;
    solved.refinement = result.refinement;
    return tf.reshape(result.x, rhs.shape);
  });
  const {status, iterations, relativeResidual, method} = solved.outcome as SolveStats;
  report.result = {x, status, iterations, relativeResidual, method};
  if (solved.refinement != null) {
    report.result.refined = refinedLike(solved.refinement, rhs.shape, resolved.refine?.automatic ?? true);
  }
  return report.result;
}

/**
 * The refinement's pair reshaped like b (the canonical tensors are freed); without the pair
 * when refinement was automatic, so a caller who never asked for it has only x to dispose.
 */
export function refinedLike(refinement: Refinement, shape: number[], automatic: boolean): RefinedSolution {
  const {hi, lo, ...stats} = refinement;
  const refined: RefinedSolution = automatic ? stats : {...stats, hi: tf.reshape(hi, shape), lo: tf.reshape(lo, shape)};
  tf.dispose([hi, lo]);
  return refined;
}

function requireImplicitForRefine(adjoint: Adjoint, refine: ResolvedOptions['refine']): void {
  if (refine == null || refine.automatic || adjoint instanceof ImplicitAdjoint) return;
  throw new LinearSolveError('option',
    `refine runs with the implicit adjoint (the default), whose backward is refined too; with adjoint ` +
    `'${adjoint.name}' the taped iterations are the answer. Drop refine or the adjoint option.`);
}

/**
 * Solves A x = b: x = A⁻¹b, differentiable with respect to b and everything A was built from.
 *
 * The forward runs a real solver (LU, Cholesky, CG, BiCGStab or GMRES; `'auto'` picks from
 * tags and shape). The backward runs one transposed solve with the same factors or method:
 * for a loss L, `Aᵀλ = ∂L/∂x`, then `∂L/∂b = λ` and `∂L/∂A = −λxᵀ` (through A's own ops).
 *
 * Shapes: A `[n, n]` with b `[n]` or `[n, k]`; a batch A `[B, n, n]` with b `[B, n]` or
 * `[B, n, k]`; or any LinearOperator (`dense`, `sparse`, `matrixFree`, `diagonal`).
 * Failures throw a `LinearSolveError` with a `code` unless `onFailure` says otherwise.
 *
 * ```ts
 * const A = tf.tensor2d([[4, 1], [1, 3]]);
 * const b = tf.tensor1d([1, 2]);
 * const x = ls.solve(A, b);                                 // [0.0909, 0.6364]
 * const dA = tf.grad(a => tf.sum(ls.solve(a, b)))(A);       // −λxᵀ with Aᵀλ = 1
 * ```
 */
export function solve(A: tf.Tensor | LinearOperator, b: tf.Tensor, options: SolveOptions = {}): tf.Tensor {
  const {x, refined} = linearSolve(A, b, options);
  tf.dispose([refined?.hi, refined?.lo].filter((t): t is tf.Tensor => t != null));
  return x;
}

export function asOperator(A: tf.Tensor | LinearOperator, options: SolveOptions,
    own: (t: tf.Tensor, original: unknown) => tf.Tensor): LinearOperator {
  if (isLinearOperator(A)) return A;
  if (A instanceof tf.Tensor) {
    requireSquare(A.shape, 'A');
    return new DenseOperator(own(asFloat32(A, 'A'), A), validateTags(options.tags, 'options'));
  }
  throw new LinearSolveError('dtype', 'A must be a tf.Tensor or a LinearOperator (ls.dense, ls.sparse, ls.matrixFree).');
}

/** How b maps onto the canonical `[n, k]` / `[B, n, k]` block the solvers work on. */
export function rightHandLayout(operator: LinearOperator, shape: number[]): {canonical: number[]} {
  const n = operator.shape[0];
  const batch = operator.batchSize;
  const expected = batch == null ? `[${n}] or [${n}, k]` : `[${batch}, ${n}] or [${batch}, ${n}, k]`;
  const fail = () => new LinearSolveError('shape',
    `b has shape [${shape}], but A is ${batch == null ? '' : `a batch of ${batch} `}${n}×${n}: ` +
    `b must be ${expected}.`);
  if (batch == null) {
    if (shape.length < 1 || shape.length > 2 || shape[0] !== n) throw fail();
    return {canonical: [n, shape.length === 2 ? shape[1] : 1]};
  }
  if (shape.length < 2 || shape.length > 3 || shape[0] !== batch || shape[1] !== n) throw fail();
  return {canonical: [batch, n, shape.length === 3 ? shape[2] : 1]};
}

/** x0 in the canonical `[n, k]` / `[B, n, k]` shape, after checking it matches b. */
export function canonicalX0(x0: tf.Tensor, bShape: number[], canonical: number[]): tf.Tensor {
  if (x0.shape.length !== bShape.length || x0.shape.some((d, i) => d !== bShape[i])) {
    throw new LinearSolveError('shape', `x0 has shape [${x0.shape}]; it must match b's shape [${bShape}].`);
  }
  return tf.tidy(() => tf.reshape(asFloat32(x0, 'x0'), canonical));
}

/** The adjoint an `adjoint` option names (or is). */
export function chooseAdjoint(adjoint: SolveOptions['adjoint']): Adjoint {
  if (adjoint == null || adjoint === 'implicit') return new ImplicitAdjoint();
  if (adjoint === 'unrolled') return new UnrolledAdjoint();
  if (typeof adjoint === 'object' && 'truncated' in adjoint) return new TruncatedAdjoint(adjoint.truncated);
  if (typeof adjoint === 'object' && 'stochastic' in adjoint) return new StochasticAdjoint(adjoint.stochastic);
  if (typeof adjoint === 'object' && typeof (adjoint as Adjoint).solve === 'function') return adjoint as Adjoint;
  throw new LinearSolveError('option',
    `Unknown adjoint '${String(adjoint)}'. Use 'implicit', 'unrolled', {truncated: k}, {stochastic: {rate}} or an Adjoint instance.`);
}
