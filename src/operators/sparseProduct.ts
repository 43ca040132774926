import * as tf from '@tensorflow/tfjs';
import {customOp} from '../util/customOp';
import {nativeOps} from '../util/backend';
import {cooProduct} from '../solvers/typedArrayKernels';
import {SparsePattern} from './SparsePattern';
import {hostBackend} from '../kernels/host/hostBackend';

/**
 * Y = A·X (or Aᵀ·X) for a sparse A given by `pattern` and differentiable `values`.
 *
 * Its gradient is its own: ∂X = Aᵀ·∂Y (the transposed product, itself differentiable) and
 * ∂values[e] = Σₖ ∂Y[row e, k]·X[col e, k] — only on the pattern, never a dense n×n gradient,
 * and never through `gather`'s built-in gradient (a segment sum that WASM lacks and that is
 * O(n·nnz) on WebGL).
 */
export function sparseProduct(pattern: SparsePattern, values: tf.Tensor, x: tf.Tensor,
    transposed: boolean): tf.Tensor {
  return productOp(pattern, transposed)(values, x);
}

function productOp(pattern: SparsePattern, transposed: boolean) {
  return customOp(([values, x], save) => {
    save([values, x]);
    return {
      value: multiply(pattern, values, x, transposed),
      gradFunc: (dy, [savedValues, savedX]) => [
        valuesGradient(pattern, dy, savedX, transposed),
        sparseProduct(pattern, savedValues, dy, !transposed),
      ],
    };
  });
}

function multiply(pattern: SparsePattern, values: tf.Tensor, x: tf.Tensor,
    transposed: boolean): tf.Tensor {
  const native = pattern.nativeIndices();
  const ops = nativeOps();
  if (native != null && ops != null) {
    return ops.sparseMatMul(native.indices64, values, native.shape64, x, transposed);
  }
  if (hostBackend()) {
    // The data already lives in JavaScript: a COO loop beats gather + multiply + sum ~30×.
    const k = x.shape[1] as number;
    return tf.tensor2d(cooProduct(pattern.rows, pattern.cols, values.dataSync(), x.dataSync(), pattern.n, k, transposed),
      [pattern.n, k]);
  }
  return tf.tidy(() => {
    const {width, columns, slots} = pattern.ell(transposed);
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

/** ∂values for Y = A·X: entry (i, j) met ∂Y's row i and X's row j (swapped for Aᵀ). */
export function valuesGradient(pattern: SparsePattern, dy: tf.Tensor, x: tf.Tensor,
    transposed: boolean): tf.Tensor {
  return tf.tidy(() => {
    const outRows = transposed ? pattern.colTensor : pattern.rowTensor;
    const inRows = transposed ? pattern.rowTensor : pattern.colTensor;
    const native = pattern.nativeIndices();
    const ops = nativeOps();
    const take = (t: tf.Tensor, idx: tf.Tensor) =>
      native != null && ops != null ? ops.gather(t, idx, native.axis) : tf.gather(t, idx);
    return tf.sum(tf.mul(take(dy, outRows), take(x, inRows)), -1);
  });
}

/**
 * `[...values, 0][index]` where every value index appears at most once in `index`, so the
 * gradient is a gather too: ∂values[e] = ∂out[inverse[e]] (`inverse` pointing past the end,
 * at a padded zero, for entries not gathered). No segment sum, so it runs on WASM and WebGL.
 */
export function injectiveGather(values: tf.Tensor, index: tf.Tensor, inverse: tf.Tensor): tf.Tensor {
  return customOp(([v], save) => {
    save([]);
    return {
      value: tf.gather(tf.concat([v, tf.zeros([1])]), index),
      gradFunc: dy => [tf.gather(tf.concat([dy, tf.zeros([1])]), inverse)],
    };
  })(values);
}
