import * as tf from '@tensorflow/tfjs';

/**
 * 1 on a triangle of an n×n matrix, 0 elsewhere: `'lower'`/`'upper'` include the diagonal,
 * `'strictLower'`/`'strictUpper'` do not.
 */
export function triangleMask(n: number, part: 'lower' | 'upper' | 'strictLower' | 'strictUpper'): tf.Tensor {
  const mask = new Float32Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    const keep = part === 'lower' ? j <= i : part === 'upper' ? j >= i : part === 'strictLower' ? j < i : j > i;
    mask[i * n + j] = keep ? 1 : 0;
  }
  return tf.tensor2d(mask, [n, n]);
}

/** The diagonals of `[B, n, n]` as `[B, n]`. */
export function diagonalOf(t: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.sum(tf.mul(t, tf.eye(t.shape[1] as number)), -1));
}

/** Swaps the last two axes of `[..., r, c]`. */
export function transposeLast(t: tf.Tensor): tf.Tensor {
  const axes = t.shape.map((_, i) => i);
  [axes[t.rank - 2], axes[t.rank - 1]] = [axes[t.rank - 1], axes[t.rank - 2]];
  return tf.transpose(t, axes);
}
