/**
 * Sparse products in tf ops over padded rows (ELL): row i's entries sit in slots
 * [i·width, (i+1)·width); a padding slot points at column 0 and at value index `nnz` (a zero
 * appended to `values`). Gather + multiply + sum over padded rows is fast on every backend,
 * unlike segment sums (absent on WASM, O(segments × nnz) on WebGL).
 */
import * as tf from '@tensorflow/tfjs-core';
import {CooPattern} from '../Kernels';

/** The padded-row layout of A or Aᵀ. */
export interface EllLayout {
  width: number;
  /** `[n·width]` int32: the column each slot multiplies. */
  columns: tf.Tensor;
  /** `[n·width]` int32: the index into `values` (or `nnz` for padding) of each slot. */
  slots: tf.Tensor;
}

/** Y = A·X (or Aᵀ·X) for X `[n, k]`. */
export function ellProduct(pattern: CooPattern, values: tf.Tensor, x: tf.Tensor, transposed: boolean): tf.Tensor {
  return tf.tidy(() => {
    const {width, columns, slots} = ellLayout(pattern, transposed);
    const k = x.shape[1] as number;
    const padded = tf.concat([values, tf.zeros([1])]);
    if (k === 1) {
      // Rows summed over the last axis: WebGL reduces [n, w] ~1.6× faster than [n, w, 1] over axis 1.
      const slotValues = tf.reshape(tf.gather(padded, slots), [pattern.n, width]);
      const slotX = tf.reshape(tf.gather(tf.reshape(x, [pattern.n]), columns), [pattern.n, width]);
      return tf.reshape(tf.sum(tf.mul(slotValues, slotX), 1), [pattern.n, 1]);
    }
    const slotValues = tf.reshape(tf.gather(padded, slots), [pattern.n, width, 1]);
    const slotX = tf.reshape(tf.gather(x, columns), [pattern.n, width, k]);
    return tf.sum(tf.mul(slotValues, slotX), 1);
  });
}


/**
 * The ELL layout of A (`transposed` false) or Aᵀ. Both are built on first use, once per pattern
 * and backend: a backward pass then allocates nothing that outlives it.
 */
export function ellLayout(pattern: CooPattern, transposed: boolean): EllLayout {
  const layouts = pattern.memo('ell', () => {
    const forward = buildEll(pattern.n, pattern.rows, pattern.cols);
    const backward = buildEll(pattern.n, pattern.cols, pattern.rows);
    return {value: {forward, backward}, tensors: [forward.columns, forward.slots, backward.columns, backward.slots]};
  });
  return transposed ? layouts.backward : layouts.forward;
}

function buildEll(n: number, rows: Int32Array, cols: Int32Array): EllLayout {
  const counts = new Int32Array(n);
  for (let e = 0; e < rows.length; e++) counts[rows[e]]++;
  let width = 1;
  for (let i = 0; i < n; i++) width = Math.max(width, counts[i]);
  const columns = new Int32Array(n * width);
  const slots = new Int32Array(n * width).fill(rows.length);
  const fill = new Int32Array(n);
  for (let e = 0; e < rows.length; e++) {
    const at = rows[e] * width + fill[rows[e]]++;
    columns[at] = cols[e];
    slots[at] = e;
  }
  return {
    width,
    columns: tf.keep(tf.tensor1d(columns, 'int32')),
    slots: tf.keep(tf.tensor1d(slots, 'int32')),
  };
}
