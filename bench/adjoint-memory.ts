/**
 * Memory of a gradient through a solve, implicit vs unrolled, as CG iterations grow: tensor
 * bytes alive when the backward pass starts (the tape's saved tensors plus the forward's
 * results), above what was alive before. 2-D Poisson 32×32 (n = 1024), fixedIterations CG,
 * gradient of Σx w.r.t. b and the sparse values. (tf.profile overflows its stack on the
 * unrolled tape of 2000 iterations, so bytes are read at the end of the forward instead.)
 *
 *   npx ts-node --transpile-only bench/adjoint-memory.ts
 */
import * as tf from '@tensorflow/tfjs';
import * as ls from '../src';
import {poisson2d} from '../src';

async function main(): Promise<void> {
  try { require('@tensorflow/tfjs-node'); } catch { /* cpu */ }
  await tf.ready();
  const P = poisson2d(32);
  const nnz = P.values.length;
  const indices = tf.tensor2d(P.indices, [nnz, 2], 'int32');
  const values = tf.tensor1d(P.values);
  const b = tf.ones([P.shape[0]]);
  const rows: string[] = ['| iterations | implicit: bytes at backward | unrolled: bytes at backward | unrolled / implicit |', '|---|---|---|---|'];
  // Warm-up: the sparse pattern's layout tensors are built once and then belong to it.
  tf.dispose(tf.grad((v: tf.Tensor) => tf.sum(ls.solve(ls.sparse({indices, values: v, shape: P.shape}), b,
    {method: 'cg', fixedIterations: true, maxIterations: 1})))(values));
  for (const iterations of [50, 400, 2000]) {
    const peak = (adjoint: 'implicit' | 'unrolled') => {
      const before = tf.memory().numBytes;
      let atBackward = 0;
      tf.dispose(tf.grads((v: tf.Tensor, bb: tf.Tensor) => {
        const loss = tf.sum(ls.solve(ls.sparse({indices, values: v, shape: P.shape, tags: ['symmetric', 'positiveDefinite']}),
          bb, {method: 'cg', adjoint, fixedIterations: true, maxIterations: iterations}));
        atBackward = tf.memory().numBytes;
        return loss;
      })([values, b]));
      return atBackward - before;
    };
    const implicit = peak('implicit');
    const unrolled = peak('unrolled');
    rows.push(`| ${iterations} | ${implicit} | ${unrolled} | ${(unrolled / implicit).toFixed(1)}× |`);
  }
  console.log(`backend: ${tf.getBackend()}, 2-D Poisson n = ${P.shape[0]}, CG with fixedIterations\n`);
  console.log(rows.join('\n'));
  tf.dispose([indices, values, b]);
}

main();
