/** The public single-entry estimator xᵢ = (A⁻¹b)ᵢ. */
import * as tf from '@tensorflow/tfjs-core';
import * as ls from '../coreApi';
import {EstimateOptions, EstimateResult} from './EstimateOptions';
import {estimateQuery} from './estimateFunctional';

/**
 * Estimates one entry xᵢ of x* = A⁻¹b for a strictly diagonally dominant sparse A, with an error
 * bound, in work independent of n: `estimateFunctional` with c = eᵢ (see it for the methods,
 * their preconditions and bounds, and what is and is not sublinear).
 *
 *     backward push:  xᵢ ≈ qᵀb, Aᵀq + s = eᵢ,  |xᵢ − qᵀb| ≤ ‖s‖₁·‖b‖∞/δ_r   (deterministic)
 *     random walks:   xᵢ ≈ mean of N absorption walks from i, N = ⌈2B² ln(2/p)/ε²⌉, B = ‖b‖∞/δ_r
 *
 * `value` is a differentiable float32 scalar: ∂xᵢ/∂b = (A⁻ᵀeᵢ) and ∂xᵢ/∂a_e = −λ[row e]·x*[col e].
 *
 * ```ts
 * const {value, bound, boundKind, work} = ls.estimateEntry(A, b, 3, {epsilon: 1e-4});
 * const g = tf.grad(v => ls.estimateEntry(A.withValues(v), b, 3).value)(A.values);  // local ∂x₃/∂values
 * ```
 */
export function estimateEntry(A: ls.SparseOperator, b: tf.Tensor, i: number, options: EstimateOptions = {}): EstimateResult {
  return estimateQuery(A, b, sys => {
    if (!(Number.isInteger(i) && i >= 0 && i < sys.layout.n)) {
      throw new ls.LinearSolveError('shape', `estimateEntry: i must be an integer in [0, ${sys.layout.n}), got ${i}.`);
    }
    return {indices: Int32Array.of(i), values: Float64Array.of(1)};
  }, options, 'estimateEntry');
}
