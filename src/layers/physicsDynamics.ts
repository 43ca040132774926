/**
 * The learned physics shared by the ODE layer and the RNN cell: an MLP N (n → hidden, ReLU →
 * n²) predicts a matrix per sample, symmetrised and shifted to be positive definite,
 *   A(y) = ½(N(y) + N(y)ᵀ) + (‖N(y)‖_F + 1)·I,
 * (‖·‖_F, computed as √(ΣN² + 1e-12), bounds the spectral norm, so λ_min(A) ≥ 1), and the state moves by
 *   dy/dt = A(y)⁻¹ F,
 * one batched Cholesky `ls.solve` per evaluation, differentiable through A and F.
 */
import * as tf from './tf';
import * as ls from '../index';

/** A layer weight as `addWeight` returns it. */
export type LayerWeight = ReturnType<tf.layers.Layer['addWeight']>;

/** The MLP weights, in the order they are created and passed to custom ops. */
export interface MlpWeights {
  kernel1: LayerWeight;
  bias1: LayerWeight;
  kernel2: LayerWeight;
  bias2: LayerWeight;
}

type WeightAdder = (name: string, shape: number[], initializer: ReturnType<typeof tf.initializers.zeros>) => LayerWeight;

/** Creates N's weights on a layer through its addWeight (so they are tracked and saved). */
export function addMlpWeights(add: WeightAdder, n: number, hidden: number): MlpWeights {
  return {
    kernel1: add('kernel1', [n, hidden], tf.initializers.glorotUniform({})),
    bias1: add('bias1', [hidden], tf.initializers.zeros()),
    kernel2: add('kernel2', [hidden, n * n], tf.initializers.glorotUniform({})),
    bias2: add('bias2', [n * n], tf.initializers.zeros()),
  };
}

/** The weights' current tensors [kernel1, bias1, kernel2, bias2]. */
export function readMlp(w: MlpWeights): tf.Tensor[] {
  return [w.kernel1.read(), w.bias1.read(), w.kernel2.read(), w.bias2.read()];
}

/** A(y) [batch, n, n] from y [batch, n] and the weight tensors. */
export function physicsMatrix(y: tf.Tensor, weights: tf.Tensor[]): tf.Tensor {
  const [k1, b1, k2, b2] = weights;
  return tf.tidy(() => {
    const [batch, n] = y.shape;
    const hidden = tf.relu(tf.add(tf.matMul(y as tf.Tensor2D, k1 as tf.Tensor2D), b1));
    const N = tf.reshape(tf.add(tf.matMul(hidden, k2 as tf.Tensor2D), b2), [batch, n, n]);
    const sym = tf.mul(tf.add(N, tf.transpose(N, [0, 2, 1])), 0.5);
    // ε inside the root keeps the derivative finite at N = 0 (a zero state with zero biases).
    const shift = tf.add(tf.sqrt(tf.add(tf.sum(tf.square(N), [1, 2]), 1e-12)), 1);   // [batch]
    return tf.add(sym, tf.mul(tf.reshape(shift, [batch, 1, 1]), tf.eye(n)));
  });
}

/** dy/dt = A(y)⁻¹ forces for y, forces [batch, n]. */
export function physicsRate(y: tf.Tensor, forces: tf.Tensor, weights: tf.Tensor[]): tf.Tensor {
  return tf.tidy(() => ls.solve(physicsMatrix(y, weights), forces, {method: 'cholesky'}));
}
