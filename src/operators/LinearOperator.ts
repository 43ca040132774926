import * as tf from '@tensorflow/tfjs-core';
import {OperatorTag} from '../core/tags';

export type {OperatorTag};

/**
 * A linear map A: ℝⁿ → ℝⁿ that solvers can apply, transpose and (if they must) densify.
 *
 * Every operator works on blocks of columns: `apply(X)` takes X of shape `[n, k]`, or
 * `[B, n, k]` for a batched operator (`batchSize` B), and returns A·X of the same shape.
 * `matvec` is the user-facing form that also takes a single vector `[n]` (`[B, n]`).
 *
 * ```ts
 * const A = ls.dense(tf.tensor2d([[4, 1], [1, 3]]), {tags: ['symmetric', 'positiveDefinite']});
 * A.matvec(tf.tensor1d([1, 2])).print(); // [6, 7]
 * ```
 */
export interface LinearOperator {
  /** What kind of operator this is: 'dense', 'sparse', 'matrixFree' or 'diagonal' (a transposed view keeps its kind). */
  readonly kind: string;
  /** `[rows, cols]` of one member. */
  readonly shape: [number, number];
  /** B for a batch of B operators applied together, else null. */
  readonly batchSize: number | null;
  readonly tags: readonly OperatorTag[];
  /** Whether the operator was declared with `tag` (e.g. 'symmetric'). */
  hasTag(tag: OperatorTag): boolean;
  /** A·x for x of shape `[n]` or `[n, k]` (`[B, n]` or `[B, n, k]` when batched). */
  matvec(x: tf.Tensor): tf.Tensor;
  /** A·X for X of shape `[n, k]` (`[B, n, k]` when batched). */
  apply(x: tf.Tensor): tf.Tensor;
  /** Aᵀ as an operator; gradients flow through it to whatever built A. */
  transpose(): LinearOperator;
  /** A as a dense `[n, n]` (`[B, n, n]`) tensor: O(n²) memory. */
  toDense(): tf.Tensor;
  /** diag(A) as `[n]` (`[B, n]`), or null when the operator cannot give it cheaply. */
  diagonal(): tf.Tensor | null;
  /** The tensors that define A (matrix, values); [] when A is known only by a closure. */
  parameters(): tf.Tensor[];
  /**
   * The same operator over other tensors in place of `parameters()`: the backward pass
   * rebuilds A from saved copies, because tensors made inside the function being
   * differentiated are disposed before tfjs runs the backward.
   */
  withParameters(parameters: tf.Tensor[]): LinearOperator;
  /**
   * ∂⟨λ, A·x⟩/∂p for each p in `parameters()`, in differentiable tf ops (so gradients of
   * gradients work); null when A is known only by a closure (matrix-free), whose parameters
   * then get their gradient through a taped product A·x̂ instead.
   */
  parameterGradients(lambda: tf.Tensor, x: tf.Tensor): tf.Tensor[] | null;
}

/** What every operator shares: tags, and `matvec` on single vectors through `apply`. */
export abstract class BaseOperator implements LinearOperator {
  abstract readonly kind: string;
  abstract readonly shape: [number, number];
  readonly batchSize: number | null = null;
  readonly tags: readonly OperatorTag[];

  constructor(tags: readonly OperatorTag[] = []) {
    this.tags = [...tags];
  }

  hasTag(tag: OperatorTag): boolean {
    return this.tags.includes(tag);
  }

  matvec(x: tf.Tensor): tf.Tensor {
    const vectorRank = this.batchSize == null ? 1 : 2;
    if (x.rank !== vectorRank) return this.apply(x);
    return tf.tidy(() => tf.squeeze(this.apply(tf.expandDims(x, -1)), [-1]));
  }

  abstract apply(x: tf.Tensor): tf.Tensor;
  abstract transpose(): LinearOperator;
  abstract toDense(): tf.Tensor;

  diagonal(): tf.Tensor | null {
    return null;
  }

  parameters(): tf.Tensor[] {
    return [];
  }

  withParameters(_parameters: tf.Tensor[]): LinearOperator {
    return this;
  }

  parameterGradients(_lambda: tf.Tensor, _x: tf.Tensor): tf.Tensor[] | null {
    return null;
  }
}

/** Whether `value` is one of our operators (duck-typed, so two copies of this package agree). */
export function isLinearOperator(value: unknown): value is LinearOperator {
  const v = value as LinearOperator | null;
  return v != null && typeof v === 'object' && typeof v.apply === 'function' &&
    typeof v.transpose === 'function' && Array.isArray(v.shape);
}
