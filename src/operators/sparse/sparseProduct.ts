import * as tf from '@tensorflow/tfjs-core';
import {customOp} from '../../core/tape';
import {kernels} from '../../kernels';
import {SparsePattern} from './SparsePattern';

/**
 * Y = A·X (or Aᵀ·X) for a sparse A given by `pattern` and differentiable `values`, by the
 * active backend's kernel (TensorFlow's SparseTensorDenseMatMul, a COO loop on cpu, padded
 * rows in tf ops elsewhere).
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
      value: kernels().sparseProduct(pattern, values, x, transposed),
      gradFunc: (dy, [savedValues, savedX]) => [
        valuesGradient(pattern, dy, savedX, transposed),
        sparseProduct(pattern, savedValues, dy, !transposed),
      ],
    };
  });
}

/** ∂values for Y = A·X: entry (i, j) met ∂Y's row i and X's row j (swapped for Aᵀ). */
export function valuesGradient(pattern: SparsePattern, dy: tf.Tensor, x: tf.Tensor,
    transposed: boolean): tf.Tensor {
  return valuesGradientOp(pattern, transposed)(dy, x);
}

/**
 * g[e] = Σₖ ∂Y[out e, k]·X[in e, k] by the backend's row gather (tfjs-node's native one, which
 * the tape cannot see), with its own gradient: g is bilinear in (∂Y, X), and its partial
 * derivatives are sparse products with g's cotangent as values, ∂(∂Y) = A(ḡ)·X and
 * ∂X = A(ḡ)ᵀ·∂Y — so Hessians with respect to `values` are exact on every backend.
 */
function valuesGradientOp(pattern: SparsePattern, transposed: boolean) {
  return customOp(([dy, x], save) => {
    save([dy, x]);
    const value = tf.tidy(() => {
      const {gatherRows} = kernels();
      const outRows = transposed ? pattern.colTensor : pattern.rowTensor;
      const inRows = transposed ? pattern.rowTensor : pattern.colTensor;
      return tf.sum(tf.mul(gatherRows(dy, outRows), gatherRows(x, inRows)), -1);
    });
    return {
      value,
      gradFunc: (g, [savedDy, savedX]) => [
        sparseProduct(pattern, g, savedX, transposed),
        sparseProduct(pattern, g, savedDy, !transposed),
      ],
    };
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
