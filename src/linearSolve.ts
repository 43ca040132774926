import * as tf from '@tensorflow/tfjs-core';
import {Adjoint} from './adjoints/Adjoint';
import {ImplicitAdjoint} from './adjoints/ImplicitAdjoint';
import {chooseAdjoint} from './chooseAdjoint';
import {ResolvedOptions, SolveOptions} from './options';
import {LinearSolveError} from './core/LinearSolveError';
import {SolveStats} from './core/SolveStats';
import {guardTape} from './core/tapeGuard';
import {SolutionOf} from './core/tensorLike';
import {emptySolve, isEmptyProblem} from './emptySolve';
import {MatrixInput, TensorInput, prepareSolve} from './solveInputs';

export type {MatrixInput, TensorInput} from './solveInputs';
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
export interface LinearSolveResult<X extends tf.Tensor = tf.Tensor> extends SolveStats {
  /** The solution, shaped like b (and typed by b's rank); differentiable. */
  x: X;
  /** Present when refinement ran (see `RefinedSolution`): the extended-precision pair and its error. */
  refined?: RefinedSolution;
}

/**
 * Solves A x = b and reports how well: `{x, status, iterations, relativeResidual, method}`.
 *
 * Differentiable like `solve`. With `onFailure: 'warn'` or `'ignore'` a failed solve returns
 * its status instead of throwing.
 *
 * A and b may also be plain numbers as tfjs ops accept them (a TypedArray, nested arrays);
 * they are converted once and the copies freed before `linearSolve` returns.
 *
 * ```ts
 * const {x, status, iterations} = ls.linearSolve(A, b, {method: 'cg', onFailure: 'ignore'});
 * if (status !== 'converged') console.log(`stopped after ${iterations}`);
 * ```
 */
export function linearSolve<B extends TensorInput>(A: MatrixInput, b: B,
    options: SolveOptions = {}): LinearSolveResult<SolutionOf<B>> {
  const owned: tf.Tensor[] = [];
  try {
    return guardTape(() => solveOwning(A, b, options ?? {}, owned)) as LinearSolveResult<SolutionOf<B>>;
  } finally {
    tf.dispose(owned);
  }
}

/** linearSolve, recording in `owned` the tensors it made (casts, reshaped x0) to free after. */
function solveOwning(A: MatrixInput, b: TensorInput, options: SolveOptions,
    owned: tf.Tensor[]): LinearSolveResult {
  const own = (t: tf.Tensor, original: unknown) => { if (t !== original) owned.push(t); return t; };
  const {operator, rhs, layout, resolved, solver} = prepareSolve(A, b, options, own);
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
 * `[B, n, k]`; or any LinearOperator (`dense`, `sparse`, `matrixFree`, `diagonal`). x has
 * b's shape and, in TypeScript, b's rank (`tf.Tensor1D` in, `tf.Tensor1D` out). A, b and
 * `x0` may also be numbers as tfjs ops accept them (a TypedArray, nested arrays), converted
 * once and freed after. Failures throw a `LinearSolveError` with a `code` unless `onFailure`
 * says otherwise.
 *
 * ```ts
 * const A = tf.tensor2d([[4, 1], [1, 3]]);
 * const b = tf.tensor1d([1, 2]);
 * const x = ls.solve(A, b);                                 // tf.Tensor1D [0.0909, 0.6364]
 * const dA = tf.grad(a => tf.sum(ls.solve(a, b)))(A);       // −λxᵀ with Aᵀλ = 1
 * const y = ls.solve([[4, 1], [1, 3]], [1, 2]);             // arrays, as tfjs ops take them
 * ```
 */
export function solve<B extends TensorInput>(A: MatrixInput, b: B, options: SolveOptions = {}): SolutionOf<B> {
  const {x, refined} = linearSolve(A, b, options);
  tf.dispose([refined?.hi, refined?.lo].filter((t): t is tf.Tensor => t != null));
  return x;
}
