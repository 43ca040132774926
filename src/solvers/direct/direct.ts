import * as tf from '@tensorflow/tfjs-core';
import {LinearOperator} from '../../operators/LinearOperator';
import {SolverOptions, SolverResult, SolveStatus} from '../Solver';
import {columnNorm} from '../linalg';
import {Readbacks, readSync} from '../../core/readbacks';
import {FLOAT32_EPS, TINY} from '../../core/float32';
import {CONVERGENCE_MARGIN} from '../../core/tolerance';
import {LinearSolveError} from '../../core/LinearSolveError';
import {DenseOperator} from '../../operators/DenseOperator';
import {NativeOps} from '../../kernels/node/NativeOps';
import {nativeDirectOps} from '../../kernels/node/nativeLU';

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
  const ops = x.dtype === 'float32' && b.dtype === 'float32' ? nativeDirectOps() : null;
  if (!measure) {
    const [pivots, finite] = yield () => ops != null ?
      [ops.flatConcat([pivotOk, nativeSum(ops, x)])] : [pivotOk, tf.sum(x)];
    const status: SolveStatus = pivots < 1 ? 'singular' : Number.isFinite(finite) ? 'converged' : 'nonFinite';
    return {x, status, iterations: 1, relativeResidual: NaN};
  }
  // One readback of the column norms; the ratios and maxima are taken in JavaScript, in
  // float64 (on tfjs-node this replaced some forty tf ops by four native ones).
  const columns = b.size / b.shape[b.rank - 2];
  const values = yield () => {
    const atol = tolerance == null || typeof tolerance.atol === 'number' ? [] : [tolerance.atol];
    if (ops == null) return [columnNorm(tf.sub(b, operator.apply(x))), columnNorm(b), columnNorm(x), pivotOk, maxAbsA, ...atol];
    // The same kernels by name on tfjs-node, packed there (each tfjs op costs ~70 µs).
    const residual = ops.sub(b, nativeProduct(ops, operator, x));
    const norms = [residual, b, x].map(t => nativeColumnNorm(ops, t));
    return [ops.flatConcat([...norms, pivotOk, maxAbsA, ...atol])];
  };
  const column = (i: number) => values.subarray(i * columns, (i + 1) * columns);
  const read = [column(0), column(1), column(2), values.subarray(3 * columns, 3 * columns + 1),
    values.subarray(3 * columns + 1, 3 * columns + 2), values.subarray(3 * columns + 2)];
  const [r, bNorm, xNorm, [pivots], [maxA]] = read;
  const atol = tolerance == null ? 0 : typeof tolerance.atol === 'number' ? tolerance.atol : read[5];
  // Math.max is NaN if any argument is: a NaN column reaches the status.
  let residual = 0;
  let backwardError = 0;
  let worst = -Infinity;
  for (let j = 0; j < r.length; j++) {
    // ‖b‖ = 0 gives x = 0 and r = 0, so the floors only turn 0/0 into 0.
    residual = Math.max(residual, r[j] / Math.max(bNorm[j], TINY));
    backwardError = Math.max(backwardError, r[j] / Math.max(maxA * n * xNorm[j] + bNorm[j], TINY));
    if (tolerance != null) {
      const a = typeof atol === 'number' ? atol : atol[atol.length === 1 ? 0 : j];
      worst = Math.max(worst, r[j] - Math.max(tolerance.rtol * bNorm[j], a) * CONVERGENCE_MARGIN);
    }
  }
  let status: SolveStatus = 'converged';
  if (pivots < 1) status = 'singular';
  else if (!Number.isFinite(residual) || !Number.isFinite(backwardError)) status = 'nonFinite';
  else if (backwardError > BACKWARD_ERROR_FACTOR * n) status = 'singular';
  // Backward stable, yet the residual misses rtol: float32 cannot reach it for this A.
  else if (worst > 0) status = 'stagnated';
  return {x, status, iterations: 1, relativeResidual: residual};
}

/** Σ of every entry of x `[1]`, as TensorFlow's Sum. */
function nativeSum(ops: NativeOps, x: tf.Tensor): tf.Tensor {
  const axis = tf.tensor1d([0], 'int32');
  const flat = ops.reshape(x, [-1]);
  try {
    return ops.sum(flat, axis, true);
  } finally {
    tf.dispose([axis, flat]);
  }
}

/** ‖aⱼ‖₂ of each column of `[..., n, k]`, as TensorFlow's EuclideanNorm (`columnNorm`'s kernel), not kept as an axis. */
function nativeColumnNorm(ops: NativeOps, a: tf.Tensor): tf.Tensor {
  const axis = tf.tensor1d([a.rank - 2], 'int32');
  try {
    return ops.euclideanNorm(a, axis, false);
  } finally {
    axis.dispose();
  }
}

/** A·x by TensorFlow's MatMul (BatchMatMulV2 for a batch) for a float32 dense A, else A's own ops. */
function nativeProduct(ops: NativeOps, operator: LinearOperator, x: tf.Tensor): tf.Tensor {
  if (!(operator instanceof DenseOperator) || operator.matrix.dtype !== 'float32') return operator.apply(x);
  const {matrix, transposed} = operator;
  return matrix.rank === 2 && x.rank === 2 ? ops.matMul2d(matrix, x, transposed) : ops.matMul(matrix, x, transposed, false);
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
