import * as tf from '@tensorflow/tfjs';
import {adopt} from './customOp';
import {batchedDeterminant} from './determinant';

/** What `ls.linalg.slogdet` returns: det A = sign · exp(logAbsDet). */
export interface SignAndLogDet {
  /** sign(det A): 1, −1, or 0 for a singular A (NaN for NaN/Inf in A); no gradient. */
  sign: tf.Tensor;
  /** log|det A|, differentiable: ∂/∂A = A⁻ᵀ. −Inf for a singular A. */
  logAbsDet: tf.Tensor;
}

/**
 * The sign and log-absolute-determinant of A `[..., n, n]` (scalars for one matrix, `[...]`
 * for a batch), from the LU factors: log|det A| = Σ log|uₖₖ| never overflows where det does.
 * `logAbsDet` is differentiable to every order, ∂/∂A = A⁻ᵀ from the same factors (for either
 * sign of det A); `sign` is piecewise constant and carries no gradient. No readback.
 *
 * ```ts
 * const {sign, logAbsDet} = ls.linalg.slogdet(tf.tensor2d([[0, 1], [1, 0]]));   // −1, 0
 * ```
 */
export function slogdet(A: tf.Tensor | tf.TensorLike): SignAndLogDet {
  let sign: tf.Tensor | null = null;
  const logAbsDet = batchedDeterminant(A, 'logAbsDet', 'slogdet', s => { sign = s; });
  return {sign: adopt(sign as unknown as tf.Tensor), logAbsDet};
}
