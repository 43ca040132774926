/**
 * The asynchronous solves: the same solvers, validation, statuses and errors as `linearSolve`
 * and `solve`, with every readback (convergence checks, the final residual, status checks)
 * awaited through `data()` instead of read with `dataSync()`. On a GPU backend the page's
 * thread is then free while the GPU works, and WebGPU, which breaks after any synchronous
 * read, can solve at all.
 *
 * Gradients: tfjs records a tape only while a `tf.grad` callback runs synchronously, and
 * these solves resolve later, so their x is a constant to every tape. Calling them while a
 * tape records is an 'option' error rather than a silently missing gradient. For a gradient,
 * call the synchronous `ls.solve` inside `tf.grad`, warm-started with `x0` set to the awaited
 * x for an iterative method: its forward converges at its first check (one readback), and its
 * backward is the implicit adjoint's one transposed solve (synchronous, as every tfjs backward).
 */
import * as tf from '@tensorflow/tfjs-core';
import {LinearOperator} from './operators/LinearOperator';
import {LinearSolveResult} from './linearSolve';
import {MatrixInput, TensorInput, prepareSolve} from './solveInputs';
import {SolutionOf} from './core/tensorLike';
import {chooseAdjoint} from './chooseAdjoint';
import type {Solver, SolverOptions, SolverState} from './solvers/Solver';
import {SolveOptions} from './options';
import {LinearSolveError} from './core/LinearSolveError';
import {isRecording} from './core/tape';
import {Readbacks, readAsync} from './core/readbacks';
import {computeScaledSteps} from './solvers/scaledCompute';
import {reportFailureSteps} from './adjoints/reportFailure';
import {emptySolve, isEmptyProblem} from './emptySolve';

/**
 * Solves A x = b like `linearSolve`, awaiting each readback: resolves to
 * `{x, status, iterations, relativeResidual, method}`, or rejects with a `LinearSolveError`.
 *
 * Same options, same result (the same solver runs, step for step). x is not differentiable:
 * see "Asynchronous solves" in the README for gradients. Keep A and b alive until it settles.
 * A, b and `x0` may be numbers as tfjs ops accept them, as for `linearSolve`; the copies made
 * of them are freed when it settles.
 *
 * ```ts
 * const {x, status, iterations} = await ls.linearSolveAsync(A, b, {method: 'cg'});
 * const y = await ls.solveAsync([[4, 1], [1, 3]], [1, 2]);   // arrays, as tfjs ops take them
 * // The page stays responsive while a WebGL or WebGPU solve runs.
 * ```
 */
export async function linearSolveAsync<B extends TensorInput>(A: MatrixInput, b: B,
    options: SolveOptions = {}): Promise<LinearSolveResult<SolutionOf<B>>> {
  if (isRecording()) {
    throw new LinearSolveError('option',
      'linearSolveAsync/solveAsync cannot run inside tf.grad: tfjs records gradients only during the ' +
      'synchronous callback, and this solve resolves after it. Use ls.solve or ls.linearSolve there ' +
      '(with x0 set to an awaited solution to warm-start an iterative method).');
  }
  const owned: tf.Tensor[] = [];
  try {
    return await readAsync(solveSteps(A, b, options ?? {}, owned)) as LinearSolveResult<SolutionOf<B>>;
  } finally {
    tf.dispose(owned);
  }
}

/**
 * Solves A x = b like `solve`, awaiting each readback: resolves to x (shaped like b), or
 * rejects with a `LinearSolveError` (for a failed solve too, unless `onFailure` says otherwise).
 *
 * x is not differentiable (tfjs gradients are synchronous): take gradients through
 * `ls.solve` inside `tf.grad`, warm-started with `x0: x` for an iterative method.
 *
 * ```ts
 * const x = await ls.solveAsync(ls.poisson2dOperator(64), b, {method: 'cg'});
 * ```
 */
export async function solveAsync<B extends TensorInput>(A: MatrixInput, b: B,
    options: SolveOptions = {}): Promise<SolutionOf<B>> {
  return (await linearSolveAsync(A, b, options)).x;
}

/** Options `linearSolve` reads that the asynchronous path does not implement. */
const SYNCHRONOUS_ONLY = ['refine'];

/** The solve as `linearSolve` runs it off the tape, yielding its readbacks. */
function* solveSteps(A: MatrixInput, b: TensorInput, options: SolveOptions,
    owned: tf.Tensor[]): Readbacks<LinearSolveResult> {
  const own = (t: tf.Tensor, original: unknown) => { if (t !== original) owned.push(t); return t; };
  const {operator, rhs, layout, resolved, solver} = prepareSolve(A, b, options, own);
  for (const key of SYNCHRONOUS_ONLY) {
    if ((options as Record<string, unknown>)[key] != null) {
      throw new LinearSolveError('option', `option '${key}' is not supported by the asynchronous solves yet; use ls.linearSolve.`);
    }
  }
  // Checked like linearSolve's, though no gradient flows through an asynchronous solve.
  chooseAdjoint(options.adjoint);
  if (isEmptyProblem(operator, layout.canonical)) return emptySolve(operator, rhs, solver.name);
  const canonical = own(tf.reshape(rhs, layout.canonical), null);
  const state = initTidily(solver, operator, resolved);
  let result;
  try {
    result = yield* computeScaledSteps(solver, state, canonical, resolved, true);
  } finally {
    tf.dispose(state.tensors);
  }
  const {x: solved, ...diagnostics} = result;
  try {
    const outcome = yield* reportFailureSteps({...diagnostics, method: solver.name}, operator, canonical,
      resolved.onFailure, resolved.rtol);
    const x = tf.reshape(solved, rhs.shape);
    const {status, iterations, relativeResidual, method} = outcome;
    return {x, status, iterations, relativeResidual, method};
  } finally {
    solved.dispose();
  }
}

/**
 * `solver.init`, freeing its intermediates as linearSolve's enclosing tidy does (no tidy can
 * span the awaits of an asynchronous solve); the state's tensors survive.
 */
function initTidily(solver: Solver, operator: LinearOperator, options: SolverOptions): SolverState {
  let state: SolverState | undefined;
  tf.tidy(() => {
    state = solver.init(operator, options);
    return state.tensors;
  });
  return state as SolverState;
}
