/**
 * Jacobi iteration, or preconditioned Richardson iteration with an operator M ≈ A⁻¹:
 * x ← x + M(b − A x), with M = diag(A)⁻¹ by default (Saad, Iterative Methods for Sparse Linear
 * Systems, 2nd ed., §4.1). It converges when the spectral radius of I − MA is below 1 (for
 * Jacobi: A strictly diagonally dominant, for instance). Its derivative is the truncated
 * Neumann series of A⁻¹ (the `{truncated: k}` adjoint steps with a damped variant of it).
 */
import * as tf from '@tensorflow/tfjs-core';
import {LinearOperator} from '../../operators/LinearOperator';
import {SolverOptions, SolverResult, SolverState} from '../Solver';
import {columnDot, columnNorm, stopGradient} from '../linalg';
import {
  IterativeSolver, IterativeState, finishIterativeSteps, initIterative, initialGuess, iterateSteps, iterationCap, loopFlags, thresholds,
} from './iterative';
import {tryHostJacobi} from './hostEngine';
import {Readbacks, readSync} from '../../core/readbacks';

/** Jacobi / preconditioned Richardson: cheap steps, for diagonally dominant A. */
export class JacobiSolver extends IterativeSolver {
  readonly name = 'jacobi';

  init(operator: LinearOperator, options: SolverOptions): SolverState {
    return initIterative(operator, {...options, preconditioner: options.preconditioner ?? 'jacobi'});
  }

  compute(state: SolverState, b: tf.Tensor, options: SolverOptions): SolverResult {
    const host = tryHostJacobi(state, b, options); if (host != null) return host;
    return readSync(this.loop(state, b, options));
  }

  /** `compute`, pausing at each readback; the host engine reads host memory, so it serves here too. */
  *computeSteps(state: SolverState, b: tf.Tensor, options: SolverOptions): Readbacks<SolverResult> {
    return tryHostJacobi(state, b, options) ?? (yield* this.loop(state, b, options));
  }

  /** The loop in tf ops. */
  private *loop(state: SolverState, b: tf.Tensor, options: SolverOptions): Readbacks<SolverResult> {
    const s = state as IterativeState;
    const tol = thresholds(b, options);
    const residual = (x: tf.Tensor) => tf.sub(b, s.operator.apply(x));
    const result = yield* iterateSteps(tf.tidy(() => {
      const x = initialGuess(b, options);
      return {x, r: residual(x)};
    }), {
      maxIterations: iterationCap(state, options),
      checkEvery: options.checkEvery,
      fixed: options.fixedIterations,
      step: ({x, r}) => {
        // Converged columns (and batch members) freeze on the device.
        const active = tf.greater(stopGradient(columnNorm(r)), tol);
        const next = tf.where(active, tf.add(x, s.precondition(r)), x);
        return {x: next, r: residual(next)};
      },
      check: ({r}) => loopFlags(columnDot(r, r), tol, tf.scalar(0)),
      // r is the true residual already.
      refresh: ({x, r}) => ({x, r}),
    });
    const {x, r} = result.state;
    tf.dispose([r, tol]);
    return yield* finishIterativeSteps(state, b, x, result.iterations, options, result.status);
  }

}
