import * as tf from '@tensorflow/tfjs-core';

/**
 * `fn()` computed with the gradient tape off, as a tensor no gradient flows through: tfjs has
 * no stopGradient, but a custom-gradient op without inputs runs untaped and is cut from every
 * backward pass. For the masks of guarded divisions: a comparison on the tape would stop
 * backpropagation (tfjs has no gradient for `greater`).
 */
export function untaped(fn: () => tf.Tensor): tf.Tensor {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const op = tf.customGrad((() => ({value: fn(), gradFunc: () => []})) as any) as unknown as () => tf.Tensor;
  return op();
}

/** a / b where `ok`, else 0, with a gradient free of NaN (the denominator is 1 where not ok). */
export function guardedDivide(a: tf.Tensor, b: tf.Tensor, ok: tf.Tensor): tf.Tensor {
  return tf.where(ok, tf.div(a, tf.where(ok, b, tf.onesLike(b))), tf.zerosLike(a));
}
