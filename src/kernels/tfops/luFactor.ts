/**
 * LU with partial pivoting in tf ops (Golub & Van Loan, Matrix Computations, 4th ed.,
 * Alg. 3.4.1, right-looking): each step picks its pivot on the device (argMax), so nothing is
 * read back; the runs on GPUs and WASM, about 50 kernels per column.
 */
import * as tf from '@tensorflow/tfjs-core';
import {LUFactors} from '../Kernels';

/** P A = L U for a batch `[B, n, n]`: the packed factors, P as row indices `[B, n]`, the pivots. */
export function luFactor(a: tf.Tensor): LUFactors {
  const [batch, n] = a.shape as number[];
  let m = a;
  const rowIndex = tf.range(0, n, 1, 'int32');
  let perm = tf.tile(tf.expandDims(rowIndex, 0), [batch, 1]);
  // Loop invariants, made once rather than in each of the n steps.
  const fixed: Invariants = {
    rowIndex,
    rows: tf.broadcastTo(rowIndex, [batch, n]),
    excluded: tf.fill([batch, n], -1),
    offsets: tf.expandDims(tf.mul(tf.range(0, batch, 1, 'int32'), tf.scalar(n, 'int32')), 1),
  };
  for (let k = 0; k < n; k++) {
    const next = tf.tidy(() => eliminate(m, perm, fixed, k));
    if (m !== a) m.dispose();
    perm.dispose();
    m = next.m;
    perm = next.perm;
  }
  const eye = tf.eye(n);
  return {lower: m, upper: m, perm, pivots: tf.sum(tf.mul(m, eye), -1)};
}


/** One step of right-looking elimination on column k, with the pivot chosen on the device. */
function eliminate(m: tf.Tensor, perm: tf.Tensor, {rowIndex, rows, excluded, offsets}: Invariants, k: number) {
  const [batch, n] = m.shape as number[];
  // One int32 k and three comparisons serve every mask of the step (each JS number in an op
  // would be a scalar tensor and a cast of its own).
  const kk = tf.scalar(k, 'int32');
  const atK = tf.equal(rowIndex, kk);
  const pastK = tf.cast(tf.greater(rowIndex, kk), 'float32');
  const column = tf.reshape(tf.slice(m, [0, 0, k], [batch, n, 1]), [batch, n]);
  const candidates = tf.where(tf.greaterEqual(rowIndex, kk), tf.abs(column), excluded);
  const p = tf.expandDims(tf.cast(tf.argMax(candidates, 1), 'int32'), 1);             // [B, 1]
  // Rows k and p trade places: one flat index, used for both the matrix and the permutation.
  const swap = tf.where(atK, tf.broadcastTo(p, [batch, n]), tf.where(tf.equal(rows, p), kk, rows));
  const flat = tf.reshape(tf.add(swap, offsets), [batch * n]);
  const swapped = gatherRows(m, flat);
  const pivotRow = tf.slice(swapped, [0, k, 0], [batch, 1, n]);                        // [B, 1, n]
  const pivot = tf.slice(pivotRow, [0, 0, k], [batch, 1, 1]);
  const below = tf.reshape(pastK, [1, n, 1]);
  const columnK = tf.slice(swapped, [0, 0, k], [batch, n, 1]);
  // A zero pivot gives Inf/NaN here; the pivot check after the loop reports it as singular.
  const multipliers = tf.mul(tf.div(columnK, pivot), below);                          // [B, n, 1]
  const eK = tf.reshape(tf.cast(atK, 'float32'), [1, 1, n]);
  const updated = tf.add(
    tf.sub(swapped, tf.mul(multipliers, tf.mul(pivotRow, tf.reshape(pastK, [1, 1, n])))),
    tf.mul(tf.sub(multipliers, tf.mul(columnK, below)), eK));
  return {m: updated, perm: tf.reshape(tf.gather(tf.reshape(perm, [batch * n]), flat), [batch, n])};
}

/** What every elimination step reads: row numbers (`[n]`, `[B, n]`), −1s, batch offsets `[B, 1]`. */
interface Invariants {rowIndex: tf.Tensor; rows: tf.Tensor; excluded: tf.Tensor; offsets: tf.Tensor}

/**
 * Rows of the `[B·n, c]` flattening of `t` (`[B, n, c]`) at the flat indices `index`.
 * One flat gather because tfjs-backend-wasm 4.22 gets `gather` with `batchDims = 1` wrong for B > 1.
 */
function gatherRows(t: tf.Tensor, flat: tf.Tensor): tf.Tensor {
  const [batch, n, c] = t.shape as number[];
  return tf.reshape(tf.gather(tf.reshape(t, [batch * n, c]), flat), [batch, n, c]);
}
