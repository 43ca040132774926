/**
 * Cholesky A = L Lᵀ in tf ops (Golub & Van Loan, Matrix Computations, 4th ed., Alg. 4.2.1,
 * outer-product form): one rank-1 update per column, no readback. A non-positive pivot gives
 * NaN from there on, which the solver's pivot check reports.
 */
import * as tf from '@tensorflow/tfjs-core';

/** L with A = L Lᵀ for a batch `[B, n, n]`. */
export function choleskyFactor(a: tf.Tensor): tf.Tensor {
  const [batch, n] = a.shape as number[];
  const rowIndex = tf.range(0, n, 1, 'int32');
  const columns: tf.Tensor[] = [];
  let m = a;
  for (let k = 0; k < n; k++) {
    const next = tf.tidy(() => {
      const pivot = tf.slice(m, [0, k, k], [batch, 1, 1]);
      // A non-positive pivot gives NaN, which the pivot check catches.
      const d = tf.sqrt(pivot);
      const keep = tf.reshape(tf.cast(tf.greaterEqual(rowIndex, k), 'float32'), [1, n, 1]);
      const column = tf.mul(tf.div(tf.slice(m, [0, 0, k], [batch, n, 1]), d), keep);  // [B, n, 1]
      const rest = tf.sub(m, tf.matMul(column, column, false, true));
      return {column, rest};
    });
    if (m !== a) m.dispose();
    m = next.rest;
    columns.push(next.column);
  }
  if (m !== a) m.dispose();
  rowIndex.dispose();
  const lower = tf.concat(columns, 2);
  tf.dispose(columns);
  return lower;
}
