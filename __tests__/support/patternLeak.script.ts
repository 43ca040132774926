/**
 * Run by patternLeak.test.ts as `node --expose-gc`: builds many sparse operators from fresh
 * inline `indices` (as the README writes them), uses each in a solve and a gradient (so its
 * pattern allocates index tensors), drops them, collects garbage, and prints numTensors
 * before and after as JSON.
 */
import * as tf from '@tensorflow/tfjs';
import * as ls from '../../src';

const gc = (globalThis as {gc?: () => void}).gc;
if (gc == null) throw new Error('run with node --expose-gc');

async function main(): Promise<void> {
  await tf.setBackend('cpu');
  const count = Number(process.argv[2] ?? 200);
  const b = tf.tensor1d([1, 2]);
  const values = tf.tensor1d([4, 3, 1, 1]);
  const before = tf.memory().numTensors;
  for (let i = 0; i < count; i++) {
    tf.tidy(() => {
      const grad = tf.grad(v => tf.sum(ls.solve(
        ls.sparse({indices: [[0, 0], [1, 1], [0, 1], [1, 0]], values: v, shape: [2, 2]}), b,
        {method: 'gmres', preconditioner: 'jacobi'})))(values);
      grad.dataSync();
    });
  }
  const built = tf.memory().numTensors - before;
  // Finalizers run after a collection, on a later turn of the event loop.
  for (let round = 0; round < 20; round++) {
    gc?.();
    await new Promise(resolve => setTimeout(resolve, 10));
  }
  process.stdout.write(JSON.stringify({count, built, left: tf.memory().numTensors - before}) + '\n');
}

main().catch(error => { console.error(error); process.exit(1); });
