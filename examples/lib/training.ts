/**
 * What the three learned-solver training scripts share: the data as tensors, the loss, a
 * progress bar, TensorBoard logs and a summary line per epoch.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-node';
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
