import * as tf from '@tensorflow/tfjs';
import {BaseOperator, LinearOperator, OperatorTag} from './LinearOperator';
import {asFloat32, requireSquare} from '../core/validate';
import {validateTags} from '../core/optionTypes';

/** A dense matrix `[n, n]`, or a batch `[B, n, n]`, as an operator. */
export class DenseOperator extends BaseOperator {
  readonly kind = 'dense';
  readonly shape: [number, number];
  readonly batchSize: number | null;

  constructor(readonly matrix: tf.Tensor, tags: readonly OperatorTag[] = [],
      readonly transposed = false) {
    super(tags);
    const n = requireSquare(matrix.shape, 'A');
    this.shape = [n, n];
    this.batchSize = matrix.rank === 3 ? matrix.shape[0] : null;
  }

  apply(x: tf.Tensor): tf.Tensor {
    return tf.matMul(this.matrix, x, this.transposed, false);
  }

  transpose(): LinearOperator {
    if (this.hasTag('symmetric')) return this;
    return new DenseOperator(this.matrix, this.tags, !this.transposed);
  }

  parameters(): tf.Tensor[] {
    return [this.matrix];
  }

  withParameters([matrix]: tf.Tensor[]): LinearOperator {
    return new DenseOperator(matrix, this.tags, this.transposed);
  }

  /** λxᵀ summed over columns (x λᵀ for a transposed view). */
  parameterGradients(lambda: tf.Tensor, x: tf.Tensor): tf.Tensor[] {
    return [this.transposed ? tf.matMul(x, lambda, false, true) : tf.matMul(lambda, x, false, true)];
  }

  toDense(): tf.Tensor {
    if (!this.transposed) return this.matrix;
    const perm = this.matrix.rank === 3 ? [0, 2, 1] : [1, 0];
    return tf.transpose(this.matrix, perm);
  }

  diagonal(): tf.Tensor {
    return tf.tidy(() => tf.sum(tf.mul(this.matrix, tf.eye(this.shape[0])), -1));
  }
}

/**
 * Wraps a dense matrix as a LinearOperator.
 *
 * `matrix` is `[n, n]` or a batch `[B, n, n]`; int32 is cast to float32. Tags are promises
 * (`'symmetric'`, `'positiveDefinite'`) that pick faster solvers; they are not checked.
 *
 * ```ts
 * const A = ls.dense(tf.tensor2d([[4, 1], [1, 3]]), {tags: ['symmetric', 'positiveDefinite']});
 * const x = ls.solve(A, tf.tensor1d([1, 2]));   // Cholesky
 * ```
 */
export function dense(matrix: tf.Tensor, options: {tags?: OperatorTag[]} = {}): LinearOperator {
  const tags = validateTags(options?.tags, 'dense');
  return new DenseOperator(asFloat32(matrix, 'A'), tags);
}
