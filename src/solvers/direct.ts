import * as tf from '@tensorflow/tfjs';
import {LinearOperator} from '../operators/LinearOperator';
import {SolverResult, SolveStatus} from './Solver';
import {allFinite, readScalars, relativeResiduals} from './linalg';

/** A `[n, n]` or `[B, n, n]` tensor as `[B, n, n]`. */
export function asBatch(t: tf.Tensor): tf.Tensor {
  return t.rank === 2 ? tf.expandDims(t, 0) : t;
}

/** Undo `asBatch` for a result shaped like the caller's right-hand side. */
export function likeInput(x: tf.Tensor, input: tf.Tensor): tf.Tensor {
  return input.rank === 2 ? tf.squeeze(x, [0]) : x;
}

/**
 * The one readback of a direct solve: whether x is finite, whether the factorisation's
 * `pivotOk` held, and the measured residual.
 */
export function finishDirect(operator: LinearOperator, b: tf.Tensor, x: tf.Tensor,
    pivotOk: tf.Tensor): SolverResult {
  const [finite, pivots, residual] = readScalars(() => [
    allFinite(x), pivotOk, tf.max(relativeResiduals(v => operator.apply(v), b, x)),
  ]);
  let status: SolveStatus = 'converged';
  if (pivots < 1) status = 'singular';
  else if (finite < 1 || !Number.isFinite(residual)) status = 'nonFinite';
  return {x, status, iterations: 1, relativeResidual: residual};
}
