import * as tf from '@tensorflow/tfjs';
import {batchedDeterminant} from './determinant';

/**
 * The determinant of A `[..., n, n]` (a scalar for one matrix, `[...]` for a batch), from the
 * LU factorisation with partial pivoting: det A = det P · Πuₖₖ. Differentiable to every order:
 * ∂det/∂A = det A · A⁻ᵀ (Jacobi's formula), A⁻ᵀ from the same factors.
 *
 * An exactly singular A gives 0 (its gradient, the adjugate, is not computed: NaN there);
 * NaN/Inf in A give NaN. No readback, no error but for bad shapes and dtypes. Products of
 * many pivots overflow float32 easily: `slogdet` is the safer form beyond small n.
 *
 * ```ts
 * ls.linalg.det(tf.tensor2d([[1, 2], [3, 4]])).print();   // −2
 * const g = tf.grad(a => ls.linalg.det(a))(A);             // det(A)·A⁻ᵀ
 * ```
 */
export function det(A: tf.Tensor | tf.TensorLike): tf.Tensor {
  return batchedDeterminant(A, 'det', 'det');
}
