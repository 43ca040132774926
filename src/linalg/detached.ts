import * as tf from '@tensorflow/tfjs-core';

/**
 * `fn()` computed with the gradient tape off, as a tensor no gradient flows through: tfjs has
 * no stopGradient, but a custom-gradient op without inputs runs its forward untaped and is
 * cut from every backward pass. For masks (comparisons have no gradient in tfjs, and a
 * taped `logicalAnd` would stop backpropagation) and for iterations whose derivative is not
 * wanted (power iteration: the envelope theorem gives the gradient of σ = uᵀAv without it).
 */
export function detached(fn: () => tf.Tensor): tf.Tensor {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const op = tf.customGrad((() => ({value: fn(), gradFunc: () => []})) as any) as unknown as () => tf.Tensor;
  return op();
}
