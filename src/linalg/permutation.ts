import * as tf from '@tensorflow/tfjs';

/**
 * P as a `[B, n, n]` float matrix from row indices `perm` `[B, n]` (row i of P·A is row
 * `perm[i]` of A). Applied by `matMul`, whose gradient is a `matMul` with Pᵀ on every backend.
 */
export function permutationMatrix(perm: tf.Tensor): tf.Tensor {
  const [batch, n] = perm.shape as number[];
  // tf.oneHot refuses depth 1; the only permutation of one row is the identity.
  if (n === 1) return tf.ones([batch, 1, 1]);
  return tf.tidy(() => tf.cast(tf.oneHot(perm, n), 'float32'));
}

/** det P = ±1 for `perm` `[B, n]`, as `[B]`: (−1)^(number of inversions). */
export function permutationSign(perm: tf.Tensor): tf.Tensor {
  const [batch, n] = perm.shape as number[];
  if (n === 1) return tf.ones([batch]);
  return tf.tidy(() => {
    const p = tf.cast(perm, 'float32');
    const later = tf.linalg.bandPart(tf.ones([n, n]), 0, -1).sub(tf.eye(n));   // i < j
    const inversions = tf.sum(tf.mul(tf.cast(tf.greater(tf.expandDims(p, 2), tf.expandDims(p, 1)), 'float32'), later), [1, 2]);
    return tf.sub(1, tf.mul(2, tf.mod(inversions, 2)));
  });
}
