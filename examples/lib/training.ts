/**
 * What the three learned-solver training scripts share: the data as tensors, the loss, a
 * progress bar, TensorBoard logs and a summary line per epoch.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-node';
import {DiffusionFamily, stack32} from '../../testing/learnedProblems';

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

/** A progress bar and a loss line per epoch, as a tfjs callback. */
export function progress(epochs: number, batchesPerEpoch: number): tf.CustomCallback {
  let start = Date.now();
  const bar = (fraction: number) => {
    const width = 24;
    const filled = Math.round(width * fraction);
    return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
  };
  return new tf.CustomCallback({
    onEpochBegin: async () => { start = Date.now(); },
    onBatchEnd: async (batch, logs) => {
      if (process.stdout.isTTY) {
        process.stdout.write(`\r${bar((batch + 1) / batchesPerEpoch)} batch ${batch + 1}/${batchesPerEpoch} loss ${logs?.loss?.toFixed(3)}`);
      }
    },
    onEpochEnd: async (epoch, logs) => {
      const val = logs?.val_loss != null ? `  val ${logs.val_loss.toFixed(3)}` : '';
      const line = `${bar((epoch + 1) / epochs)} epoch ${String(epoch + 1).padStart(3)}/${epochs}  loss ${logs?.loss?.toFixed(3)}${val}  ` +
        `(${((Date.now() - start) / 1000).toFixed(1)} s)`;
      process.stdout.write(process.stdout.isTTY ? `\r${line}\n` : `${line}\n`);
    },
  });
}

/** The run's output folder (logs/, model/) and the TensorBoard callback writing into it. */
export function outputs(dir: string) {
  fs.mkdirSync(dir, {recursive: true});
  const logs = path.join(dir, 'logs');
  return {logs, model: path.join(dir, 'model'), tensorBoard: tf.node.tensorBoard(logs, {updateFreq: 'epoch'})};
}

/** Median of a list. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}
