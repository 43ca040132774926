import * as tf from '@tensorflow/tfjs-core';
import {BaseOperator, LinearOperator, OperatorTag} from './LinearOperator';
import {asFloat32} from '../core/validate';
import {validateTags} from '../core/optionTypes';
import {LinearSolveError} from '../core/LinearSolveError';
import {NumericTensorLike} from '../core/tensorLike';

/** Diagonals that `diagonal` made (converted arrays, int32 casts): the operator's to free. */
const madeValues = new WeakSet<tf.Tensor>();

/** diag(d) for d of shape `[n]` (or `[B, n]` for a batch). */
export class DiagonalOperator extends BaseOperator {
  readonly kind = 'diagonal';
  readonly shape: [number, number];
  readonly batchSize: number | null;

  constructor(readonly values: tf.Tensor, tags: readonly OperatorTag[] = []) {
    super(Array.from(new Set<OperatorTag>(['symmetric', ...tags])));
    if (values.rank !== 1 && values.rank !== 2) {
      throw new LinearSolveError('shape',
        `diagonal: expected d of shape [n] or [B, n], got [${values.shape}]. Pass the diagonal entries only.`);
    }
    const n = values.shape[values.rank - 1];
    this.shape = [n, n];
    this.batchSize = values.rank === 2 ? values.shape[0] : null;
  }

  apply(x: tf.Tensor): tf.Tensor {
    return tf.mul(tf.expandDims(this.values, -1), x);
  }

  transpose(): LinearOperator {
    return this;
  }

  parameters(): tf.Tensor[] {
    return [this.values];
  }

  withParameters([values]: tf.Tensor[]): LinearOperator {
    return new DiagonalOperator(values, this.tags);
  }

  /** Σₖ λ ⊙ x over columns. */
  parameterGradients(lambda: tf.Tensor, x: tf.Tensor): tf.Tensor[] {
    return [tf.sum(tf.mul(lambda, x), -1)];
  }

  toDense(): tf.Tensor {
    return tf.tidy(() => tf.mul(tf.expandDims(this.values, -1), tf.eye(this.shape[0])));
  }

  diagonal(): tf.Tensor {
    return this.values;
  }

  /** Frees d if `diagonal` made it (from an array or an int32 cast); a float32 tensor you passed stays yours. */
  dispose(): void {
    if (madeValues.has(this.values)) this.values.dispose();
  }
}

/**
 * The diagonal matrix diag(d) as an operator. `'auto'` solves with it by dividing by d (the
 * 'diagonal' solver: exact to one rounding, batched, differentiable in d and b); a zero dᵢ
 * is 'singular'. d may be numbers (an array, a Float32Array): the operator then owns the
 * tensor it made, and `dispose()` frees it.
 *
 * ```ts
 * const D = ls.diagonal(tf.tensor1d([2, 4]));
 * ls.solve(D, tf.tensor1d([2, 2])).print(); // [1, 0.5]
 * ```
 */
export function diagonal(d: tf.Tensor | NumericTensorLike, options: {tags?: OperatorTag[]} = {}): LinearOperator & {
  /** Frees d if this factory made it (from numbers or an int32 cast); a float32 tensor you passed stays yours. */
  dispose(): void;
} {
  const tags = validateTags(options?.tags, 'diagonal');
  const values = asFloat32(d, 'd');
  try {
    const operator = new DiagonalOperator(values, tags);
    if (values !== d) madeValues.add(values);
    return operator;
  } catch (error) {
    if (values !== d) values.dispose();
    throw error;
  }
}
