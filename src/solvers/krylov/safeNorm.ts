/**
 * Norms that neither overflow nor underflow in float32: scale by the largest magnitude before
 * squaring, as LAPACK's `snrm2` and `slapy2` do. Used where a vector's size follows A's
 * scale rather than b's (GMRES's Arnoldi vectors A·v, its Givens radii), which the column
 * scaling of b cannot bound.
 */
import * as tf from '@tensorflow/tfjs-core';
import {columnDot, divide, stopGradient} from '../linalg';

/** ‖a‖ per column `[..., 1, k]`, computed as s·‖a/s‖ with s = max|a| per column. */
export function safeColumnNorm(a: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const s = tf.max(tf.abs(a), -2, true);
    const scaled = divide(a, s);
    return tf.mul(s, safeSqrt(columnDot(scaled, scaled)));
  });
}

/** √(a² + b²) elementwise, as m·√((a/m)² + (b/m)²) with m = max(|a|, |b|). */
export function hypot(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const m = tf.maximum(tf.abs(a), tf.abs(b));
    return tf.mul(m, safeSqrt(tf.add(tf.square(divide(a, m)), tf.square(divide(b, m)))));
  });
}

/**
 * √x with a zero (not NaN) gradient at x = 0: an unrolled GMRES on n = 1 reaches
 * ‖w‖ = 0 after one step, where √'s derivative is infinite and 0·∞ poisoned every gradient.
 */
function safeSqrt(x: tf.Tensor): tf.Tensor {
  const positive = tf.greater(stopGradient(x), 0);
  return tf.where(positive, tf.sqrt(tf.where(positive, x, tf.onesLike(x))), tf.zerosLike(x));
}
