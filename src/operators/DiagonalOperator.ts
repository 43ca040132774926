import * as tf from '@tensorflow/tfjs';
import {BaseOperator, LinearOperator, OperatorTag} from './LinearOperator';
import {asFloat32} from '../core/validate';
import {validateTags} from '../core/optionTypes';
import {LinearSolveError} from '../core/LinearSolveError';

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
}

/**
 * The diagonal matrix diag(d) as an operator. `'auto'` solves with it by dividing by d (the
 * 'diagonal' solver: exact to one rounding, batched, differentiable in d and b); a zero dᵢ
 * is 'singular'.
 *
 * ```ts
 * const D = ls.diagonal(tf.tensor1d([2, 4]));
 * ls.solve(D, tf.tensor1d([2, 2])).print(); // [1, 0.5]
 * ```
 */
export function diagonal(d: tf.Tensor, options: {tags?: OperatorTag[]} = {}): LinearOperator {
  const tags = validateTags(options?.tags, 'diagonal');
  return new DiagonalOperator(asFloat32(d, 'd'), tags);
}
