/**
 * What the three learned-solver training scripts share: the data as tensors, the loss, a
 * progress bar, TensorBoard logs and a summary line per epoch.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-node';
import {logRelativeError, tensorsOf} from '../../testing/learnedTraining';
export {denseOf, logRelativeError, tensorsOf} from '../../testing/learnedTraining';

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

/** The dense-input model [A, b] → layer([A, b]), compiled with Adam and the log-error loss. */
export function denseSolveModel(layer: tf.layers.Layer, n: number, learningRate: number): tf.LayersModel {
  const aIn = tf.input({shape: [n, n]});
  const bIn = tf.input({shape: [n]});
  const model = tf.model({inputs: [aIn, bIn], outputs: layer.apply([aIn, bIn]) as tf.SymbolicTensor});
  model.compile({optimizer: tf.train.adam(learningRate), loss: logRelativeError});
  model.summary();
  return model;
}

type Split = Parameters<typeof tensorsOf>[0];

/** Fits `model` on the dense train split with the progress bar and TensorBoard, then saves it. */
export async function fitAndSave(model: tf.LayersModel, train: Split, validation: Split,
    {epochs, batchSize, out}: {epochs: number; batchSize: number; out: string}): Promise<void> {
  const data = tensorsOf(train, true);
  const val = tensorsOf(validation, true);
  const dir = outputs(out);
  const started = Date.now();
  await model.fit([data.A as tf.Tensor, data.b], data.solutions, {
    epochs, batchSize, shuffle: true, validationData: [[val.A as tf.Tensor, val.b], val.solutions],
    callbacks: [progress(epochs, Math.ceil(train.values.length / batchSize)), dir.tensorBoard], verbose: 0,
  });
  console.log(`trained in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  await model.save(`file://${dir.model}`);
  console.log(`model saved to ${dir.model}, TensorBoard logs in ${dir.logs}`);
  tf.dispose([data.A as tf.Tensor, data.b, data.solutions, val.A as tf.Tensor, val.b, val.solutions]);
}
