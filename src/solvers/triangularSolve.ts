import * as tf from '@tensorflow/tfjs';
import {nativeOps} from '../util/backend';

/**
 * Solves M X = R for triangular M, where M is `t` (or `tᵀ` with `transposeT`), by column-oriented
 * substitution in tf ops: one small fused update per column, no readback.
 *
 * `t` is `[B, n, n]`, `rhs` `[B, n, k]`; `lower` describes M, not `t`. On tfjs-node the native
 * `MatrixTriangularSolve` kernel runs instead.
 */
export function triangularSolve(t: tf.Tensor, rhs: tf.Tensor,
    {lower, transposeT = false}: {lower: boolean; transposeT?: boolean}): tf.Tensor {
  const ops = nativeOps();
  if (ops != null) return ops.triangularSolve(t, rhs, transposeT ? !lower : lower, transposeT);
  return substitute(t, rhs, lower, transposeT);
}

function substitute(t: tf.Tensor, rhs: tf.Tensor, lower: boolean, transposeT: boolean): tf.Tensor {
  const [batch, n] = t.shape as number[];
  const k = rhs.shape[2] as number;
  const order = Array.from({length: n}, (_, i) => (lower ? i : n - 1 - i));
  const solved: tf.Tensor[] = new Array(n);
  let residual = rhs;
  for (const j of order) {
    const next = tf.tidy(() => {
      // Column j of M: column j of t, or row j of t when M = tᵀ.
      const column = transposeT ?
        tf.reshape(tf.slice(t, [0, j, 0], [batch, 1, n]), [batch, n, 1]) :
        tf.slice(t, [0, 0, j], [batch, n, 1]);
      const pivot = tf.slice(column, [0, j, 0], [batch, 1, 1]);
      const xj = tf.div(tf.slice(residual, [0, j, 0], [batch, 1, k]), pivot);
      // Rows already solved are never read again, so the update needs no mask.
      return {xj, residual: tf.sub(residual, tf.mul(column, xj))};
    });
    if (residual !== rhs) residual.dispose();
    residual = next.residual;
    solved[j] = next.xj;
  }
  if (residual !== rhs) residual.dispose();
  const x = tf.concat(solved, 1);
  tf.dispose(solved);
  return x;
}
