/**
 * A local solve for a sparse right-hand side by forward push (Andersen, Chung & Lang, FOCS
 * 2006, generalised to strictly column-dominant A): see push.ts.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as ls from '../coreApi';
import {reportFailure, resolveEstimateOptions} from './EstimateOptions';
import {hostSystem} from './HostSystem';
import {SparseVectorSpec, sparseInput} from './hostVector';
import {PushState, push} from './push';
import {requireColumnDominant} from './preconditions';

/** Options of `localSolve`. */
export interface LocalSolveOptions {
  /** Target bound on ‖x* − x‖∞ (default 1e-3). */
  epsilon?: number;
  /** Push once to this θ (push u while |ρᵤ| > θ·(degᵤ + 1)) instead of halving θ until `epsilon`. */
  threshold?: number;
  /** Give up after reading this many stored entries (default 1e8). */
  maxWork?: number;
  onFailure?: ls.OnFailure;
}

/** A sparse vector of tensors: `values[k]` (float32) at `indices[k]` (int32). */
export interface SparseTensorVector {
  indices: tf.Tensor1D;
  values: tf.Tensor1D;
}

/** What `localSolve` returns: the pushed approximation of x on its support, the residual left, and its certificate. */
export interface LocalSolveResult {
  /** The approximation p of x* on its support (all other entries are 0). */
  x: SparseTensorVector;
  /** ρ = b − A p on its support. */
  residual: SparseTensorVector;
  /** ‖x* − p‖∞ ≤ bound (deterministic). */
  bound: number;
  /** ‖x* − p‖₁ ≤ oneNormBound = ‖ρ‖₁/δ_c. */
  oneNormBound: number;
  boundKind: 'deterministic';
  work: number;
  method: 'forwardPush';
}

/**
 * Solves A x = b approximately for a sparse b, touching only the nodes the push reaches:
 * forward push keeps x* = p + A⁻¹ρ exactly, and under strict column dominance (β_c > 0)
 *
 *     ‖x* − p‖₁ ≤ ‖ρ‖₁/δ_c,   ‖x* − p‖∞ ≤ min(‖ρ‖₁/δ_c, ‖ρ‖∞/δ_r if row dominant),
 *
 * with total work ≤ ‖b‖₁/(β_c θ) stored entries: independent of n (personalised PageRank with
 * A = I − (1−α)W, W column-stochastic, b = α e_s is the classical case, β_c = α). Not
 * differentiable (the outputs are fresh tensors); use `estimateEntry` for gradients. Refused
 * ('notApplicable') unless A is strictly column dominant. The first call on new values reads
 * A once (O(nnz), cached per values tensor); a dense b tensor is scanned once (O(n)).
 *
 * ```ts
 * const {x, bound, work} = ls.localSolve(A, {indices: [s], values: [alpha]}, {epsilon: 1e-4});
 * ```
 */
export function localSolve(A: ls.SparseOperator, b: tf.Tensor | SparseVectorSpec,
    options: LocalSolveOptions = {}): LocalSolveResult {
  for (const key of Object.keys(options)) {
    if (!['epsilon', 'threshold', 'maxWork', 'onFailure'].includes(key)) {
      throw new ls.LinearSolveError('option', `localSolve: unknown option '${key}'. Known options: epsilon, threshold, maxWork, onFailure.`);
    }
  }
  const resolved = resolveEstimateOptions(options, 'localSolve');
  const sys = hostSystem(A, 'localSolve');
  requireColumnDominant(sys, 'forward push (localSolve)');
  const rhs = sparseInput(b, sys.layout.n, 'localSolve', 'b');
  const bound = (s: PushState) => Math.min(s.residualOneNorm / sys.minColumnDiagonalMargin,
    sys.minDiagonalMargin > 0 ? s.residualInfNorm / sys.minDiagonalMargin : Infinity);
  const state = push(sys, rhs, 'forward', {threshold: resolved.threshold,
    done: s => bound(s) <= resolved.epsilon, maxWork: resolved.maxWork});
  if (state.exhausted) {
    reportFailure(resolved.onFailure, `localSolve: maxWork = ${resolved.maxWork} read before the bound reached ` +
      `epsilon (${bound(state).toPrecision(3)} after ${state.pushes} pushes).`);
  }
  return {x: toTensors(state.estimate), residual: toTensors(state.residual), bound: bound(state),
    oneNormBound: state.residualOneNorm / sys.minColumnDiagonalMargin, boundKind: 'deterministic',
    work: state.work, method: 'forwardPush'};
}

function toTensors(v: Map<number, number>): SparseTensorVector {
  const indices = Int32Array.from(v.keys()).sort();
  return {indices: tf.tensor1d(indices, 'int32'), values: tf.tensor1d(Float32Array.from(indices, i => v.get(i) as number))};
}
