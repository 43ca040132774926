/**
 * Cholesky factorisation A = L Lᵀ (Golub & Van Loan, Matrix Computations, 4th ed., Alg. 4.2.1),
 * differentiable by Murray's formula (I. Murray, "Differentiation of the Cholesky
 * decomposition", 2016; PyTorch's `cholesky_backward`): Ā = ½(S + Sᵀ) with
 * S = L⁻ᵀ Φ(Lᵀ L̄) L⁻¹, Φ the lower triangle with its diagonal halved.
 */
import * as tf from '@tensorflow/tfjs';
import * as ls from '../index';
import {flatOp} from './customOp';
import {flagOf, LinalgOptions, onFailureOf, reportFailure} from './linalgOptions';
import {floatInput, squareShape} from './matrixBatch';
import {isRecording} from './recording';
import {diagonalOf, transposeLast, triangleMask} from './masks';

/** Options of `ls.linalg.cholesky`. */
export interface CholeskyOptions extends LinalgOptions {
  /** Return U = Lᵀ (A = UᵀU) instead of L (default false). */
  upper?: boolean;
}

/**
 * The Cholesky factor of a symmetric positive definite A `[..., n, n]`: lower triangular L
 * with A = L Lᵀ (or U = Lᵀ with `upper: true`), differentiable to every order.
 *
 * Only A's lower triangle is read, and A is taken as symmetric: the gradient is symmetric
 * (as in PyTorch and TensorFlow). A that is not positive definite (a pivot ≤ 0, or NaN/Inf)
 * is a 'singular' `LinearSolveError` unless `onFailure` says otherwise.
 *
 * For a Gaussian process, log det K = 2 Σ log Lᵢᵢ and K⁻¹y = `choleskySolve(L, y)`:
 *
 * ```ts
 * const L = ls.linalg.cholesky(K);                                // K [n, n]
 * const logDet = tf.mul(2, tf.sum(tf.log(tf.sum(tf.mul(L, tf.eye(n)), -1))));
 * const alpha = ls.linalg.choleskySolve(L, y);                    // y [n, 1]
 * ```
 */
export function cholesky(A: tf.Tensor | tf.TensorLike, options: CholeskyOptions = {}): tf.Tensor {
  const onFailure = onFailureOf(options, 'cholesky');
  const upper = flagOf(options, 'upper', false, 'cholesky');
  const input = floatInput(A, 'A', 'cholesky');
  try {
    const {batchShape} = squareShape(input.tensor.shape, 'A', 'cholesky');
    const L = choleskyOp(input.tensor, batchShape, onFailure);
    if (!upper) return L;
    const U = tf.tidy(() => transposeLast(L));
    L.dispose();
    return U;
  } finally {
    if (input.owned) input.tensor.dispose();
  }
}

/** L of `a` `[...batch, n, n]` as one custom op, checked before anything is saved. */
export function choleskyOp(a: tf.Tensor, batch: number[], onFailure: ls.OnFailure): tf.Tensor {
  const n = a.shape[a.rank - 1];
  return flatOp([{tensor: a, core: 2}], batch, [...batch, n, n], ([m], save) => {
    const L = tf.mul(ls.kernels.choleskyFactor(m), triangleMask(n, 'lower'));
    if (onFailure !== 'ignore') checkPositive(L, onFailure);
    save([m, L]);
    return {
      value: L,
      gradFunc: (dL, [savedA, savedL]) =>
        [choleskyBackward(isRecording() ? choleskyOp(savedA, [savedA.shape[0]], 'ignore') : savedL, dL)],
    };
  });
}

function checkPositive(L: tf.Tensor, onFailure: ls.OnFailure): void {
  const bad = tf.tidy(() => {
    const d = diagonalOf(L);
    return tf.sum(tf.cast(tf.logicalOr(tf.lessEqual(d, 0), tf.logicalNot(tf.isFinite(d))), 'float32'));
  }).dataSync()[0];
  if (bad > 0 || Number.isNaN(bad)) {
    reportFailure(onFailure, new ls.LinearSolveError('singular',
      'linalg.cholesky: A is not positive definite (a pivot ≤ 0), or holds NaN/Inf. For a symmetric indefinite A ' +
      'use ls.linalg.lu; for a covariance matrix that is only semidefinite, add a small jitter to its diagonal.'));
  }
}

/** Ā = ½(S + Sᵀ), S = L⁻ᵀ Φ(Lᵀ L̄) L⁻¹; L̄ is read on L's triangle (the zeros above are constants). */
function choleskyBackward(L: tf.Tensor, dL: tf.Tensor): tf.Tensor {
  const n = L.shape[1] as number;
  const lowerGrad = tf.mul(dL, triangleMask(n, 'lower'));
  const product = tf.matMul(L, lowerGrad, true, false);
  const phi = tf.add(tf.mul(product, triangleMask(n, 'strictLower')), tf.mul(tf.mul(product, tf.eye(n)), 0.5));
  // S = L⁻ᵀ Φ L⁻¹ = (L⁻ᵀ (L⁻ᵀ Φ)ᵀ)ᵀ.
  const left = ls.kernels.triangularSolve(L, phi, {lower: false, transposeT: true});
  const s = transposeLast(ls.kernels.triangularSolve(L, transposeLast(left), {lower: false, transposeT: true}));
  return tf.mul(tf.add(s, transposeLast(s)), 0.5);
}
