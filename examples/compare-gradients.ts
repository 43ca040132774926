/**
 * Gradient methods side by side on one problem: a learned diagonal scaling θ of a 1-D
 * diffusion operator, A(θ) = L + diag(exp θ), solved by CG. Prints implicit, unrolled and
 * truncated(k) gradients against central finite differences and against each other, with
 * time and peak tensor bytes.
 *
 *   npx ts-node --transpile-only examples/compare-gradients.ts
 */
import * as tf from '@tensorflow/tfjs';
import * as ls from '../src';

async function main(): Promise<void> {
  try {
    require('@tensorflow/tfjs-node');
  } catch {
    console.log('(tfjs-node not available: running on cpu)');
  }
  await tf.ready();
  const n = 200;
  // Tridiagonal L = tridiag(−1, 2, −1), as COO.
  const indices: number[][] = [];
  for (let i = 0; i < n; i++) {
    indices.push([i, i]);
    if (i > 0) indices.push([i, i - 1]);
    if (i < n - 1) indices.push([i, i + 1]);
  }
  const isDiagonal = tf.tensor1d(indices.map(([i, j]) => (i === j ? 1 : 0)));
  const laplacian = tf.tensor1d(indices.map(([i, j]) => (i === j ? 2 : -1)));
  const rowOf = tf.tensor1d(indices.map(([i]) => i), 'int32');
  const b = tf.tensor1d(Array.from({length: n}, (_, i) => Math.sin(0.37 * i * i + 1)));
  const target = tf.tensor1d(Array.from({length: n}, (_, i) => Math.exp(-((i - n / 2) ** 2) / 200)));
  const theta = tf.fill([n], -1);

  const loss: ls.LossOf = (adjoint, th) => tf.tidy(() => {
    const values = tf.add(laplacian, tf.mul(isDiagonal, tf.gather(tf.exp(th), rowOf)));
    const A = ls.sparse({indices, values, shape: [n, n], tags: ['symmetric', 'positiveDefinite']});
    const x = ls.solve(A, b, {method: 'cg', rtol: 1e-6, adjoint});
    return tf.mean(tf.square(tf.sub(x, target))) as tf.Scalar;
  });

  const rows = await ls.compareGradients(loss, [theta],
    {adjoints: ['implicit', 'unrolled', {truncated: 5}, {truncated: 50}, {truncated: 500}]});
  console.log(`backend: ${tf.getBackend()}, n = ${n}, CG to rtol 1e-6\n`);
  console.log(ls.formatGradientComparison(rows));
  tf.dispose([isDiagonal, laplacian, rowOf, b, target, theta]);
}

main();
