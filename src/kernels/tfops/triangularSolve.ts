import * as tf from '@tensorflow/tfjs-core';
import {Triangle} from '../Kernels';

/**
 * Solves M X = R for triangular M, where M is `t` (or `tᵀ` with `transposeT`), by column-oriented
 * substitution in tf ops: one small fused update per column, no readback.
 *
 * `t` is `[B, n, n]`, `rhs` `[B, n, k]`; `lower` describes M, not `t`. Only M's triangle is
 * read, so `t` may be a packed LU factor; with `unitDiagonal` M's diagonal is taken as ones.
 */
export function triangularSolve(t: tf.Tensor, rhs: tf.Tensor, {lower, transposeT = false, unitDiagonal = false}: Triangle): tf.Tensor {
  return substitute(t, rhs, lower, transposeT, unitDiagonal);
}

function substitute(t: tf.Tensor, rhs: tf.Tensor, lower: boolean, transposeT: boolean,
    unitDiagonal: boolean): tf.Tensor {
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
      const rhsJ = tf.slice(residual, [0, j, 0], [batch, 1, k]);
      const xj = unitDiagonal ? rhsJ : tf.div(rhsJ, tf.slice(column, [0, j, 0], [batch, 1, 1]));
      // Rows already solved are never read again, so the update needs no mask (and the other
      // triangle of a packed factor is never used).
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
