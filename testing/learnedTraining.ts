/**
 * Learned-solver data as tensors and the training loss, shared by the training scripts and the
 * learned-solver bench.
 */
import * as tf from '@tensorflow/tfjs';
import {DiffusionFamily, stack32} from './learnedProblems';

/** A family as tensors: values `[count, nnz]`, b and x* `[count, n]`, and dense A `[count, n, n]` on request. */
export function tensorsOf(family: DiffusionFamily, dense = false) {
  const count = family.values.length;
  const nnz = family.indices.length;
  const values = tf.tensor2d(stack32(family.values), [count, nnz]);
  const b = tf.tensor2d(stack32(family.b), [count, family.n]);
  const solutions = tf.tensor2d(stack32(family.solutions), [count, family.n]);
  const A = dense ? denseOf(family) : null;
  return {values, b, solutions, A};
}

/** The family's matrices as one dense `[count, n, n]` tensor (the dense layers' input). */
export function denseOf(family: DiffusionFamily): tf.Tensor3D {
  const {n} = family;
  const data = new Float32Array(family.values.length * n * n);
  family.values.forEach((v, s) => family.indices.forEach(([i, j], e) => { data[s * n * n + i * n + j] += v[e]; }));
  return tf.tensor3d(data, [family.values.length, n, n]);
}

/**
 * The loss: mean over the batch of log₁₀(‖x_k − x*‖² / ‖x*‖²), the relative error after the
 * layer's k iterations on a log scale. Log scale because errors span decades across a family
 * and across training (a squared error would only train on the worst system); the error and
 * not the residual because the residual Ae under-weights the smooth, small-eigenvalue error
 * that Krylov methods leave behind, which is exactly what a learned solver must remove.
 */
export function logRelativeError(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const err = tf.sum(tf.square(tf.sub(yPred, yTrue)), -1);
    const ref = tf.sum(tf.square(yTrue), -1);
    return tf.mean(tf.div(tf.log(tf.add(tf.div(err, ref), 1e-14)), Math.LN10)) as tf.Scalar;
  });
}

