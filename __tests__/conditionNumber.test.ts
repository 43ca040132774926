import * as tf from '@tensorflow/tfjs';
import * as ls from '../src';
import {describeEachBackend} from './support/backends';
import {convectionDiffusion, cooOf} from '../testing/cases';
import {FLOAT32_EPS, Matrix64, condition2, matrix, randomVector, relativeError} from '../testing/reference';

/** H₁·diag(s)·H₂ with Householder reflections H = I − 2wwᵀ/‖w‖²: singular values s exactly (in float64). */
function withSingularValues(s: number[], seed: number): Matrix64 {
  const n = s.length;
  const reflection = (w: Float64Array) => {
    const ww = w.reduce((t, x) => t + x * x, 0);
    return matrix(n, (i, j) => (i === j ? 1 : 0) - 2 * w[i] * w[j] / ww);
  };
  const [h1, h2] = [reflection(randomVector(n, seed)), reflection(randomVector(n, seed + 1))];
  return matrix(n, (i, j) => {
    let t = 0;
    for (let k = 0; k < n; k++) t += h1.data[i * n + k] * s[k] * h2.data[k * n + j];
    return Math.fround(t);
  });
}

/**
 * In float32, σ = uᵀAv carries an absolute error of about n·ε·σmax, so σmin (and κ) a relative
 * one of about n·ε·κ; we allow 3·n·ε·κ, plus the stopping tolerance (squared for values: σ is
 * stationary in the singular vectors).
 */
const valueBound = (n: number, kappa: number) => 3 * n * FLOAT32_EPS * kappa;
/** Gradients are first order in the singular vectors' error: tol plus the float32 floor, times κ. */
const gradientBound = (n: number, kappa: number, tol: number) => kappa * (tol + 3 * n * FLOAT32_EPS * kappa);

const SPECTRA = [[6, 4, 2.5, 1.6, 1, 0.5], [9, 5, 3, 2, 1.2, 0.3]];

describeEachBackend('conditionNumber matches a float64 SVD', () => {
  const A = withSingularValues(SPECTRA[0], 7);
  const n = A.n;
  const tol = 1e-6;

  it('dense [n, n]: κ and ∂κ/∂A', () => {
    const reference = condition2(A);
    const {kappa, grad} = tf.tidy(() => {
      const a = tf.tensor2d(Float32Array.from(A.data), [n, n]);
      const value = ls.conditionNumber(a, {tol});
      if (value.rank !== 0) throw new Error(`rank ${value.rank}`);
      return {kappa: value.dataSync()[0], grad: tf.grad(m => ls.conditionNumber(m, {tol}))(a).dataSync().slice()};
    });
    expect(Math.abs(kappa - reference.kappa) / reference.kappa).toBeLessThanOrEqual(valueBound(n, reference.kappa));
    expect(relativeError(grad, reference.gradient)).toBeLessThanOrEqual(gradientBound(n, reference.kappa, tol));
  });

  it('batched [2, n, n] → [2], each member and its gradient', () => {
    const members = SPECTRA.map((s, i) => withSingularValues(s, 20 + i));
    const {kappas, grads} = tf.tidy(() => {
      const a = tf.tensor3d(Float32Array.from(members.flatMap(m => Array.from(m.data))), [2, n, n]);
      const value = ls.conditionNumber(a, {tol});
      expect(value.shape).toEqual([2]);
      const w = tf.tensor1d([1, -0.5]);
      return {kappas: value.dataSync().slice(), grads: tf.grad(m => tf.sum(tf.mul(w, ls.conditionNumber(m, {tol}))))(a).dataSync().slice()};
    });
    members.forEach((m, i) => {
      const reference = condition2(m);
      expect(Math.abs(kappas[i] - reference.kappa) / reference.kappa).toBeLessThanOrEqual(valueBound(n, reference.kappa));
      const g = grads.slice(i * n * n, (i + 1) * n * n);
      const expected = reference.gradient.map(x => x * (i === 0 ? 1 : -0.5));
      expect(relativeError(g, expected)).toBeLessThanOrEqual(gradientBound(n, reference.kappa, tol));
    });
  });

  it('a sparse operator: κ, and ∂κ/∂values on the pattern', () => {
    const C = convectionDiffusion(3, 0.6);
    const {indices, values} = cooOf(C);
    const reference = condition2(C);
    const {kappa, grad} = tf.tidy(() => {
      const v = tf.tensor1d(values);
      const op = (vv: tf.Tensor) => ls.sparse({indices, values: vv, shape: [C.n, C.n]});
      return {kappa: ls.conditionNumber(op(v), {tol}).dataSync()[0],
        grad: tf.grad(vv => ls.conditionNumber(op(vv), {tol}))(v).dataSync().slice()};
    });
    expect(Math.abs(kappa - reference.kappa) / reference.kappa).toBeLessThanOrEqual(valueBound(C.n, reference.kappa));
    const expected = Float64Array.from(indices, ([i, j]) => reference.gradient[i * C.n + j]);
    expect(relativeError(grad, expected)).toBeLessThanOrEqual(gradientBound(C.n, reference.kappa, tol));
  });

  it('leaves no tensor behind, and rejects bad input with LinearSolveError', () => {
    const a = tf.tensor2d(Float32Array.from(A.data), [n, n]);
    ls.conditionNumber(a).dispose();
    const before = tf.memory().numTensors;
    ls.conditionNumber(a).dispose();
    tf.dispose(tf.grad(m => ls.conditionNumber(m))(a));
    expect(tf.memory().numTensors).toBe(before);
    const rectangular = tf.ones([2, 3]);
    expect(() => ls.conditionNumber(rectangular)).toThrow(ls.LinearSolveError);
    expect(() => ls.conditionNumber(a, {iterations: 0})).toThrow(/iterations/);
    expect(tf.memory().numTensors).toBe(before + 1);
    tf.dispose([a, rectangular]);
  });
});
