import * as tf from '@tensorflow/tfjs';
import {LinearOperator} from '../../operators/LinearOperator';
import {SolverOptions, SolverResult, SolveStatus} from '../Solver';
import {thresholds} from '../krylov/iterative';
import {columnNorm} from '../linalg';
import {Readbacks, readSync} from '../../core/readbacks';
import {FLOAT32_EPS, TINY} from '../../core/float32';
import {LinearSolveError} from '../../core/LinearSolveError';

/** A `[n, n]` or `[B, n, n]` tensor as `[B, n, n]`. */
export function asBatch(t: tf.Tensor): tf.Tensor {
  return t.rank === 2 ? tf.expandDims(t, 0) : t;
}

/** Undo `asBatch` for a result shaped like the caller's right-hand side. */
export function likeInput(x: tf.Tensor, input: tf.Tensor): tf.Tensor {
  return input.rank === 2 ? tf.squeeze(x, [0]) : x;
}

/**
 * A backward-stable solve in float32 has ‖b − Ax‖ ≤ c·n·ε·(‖A‖‖x‖ + ‖b‖) with modest c
 * (Higham, Thm 9.4 and §7.1). Beyond 100·n·ε, with ‖A‖₂ ≤ n·max|aᵢⱼ|, the factorisation
 * broke down numerically (or a kernel is wrong): never report that as converged.
 */
const BACKWARD_ERROR_FACTOR = 100 * FLOAT32_EPS;

/**
 * The one readback of a direct solve: whether the factorisation's `pivotOk` held, the
 * measured residual, and the normwise backward error against `maxAbsA` = max|aᵢⱼ| (a NaN or
 * Inf in x shows up in both). With `measure` false (the implicit backward, which reuses
 * factors the forward already checked) only finiteness and the pivots are read, and the
 * reported residual is NaN.
 */
export function finishDirect(operator: LinearOperator, b: tf.Tensor, x: tf.Tensor,
    pivotOk: tf.Tensor, maxAbsA: tf.Tensor, measure = true, tolerance?: SolverOptions): SolverResult {
  return readSync(finishDirectSteps(operator, b, x, pivotOk, maxAbsA, measure, tolerance));
}

/** `finishDirect`, pausing at its readback (see `Readbacks`). */
export function* finishDirectSteps(operator: LinearOperator, b: tf.Tensor, x: tf.Tensor,
    pivotOk: tf.Tensor, maxAbsA: tf.Tensor, measure = true, tolerance?: SolverOptions): Readbacks<SolverResult> {
  const n = operator.shape[0];
  if (!measure) {
    const [pivots, finite] = yield () => [pivotOk, tf.sum(x)];
    const status: SolveStatus = pivots < 1 ? 'singular' : Number.isFinite(finite) ? 'converged' : 'nonFinite';
    return {x, status, iterations: 1, relativeResidual: NaN};
  }
  const [pivots, residual, backwardError, worst] = yield (() => {
    const r = columnNorm(tf.sub(b, operator.apply(x)));
    const bNorm = columnNorm(b);
    const scale = tf.add(tf.mul(tf.mul(maxAbsA, n), columnNorm(x)), bNorm);
    // ‖b‖ = 0 gives x = 0 and r = 0, so the floors only turn 0/0 into 0.
    return [pivotOk, tf.max(tf.div(r, tf.maximum(bNorm, TINY))), tf.max(tf.div(r, tf.maximum(scale, TINY))),
      tolerance == null ? tf.scalar(-1) : tf.max(tf.sub(r, thresholds(b, tolerance)))];
  });
  let status: SolveStatus = 'converged';
  if (pivots < 1) status = 'singular';
  else if (!Number.isFinite(residual) || !Number.isFinite(backwardError)) status = 'nonFinite';
  else if (backwardError > BACKWARD_ERROR_FACTOR * n) status = 'singular';
  // Backward stable, yet the residual misses rtol: float32 cannot reach it for this A.
  else if (worst > 0) status = 'stagnated';
  return {x, status, iterations: 1, relativeResidual: residual};
}

/**
 * Aᵀ as an operator if A can give it; else a stand-in that raises A's 'noTranspose' error only
 * when applied. Direct solvers transpose with their factors, so they need Aᵀ itself only to
 * measure a residual.
 */
export function transposeOrDeferred(operator: LinearOperator): LinearOperator {
  try {
    return operator.transpose();
  } catch (error) {
    if (!(error instanceof LinearSolveError && error.code === 'noTranspose')) throw error;
    const fail = (): never => { throw error; };
    return {
      kind: operator.kind, shape: operator.shape, batchSize: operator.batchSize, tags: operator.tags,
      hasTag: tag => operator.hasTag(tag),
      matvec: fail, apply: fail, toDense: fail,
      transpose: () => operator,
      diagonal: () => operator.diagonal(),
      parameters: () => [],
      withParameters: () => transposeOrDeferred(operator),
      parameterGradients: () => null,
    };
  }
}
