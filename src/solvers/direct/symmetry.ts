import * as tf from '@tensorflow/tfjs-core';
import {maxAbs} from '../linalg';
import {FLOAT32_EPS} from '../../core/float32';

/**
 * Scalar 1 when max|A − Aᵀ| ≤ 1e3·ε·max|A| over a batch `[B, n, n]`, else 0: one reduction
 * on the densified matrix. Cholesky reads one triangle, so a nonsymmetric A would silently
 * be solved as another matrix. The slack admits products like X·Xᵀ rounded in float32.
 */
export function symmetric(a: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const gap = maxAbs(tf.sub(a, tf.transpose(a, [0, 2, 1])));
    return tf.cast(tf.lessEqual(gap, tf.mul(maxAbs(a), 1e3 * FLOAT32_EPS)), 'float32');
  });
}
