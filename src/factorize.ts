import * as tf from '@tensorflow/tfjs-core';
import {chooseSolver} from './solvers/chooseSolver';
import {checkSolverOptions} from './solvers/registry';
import {SolverState} from './solvers/Solver';
import {implicitSolveWith} from './adjoints/ImplicitAdjoint';
import {SolveOptions, resolveOptions} from './options';
import {LinearSolveError} from './core/LinearSolveError';
import {SolveStats} from './core/SolveStats';
import {asFloat32} from './core/validate';
import {LinearSolveResult, refinedLike} from './linearSolve';
import {MatrixInput, TensorInput, asOperator, rightHandLayout} from './solveInputs';
import {SolutionOf} from './core/tensorLike';
import {Refinement} from './solvers/refine/refineSolution';
import {validateOptionTypes} from './core/optionTypes';
import {guardTape} from './core/tapeGuard';
import {emptySolve, isEmptyProblem} from './emptySolve';

/** A factorised A (or, for iterative methods, A with its preconditioner made once), reusable. */
export interface Factorization {
  /** The solver that factorised A: 'lu', 'cholesky', 'diagonal', 'cg', … */
  readonly method: string;
  /** `[n, n]` of one member. */
  readonly shape: [number, number];
  /** x = A⁻¹b for b shaped (and typed) as in `solve`; differentiable in b and in A's parameters. */
  solve<B extends TensorInput>(b: B): SolutionOf<B>;
  /** `solve` with its stats, as `linearSolve` reports them. */
  linearSolve<B extends TensorInput>(b: B): LinearSolveResult<SolutionOf<B>>;
  /** Frees the factors (and any casts made of A); the handle cannot solve afterwards. */
  dispose(): void;
}

/**
 * Factorises A once for many right-hand sides: LU or Cholesky factors (or an iterative
 * method's state) kept until `dispose()`. Each `solve(b)` costs two triangular solves and is
 * differentiable like `ls.solve` (implicit adjoint: the backward reuses the same factors), so
 * integrators and estimators that solve with one A many times pay for one factorisation.
 *
 * Options are `solve`'s, less the per-solve `x0` and with the implicit adjoint only.
 *
 * ```ts
 * const lu = ls.factorize(A, {method: 'lu'});
 * const x1 = lu.solve(b1);
 * const g = tf.grad(b => tf.sum(lu.solve(b)))(b2);   // Aᵀλ = 1 with the same factors
 * lu.dispose();
 * ```
 */
export function factorize(A: MatrixInput, given: SolveOptions = {}): Factorization {
  const options = given ?? {};
  validateOptionTypes(options as Record<string, unknown>);
  if (options.x0 != null) {
    throw new LinearSolveError('option', 'factorize: x0 is a per-solve option; a factorisation is reused for many b.');
  }
  if (options.adjoint != null && options.adjoint !== 'implicit') {
    throw new LinearSolveError('option',
      "factorize: gradients flow by the implicit adjoint (the factors' transposed solve); drop the adjoint option.");
  }
  const owned: tf.Tensor[] = [];
  const own = (t: tf.Tensor, original: unknown) => { if (t !== original) owned.push(t); return t; };
  let state: SolverState | null = null;
  try {
    const operator = asOperator(A, options, own);
    const resolved = resolveOptions(options, null);
    const solver = chooseSolver(options.method, operator);
    if (options.method != null && options.method !== 'auto') checkSolverOptions(solver, options, options.backward);
    // n = 0: nothing to factorise (kernels assume at least one row).
    if (operator.shape[0] === 0) state = {operator, tensors: [], withTensors: () => state as unknown as SolverState};
    else tf.tidy(() => {
      state = solver.init(operator, resolved);
      state.tensors.forEach(t => tf.keep(t));
    });
    const factors = state as unknown as SolverState;
    let disposed = false;
    const linearSolve = (b: TensorInput): LinearSolveResult => {
      if (disposed) throw new LinearSolveError('option', 'factorize: this factorisation was disposed.');
      const rhs = asFloat32(b, 'b');
      try {
        const layout = rightHandLayout(operator, rhs.shape);
        if (isEmptyProblem(operator, layout.canonical)) return emptySolve(operator, rhs, solver.name);
        const report: {result?: LinearSolveResult} = {};
        const onBackward = (stats: SolveStats) => { if (report.result != null) report.result.backward = stats; };
        let outcome: SolveStats | null = null;
        let refinement: Refinement | undefined;
        const x = guardTape(() => tf.tidy(() => {
          const solved = implicitSolveWith(
            {operator, solver, b: tf.reshape(rhs, layout.canonical), options: resolved, onBackward}, factors);
          outcome = solved.outcome;
          refinement = solved.refinement;
          return tf.reshape(solved.x, rhs.shape);
        }));
        const {status, iterations, relativeResidual, method} = outcome as unknown as SolveStats;
        report.result = {x, status, iterations, relativeResidual, method};
        if (refinement != null) report.result.refined = refinedLike(refinement, rhs.shape, resolved.refine?.automatic ?? true);
        return report.result;
      } finally {
        if (rhs !== b) rhs.dispose();
      }
    };
    return {
      method: solver.name,
      shape: operator.shape,
      linearSolve: <B extends TensorInput>(b: B) => linearSolve(b) as LinearSolveResult<SolutionOf<B>>,
      solve: <B extends TensorInput>(b: B) => {
        const {x, refined} = linearSolve(b);
        tf.dispose([refined?.hi, refined?.lo].filter((t): t is tf.Tensor => t != null));
        return x as SolutionOf<B>;
      },
      dispose: () => {
        if (disposed) return;
        disposed = true;
        tf.dispose([...factors.tensors, ...owned]);
      },
    };
  } catch (error) {
    if (state != null) tf.dispose((state as SolverState).tensors);
    tf.dispose(owned);
    throw error;
  }
}
