import * as tf from '@tensorflow/tfjs-core';
import {isRecording, offTape} from '../core/tape';
import {TINY} from '../core/float32';
import {divNoNan, kernels} from '../kernels';

/** Column-wise inner products of blocks `[..., n, k]` → `[..., 1, k]`. */
export function columnDot(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  // One column: a full reduction, which tfjs's cpu backend runs ~8× faster than an axis one.
  if (a.rank === 2 && a.shape[1] === 1) return tf.reshape(tf.sum(tf.mul(a, b)), [1, 1]);
  return tf.sum(tf.mul(a, b), -2, true);
}

/** coefficients `[..., 1, k]` times a block `[..., n, k]`, column by column. */
export function scaleColumns(coefficients: tf.Tensor, block: tf.Tensor): tf.Tensor {
  // A rank-0 factor takes tfjs's scalar path (the cpu backend broadcasts [1, 1] slowly).
  return coefficients.size === 1 ? tf.mul(tf.reshape(coefficients, []), block) : tf.mul(coefficients, block);
}

/** Column-wise 2-norms of a block `[..., n, k]` → `[..., 1, k]`. */
export function columnNorm(a: tf.Tensor): tf.Tensor {
  return isRecording() ? tf.sqrt(columnDot(a, a)) : kernels().columnNorm(a);
}

/** Reads a few scalars back to JavaScript in one readback (each one drains a GPU's queue). */
export function readScalars(scalars: () => tf.Tensor[]): Float32Array {
  // Clones (no copy: a reference) so that every tensor read here is ours to free.
  const tensors = tf.tidy(() => scalars().map(t => tf.clone(t)));
  try {
    return Float32Array.from(kernels().readAll(tensors).map(v => v[0]));
  } finally {
    tf.dispose(tensors);
  }
}

/** Residual norms relative to ‖b‖ per column, absolute where ‖b‖ = 0. */
export function relativeTo(residualNorm: tf.Tensor, bNorm: tf.Tensor): tf.Tensor {
  return tf.where(tf.greater(bNorm, 0), tf.div(residualNorm, tf.maximum(bNorm, TINY)), residualNorm);
}

/** max|aᵢⱼ| as two reductions, without materialising |A|. */
export function maxAbs(a: tf.Tensor): tf.Tensor {
  return isRecording() ? tf.maximum(tf.max(a), tf.neg(tf.min(a))) : kernels().maxAbs(a);
}

/**
 * The same values with no gradient path: tfjs has no `stopGradient`, but a custom op without
 * inputs is cut from every gradient. Only taped code (the unrolled adjoint) needs it.
 */
export function stopGradient(t: tf.Tensor): tf.Tensor {
  return isRecording() ? offTape(() => tf.clone(t)) : t;
}

/**
 * a / b, and 0 where b = 0, by the cheapest route: the backend's kernel off the tape (one
 * native op on tfjs-node), the differentiable `safeDivide` when the tape is recording.
 */
export function divide(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  return isRecording() ? safeDivide(a, b) : divNoNan(a, b);
}

/**
 * a / b, and 0 where b = 0 — like `tf.divNoNan`, but differentiable: tfjs builds divNoNan
 * from `equal` on b, which has no gradient, so unrolled solvers could not backpropagate.
 */
export function safeDivide(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const zero = tf.equal(stopGradient(b), 0);
    return tf.where(zero, tf.zerosLike(tf.add(a, b)), tf.div(a, tf.where(zero, tf.onesLike(b), b)));
  });
}
