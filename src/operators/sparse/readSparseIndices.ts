/**
 * COO indices read exactly or refused: an index that is not an integer in [0, n) (1.7, NaN,
 * −0.5, 2³²+1, "1", a float or bool tensor) would otherwise be truncated or wrapped by
 * Int32Array and a different matrix solved.
 */
import * as tf from '@tensorflow/tfjs-core';
import {LinearSolveError} from '../../core/LinearSolveError';

/** The `[nnz, 2]` indices as a flat Int32Array, every entry an integer in [0, n). */
export function readSparseIndices(indices: unknown, n: number): Int32Array {
  let flat: ArrayLike<unknown>;
  if (indices instanceof tf.Tensor) {
    if (indices.isDisposed) throw new LinearSolveError('dtype', 'sparse: indices has been disposed.');
    if (indices.dtype !== 'int32') {
      throw new LinearSolveError('dtype',
        `sparse: indices must be an int32 tensor, got ${indices.dtype}. Build it with tf.tensor2d(pairs, [nnz, 2], 'int32').`);
    }
    if (indices.rank !== 2 || indices.shape[1] !== 2) {
      throw new LinearSolveError('shape', `sparse: indices must be [nnz, 2], got [${indices.shape}].`);
    }
    flat = indices.dataSync();
  } else if (isFlat(indices)) {
    // Flat (row, column) pairs, as `poisson2d` and the other gallery matrices give them.
    if (indices.length % 2 !== 0) {
      throw new LinearSolveError('shape',
        `sparse: flat indices must hold (row, column) pairs, 2·nnz numbers, got ${indices.length}.`);
    }
    flat = indices;
  } else {
    if (!Array.isArray(indices) || indices.some(p => !Array.isArray(p) || p.length !== 2)) {
      throw new LinearSolveError('shape',
        'sparse: indices must be [nnz, 2]: an array of [row, column] pairs, flat pairs (an Int32Array) or an int32 tensor.');
    }
    flat = (indices as unknown[][]).flat();
  }
  const out = new Int32Array(flat.length);
  for (let i = 0; i < flat.length; i++) {
    const v = flat[i];
    if (typeof v !== 'number' || !Number.isInteger(v)) {
      throw new LinearSolveError('dtype',
        `sparse: entry ${i >> 1} has index ${typeof v === 'string' ? `'${v}'` : String(v)}; indices must be integers.`);
    }
    if (v < 0 || v >= n) {
      const e = i >> 1;
      throw new LinearSolveError('shape',
        `sparse: entry ${e} has index (${String(flat[2 * e])}, ${String(flat[2 * e + 1])}), outside the ${n}×${n} shape.`);
    }
    out[i] = v;
  }
  return out;
}

/** A TypedArray, or a plain array whose first entry is not itself an array: flat pairs. */
function isFlat(indices: unknown): indices is ArrayLike<unknown> {
  if (ArrayBuffer.isView(indices)) return !(indices instanceof DataView);
  return Array.isArray(indices) && indices.length > 0 && !Array.isArray(indices[0]);
}
