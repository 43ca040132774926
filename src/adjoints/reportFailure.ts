import * as tf from '@tensorflow/tfjs-core';
import {LinearOperator} from '../operators/LinearOperator';
import {LinearSolveError, LinearSolveErrorCode} from '../core/LinearSolveError';
import {OnFailure, SolveStats, SolveStatus} from '../core/SolveStats';
import {Readbacks, readSync} from '../core/readbacks';

/**
 * Turns a failed outcome into an error, a warning or nothing, as `onFailure` says. A failure
 * whose inputs hold NaN or Inf is reported as 'nonFinite' whatever the solver saw, because
 * that is the cause to fix.
 */
export function reportFailure(outcome: SolveStats, operator: LinearOperator, b: tf.Tensor,
    onFailure: OnFailure, rtol: number): SolveStats {
  return readSync(reportFailureSteps(outcome, operator, b, onFailure, rtol));
}

/** `reportFailure`, pausing at its readback (see `Readbacks`). */
export function* reportFailureSteps(outcome: SolveStats, operator: LinearOperator, b: tf.Tensor,
    onFailure: OnFailure, rtol: number): Readbacks<SolveStats> {
  if (outcome.status === 'converged' || outcome.status === 'unchecked') return outcome;
  const diagnosed = {...outcome};
  const finite = yield () => [b, ...operator.parameters()].map(t => t.size === 0 ? tf.scalar(1) : tf.cast(tf.all(tf.isFinite(t)), 'float32'));
  if (finite.some(f => f !== 1)) diagnosed.status = 'nonFinite';
  if (onFailure === 'ignore') return diagnosed;
  const error = failureError(diagnosed, rtol);
  if (onFailure === 'throw') throw error;
  console.warn(`tfjs-linsolve: ${error.message}`);
  return diagnosed;
}

function failureError({status, method, iterations, relativeResidual}: SolveStats, rtol: number): LinearSolveError {
  const residual = relativeResidual.toExponential(2);
  const messages: Record<Exclude<SolveStatus, 'converged' | 'unchecked'>, [LinearSolveErrorCode, string]> = {
    nonFinite: ['nonFinite', `${method}: A or b contains NaN or Inf, or the solution overflowed ` +
      '(A singular or badly scaled). Check the inputs with tf.isFinite, and rescale A.'],
    singular: ['singular', method === 'cholesky' ?
      'cholesky: a pivot was ≤ n·ε·max|diag A|, so A is not (numerically) symmetric positive ' +
      "definite. Use method 'lu' for general A, or check how A is built." :
      `${method}: A is singular to float32 precision (a pivot ≤ n·ε·max|A|). Check A for ` +
      'dependent rows or columns; for a nearly singular A add a small multiple of I.'],
    breakdown: ['breakdown', method === 'cg' ?
      "cg: pᵀAp ≤ 0, so A is not positive definite. Use 'gmres' or 'bicgstab' for indefinite " +
      "or nonsymmetric A, or 'lu' for a dense one." :
      `${method}: the iteration broke down (a zero denominator) after ${iterations} iterations. ` +
      "Try 'gmres', a preconditioner, or another x0."],
    stagnated: ['notConverged', method === 'lu' || method === 'cholesky' ? `${method}: relative residual ` +
      `${residual} > rtol ${rtol}: the factorisation is backward stable, but float32 cannot meet this rtol ` +
      'for so ill-conditioned an A. Loosen rtol (or atol), or rescale A.' :
      `${method}: stagnated after ${iterations} iterations at relative ` +
      `residual ${residual} > rtol ${rtol}: restarting from the true residual no longer reduces it, ` +
      'so float32 cannot reach this tolerance for this system. Loosen rtol (or atol), precondition, ' +
      'or rescale A.'],
    maxIterations: ['notConverged', `${method}: not converged after ${iterations} iterations ` +
      `(relative residual ${residual} > rtol ${rtol}). Raise maxIterations, loosen rtol, or add ` +
      "preconditioner: 'jacobi'."],
  };
  const [code, message] = messages[status as Exclude<SolveStatus, 'converged' | 'unchecked'>];
  return new LinearSolveError(code, message);
}
