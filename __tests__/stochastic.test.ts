import * as tf from '@tensorflow/tfjs';
import * as ls from '../src';
import {StochasticAdjoint} from '../src/extend';
import {describeEachBackend} from './support/backends';
import {spd} from '../testing/cases';
import {randomVector, solve64, transpose} from '../testing/reference';

/** The exact ∂L/∂A = −Σⱼ λⱼxⱼᵀ for L = Σ W ⊙ X, X = A⁻¹B, and each column's term. */
function exactTerms(A: ReturnType<typeof spd>, B: Float64Array, W: Float64Array, k: number) {
  const n = A.n;
  const X = solve64(A, B, k);
  const L = solve64(transpose(A), W, k);
  return Array.from({length: k}, (_, j) => Float64Array.from({length: n * n},
    (_, e) => -L[Math.floor(e / n) * k + j] * X[(e % n) * k + j]));
}

describeEachBackend('stochastic implicit gradients (Bernoulli column sampling)', () => {
  it('are unbiased, with the variance (1 − p)/p · Σⱼ tⱼ² that the estimator predicts', () => {
    const n = 6;
    const k = 6;
    const rate = 0.5;
    const samples = 300;
    const A64 = spd(n, 21, 1);
    const B = Float64Array.from(randomVector(n * k, 22), Math.fround);
    const W = Float64Array.from(randomVector(n * k, 23), Math.fround);
    const terms = exactTerms(A64, B, W, k);
    const exact = terms.reduce((sum, t) => sum.map((v, e) => v + t[e]), new Float64Array(n * n));
    const predictedVariance = terms.reduce((sum, t) => sum.map((v, e) => v + ((1 - rate) / rate) * t[e] ** 2), new Float64Array(n * n));

    const adjoint = new StochasticAdjoint({rate, seed: 5});
    const [Bt, Wt, At] = [tf.tensor2d(Float32Array.from(B), [n, k]), tf.tensor2d(Float32Array.from(W), [n, k]),
      tf.tensor2d(Float32Array.from(A64.data), [n, n])];
    const mean = new Float64Array(n * n);
    const square = new Float64Array(n * n);
    for (let s = 0; s < samples; s++) {
      const g = tf.tidy(() => tf.grad(a => tf.sum(tf.mul(Wt, ls.solve(a, Bt, {method: 'lu', adjoint}))))(At).dataSync());
      g.forEach((v, e) => { mean[e] += v / samples; square[e] += (v * v) / samples; });
    }
    tf.dispose([Bt, Wt, At]);
    const variance = mean.map((m, e) => square[e] - m * m);
    // Unbiased: every entry of the sample mean within 5 standard errors of the exact gradient.
    mean.forEach((m, e) => expect(Math.abs(m - exact[e])).toBeLessThanOrEqual(5 * Math.sqrt(predictedVariance[e] / samples) + 1e-5));
    // The total variance matches the prediction (a sample of 300 estimates it to about ±15%).
    const total = (v: Float64Array) => v.reduce((a, b) => a + b, 0);
    expect(total(variance) / total(predictedVariance)).toBeGreaterThan(0.75);
    expect(total(variance) / total(predictedVariance)).toBeLessThan(1.25);
  });

  it('with one right-hand side, or rate 1, it is the implicit gradient', () => {
    const A = tf.tensor2d([[4, 1], [1, 3]]);
    const b = tf.tensor2d([[1, 2], [3, 4]]);
    const g = (adjoint: ls.SolveOptions['adjoint'], rhs: tf.Tensor) =>
      tf.tidy(() => tf.grad(a => tf.sum(ls.solve(a, rhs, {adjoint})))(A).dataSync().slice());
    const single = tf.tensor1d([1, 2]);
    expect(g({stochastic: {rate: 0.3, seed: 1}}, single)).toEqual(g('implicit', single));
    expect(g({stochastic: {rate: 1}}, b)).toEqual(g('implicit', b));
    expect(() => ls.solve(A, single, {adjoint: {stochastic: {rate: 0}}})).toThrow(/0 < rate ≤ 1/);
    tf.dispose([A, b, single]);
  });
});
