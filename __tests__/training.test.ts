import * as tf from '@tensorflow/tfjs';
import * as ls from '../src';
import {describeEachBackend} from './support/backends';
import {convectionDiffusion} from '../testing/cases';

describeEachBackend('training through a solve', () => {
  it('recovers the diffusion coefficient s of (s·L + I) x = b from x alone, with Adam', () => {
    const m = 5;
    const n = m * m;
    const L = convectionDiffusion(m, 0);
    const laplacian = tf.tensor2d(Float32Array.from(L.data), [n, n]);
    const b = tf.tensor1d(Float32Array.from({length: n}, (_, i) => Math.sin(i + 1)));
    const trueS = 0.35;
    const system = (s: tf.Tensor) => ls.matrixFree({
      shape: [n, n], tags: ['symmetric', 'positiveDefinite'],
      matvec: x => tf.add(tf.mul(s, tf.squeeze(tf.matMul(laplacian, tf.expandDims(x, 1)), [1])), x),
    });
    const observed = tf.tidy(() => ls.solve(system(tf.scalar(trueS)), b, {method: 'cg', rtol: 1e-6}));
    const s = tf.variable(tf.scalar(1.5));
    const optimizer = tf.train.adam(0.05);
    const before = tf.memory().numTensors;
    const solveFor = (scale: tf.Tensor) => ls.solve(system(scale), b, {method: 'cg', rtol: 1e-6});
    const loss = (): tf.Scalar => tf.tidy(() => tf.mean(tf.square(tf.sub(solveFor(s), observed))) as tf.Scalar);
    const initialLoss = tf.tidy(() => loss().dataSync()[0]);
    let finalLoss = initialLoss;
    for (let step = 0; step < 150; step++) {
      const value = optimizer.minimize(loss, true, [s]) as tf.Scalar;
      finalLoss = value.dataSync()[0];
      value.dispose();
    }
    expect(Math.abs(s.dataSync()[0] - trueS)).toBeLessThan(1e-2);
    expect(finalLoss).toBeLessThan(initialLoss * 1e-3);
    // Adam's two moment slots for s are the only new tensors after training.
    expect(tf.memory().numTensors).toBe(before + 2);
    optimizer.dispose();
    tf.dispose([laplacian, b, observed, s]);
  });
});
