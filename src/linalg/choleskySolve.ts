/**
 * x = A⁻¹b from A = L Lᵀ: y = L⁻¹b, x = L⁻ᵀy (Golub & Van Loan, §4.2). Differentiable in b and
 * L: with ȳ = L⁻¹x̄, b̄ = L⁻ᵀȳ and L̄ = −tril(x ȳᵀ + b̄ yᵀ).
 */
import * as tf from '@tensorflow/tfjs';
import * as ls from '../index';
import {flatOp, Forward} from './customOp';
import {flagOf, LinalgOptions, onFailureOf} from './linalgOptions';
import {floatInput, Input, squareShape} from './matrixBatch';
import {isRecording} from './recording';
import {diagonalOf, transposeLast, triangleMask} from './masks';
import {checkSolve} from './checkSolve';
import {rhsBatch} from './luSolve';

/** Options of `ls.linalg.choleskySolve`. */
export interface CholeskySolveOptions extends LinalgOptions {
  /** The factor given is U = Lᵀ (A = UᵀU), as `cholesky(A, {upper: true})` returns (default false). */
  upper?: boolean;
}

/**
 * Solves A X = B with the Cholesky factor L of A (A = L Lᵀ): X = L⁻ᵀ L⁻¹ B, differentiable in B
 * and in L (so in A, through `cholesky`).
 *
 * B is `[..., n, k]` (a vector b is `tf.expandDims(b, -1)`); the batch shapes of L and B
 * broadcast. Only L's lower triangle is read (U's upper one with `upper: true`). A zero on L's
 * diagonal is 'singular' and a result that is not finite 'nonFinite' (`LinearSolveError`),
 * unless `onFailure` says otherwise.
 *
 * ```ts
 * const L = ls.linalg.cholesky(K);
 * const alpha = ls.linalg.choleskySolve(L, y);   // K⁻¹y
 * ```
 */
export function choleskySolve(L: tf.Tensor | tf.TensorLike, B: tf.Tensor | tf.TensorLike, options: CholeskySolveOptions = {}): tf.Tensor {
  const onFailure = onFailureOf(options, 'choleskySolve');
  const upper = flagOf(options, 'upper', false, 'choleskySolve');
  const inputs: Input[] = [];
  try {
    inputs.push(floatInput(L, 'L', 'choleskySolve'));
    inputs.push(floatInput(B, 'B', 'choleskySolve'));
    const [factor, b] = inputs.map(i => i.tensor);
    const {batchShape, n} = squareShape(factor.shape, 'L', 'choleskySolve');
    const target = rhsBatch(b.shape, batchShape, n, 'choleskySolve');
    const k = b.shape[b.rank - 1];
    return flatOp([{tensor: factor, core: 2}, {tensor: b, core: 2}], target, [...target, n, k], choleskySolveForward(n, upper, onFailure));
  } finally {
    inputs.forEach(i => { if (i.owned) i.tensor.dispose(); });
  }
}

/** The solve on `[B, n, n]` factors (U = Lᵀ with `upper`) and `[B, n, k]` right-hand sides. */
function choleskySolveForward(n: number, upper: boolean, onFailure: ls.OnFailure): Forward {
  const lowerOf = (given: tf.Tensor) => tf.mul(upper ? transposeLast(given) : given, triangleMask(n, 'lower'));
  return ([given, rhs], save) => {
    const {y, x} = forward(lowerOf(given), rhs);
    checkSolve([diagonalOf(given)], x, 'choleskySolve', onFailure);
    save([given, rhs, y, x]);
    return {
      value: x,
      gradFunc: (dx, [savedGiven, savedB, savedY, savedX]) => {
        const lower = lowerOf(savedGiven);
        const again = isRecording() ? forward(lower, savedB) : {y: savedY, x: savedX};
        const dy = ls.kernels.triangularSolve(lower, dx, {lower: true});
        const dB = ls.kernels.triangularSolve(lower, dy, {lower: false, transposeT: true});
        const dL = tf.mul(tf.neg(tf.add(tf.matMul(again.x, dy, false, true), tf.matMul(dB, again.y, false, true))),
          triangleMask(n, 'lower'));
        return [upper ? transposeLast(dL) : dL, dB];
      },
    };
  };
}

/** y = L⁻¹b, x = L⁻ᵀy for L lower triangular. */
function forward(lower: tf.Tensor, b: tf.Tensor): {y: tf.Tensor; x: tf.Tensor} {
  const y = ls.kernels.triangularSolve(lower, b, {lower: true});
  return {y, x: ls.kernels.triangularSolve(lower, y, {lower: false, transposeT: true})};
}
