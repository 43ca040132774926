import * as tf from '@tensorflow/tfjs';
import {batchedDeterminant} from './determinant';

/**
 * log det A for A `[..., n, n]` (a scalar for one matrix, `[...]` for a batch), from the LU
 * factors: Σ log|uₖₖ|. Differentiable to every order with ∂/∂A = A⁻ᵀ computed from the same
 * factors — the term Gaussian-process marginal likelihoods and normalising flows need.
 *
 * As in `torch.logdet`: a negative determinant gives NaN and a singular A −Inf (the gradient is
 * NaN at both: torch returns zeros there); no readback, no error but for bad shapes and dtypes. For the sign as well, use `slogdet`; for
 * a symmetric positive definite A, 2Σ log diag(`cholesky(A)`) is half the work.
 *
 * ```ts
 * const K = tf.tensor2d([[2, 1], [1, 2]]);
 * ls.linalg.logdet(K).print();                   // log 3
 * const g = tf.grad(k => ls.linalg.logdet(k))(K);   // K⁻ᵀ
 * ```
 */
export function logdet(A: tf.Tensor | tf.TensorLike): tf.Tensor {
  return batchedDeterminant(A, 'logDet', 'logdet');
}
