/** The public functional estimator cᵀA⁻¹b and its method choice. */
import * as tf from '@tensorflow/tfjs-core';
import * as ls from '../coreApi';
import {EstimateOptions, EstimateResult, ResolvedEstimateOptions, resolveEstimateOptions} from './EstimateOptions';
import {HostEstimate, differentiableResult} from './differentiable';
import {HostSystem, hostSystem} from './HostSystem';
import {SparseVector, SparseVectorSpec, hostVector, requireVectorTensor, sparseInput} from './hostVector';
import {Query} from './Query';
import {backwardPushEstimate} from './backwardPushEstimate';
import {bidirectionalEstimate} from './bidirectionalEstimate';
import {neumannEstimate} from './neumannEstimate';
import {requireDominant, requireRowDominant} from './preconditions';
import {walkEstimate} from './walkEstimate';

/**
 * Estimates the functional y = cᵀx*, x* = A⁻¹b, of a strictly diagonally dominant sparse A, with
 * an error bound, in work independent of n (except `'neumann'`, which is linear).
 *
 * | method | needs | bound | work (entries of A read) |
 * |---|---|---|---|
 * | `'backwardPush'` | β_r > 0 | deterministic: ‖s‖₁‖b‖∞/δ_r, s = c − Aᵀq | ≤ ‖c‖₁/(β_r θ), independent of n |
 * | `'randomWalk'` | β_r > 0 | probabilistic (Hoeffding, `confidence`) | ~ 2(‖c‖₁‖b‖∞/δ_r)² ln(2/p)/ε² walks × 1/β_r steps |
 * | `'bidirectional'` | β_r > 0 | probabilistic | a push, then walks on its residual (‖s‖₁² fewer) |
 * | `'neumann'` | β_r > 0 or β_c > 0 | deterministic: γ/(1−γ)·‖last term‖ | K·nnz: LINEAR in n |
 * | `'auto'` | | backward push if β_r > 0, else Neumann if β_c > 0, else refused | |
 *
 * Preconditions are checked (`ls.dominance`), and a system that fails them is refused with
 * `LinearSolveError('notApplicable')`: weakly dominant matrices (2-D Poisson) and SPD matrices
 * that are not dominant need `ls.solve`.
 *
 * What is not sublinear: the first call on a new `values` tensor reads all of A once (one
 * `dataSync`, its margins: O(nnz)), and a dense b or c tensor is read once (O(n)); both are
 * cached per tensor, so every further query on them costs only the work above. `value` is
 * differentiable with respect to A's values and b (not c): ∂y/∂b = λ = A⁻ᵀc and
 * ∂y/∂a_e = −λ[row e]·x*[col e], nonzero only near supp(λ); the gradient tensors themselves
 * have the dense shapes of values and b.
 *
 * ```ts
 * const A = ls.sparse({indices: [[0,0],[0,1],[1,0],[1,1],[1,2],[2,1],[2,2]],
 *                      values: tf.tensor1d([4, 1, 1, 3, -1, -1, 2]), shape: [3, 3]});
 * const b = tf.tensor1d([5, 4, 3]);
 * const {value, bound} = ls.estimateFunctional(A, b, {indices: [0, 2], values: [1, 1]}, {epsilon: 1e-6});
 * // value ≈ 7/9 + 22/9, |value − 29/9| ≤ bound ≤ 1e-6
 * ```
 */
export function estimateFunctional(A: ls.SparseOperator, b: tf.Tensor, c: tf.Tensor | SparseVectorSpec,
    options: EstimateOptions = {}): EstimateResult {
  return estimateQuery(A, b, sys => sparseInput(c, sys.layout.n, 'estimateFunctional', 'c'), options, 'estimateFunctional');
}

/** Shared by estimateEntry and estimateFunctional: validate, choose, estimate, wrap. */
export function estimateQuery(A: ls.SparseOperator, b: tf.Tensor, query: (sys: HostSystem) => SparseVector,
    options: EstimateOptions, caller: string): EstimateResult {
  const resolved = resolveEstimateOptions(options, caller);
  const sys = hostSystem(A, caller);
  requireVectorTensor(b, sys.layout.n, caller, 'b');
  const q: Query = {sys, b: hostVector(b, sys.layout.n, caller), c: query(sys), options: resolved};
  return differentiableResult(A, b, run(q, resolved));
}

function run(q: Query, options: ResolvedEstimateOptions): HostEstimate {
  switch (chooseMethod(q.sys, options)) {
    case 'neumann': return neumannEstimate(q);
    case 'backwardPush': return backwardPushEstimate(q);
    case 'bidirectional': return bidirectionalEstimate(q);
    default:
      requireRowDominant(q.sys, 'the random-walk estimator');
      return walkEstimate(q, new Map(), new Map(Array.from(q.c.indices, (i, k) => [i, q.c.values[k]])), 0, 'randomWalk');
  }
}

function chooseMethod(sys: HostSystem, options: ResolvedEstimateOptions) {
  if (options.method !== 'auto') return options.method;
  if (sys.rowMargin > 0) return 'backwardPush';
  requireDominant(sys, "method 'auto'");
  return 'neumann';
}
