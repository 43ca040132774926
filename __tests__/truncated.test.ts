import * as tf from '@tensorflow/tfjs';
import * as ls from '../src';
import {describeEachBackend} from './support/backends';
import {nonsymmetric} from '../testing/cases';
import {Matrix64, matrix, randomVector, relativeError, solve64, transpose, FLOAT32_EPS} from '../testing/reference';

/** (1 − a)I + a·11ᵀ: SPD with κ = (1 + (n − 1)a)/(1 − a), far from diagonally dominant. */
function allOnes(n: number, a: number): Matrix64 {
  return matrix(n, (i, j) => (i === j ? 1 : a));
}

const K = [1, 5, 20, 100, 400];

/** ∂/∂b and ∂/∂A of Σ w∘x for each k, as relative errors against the float64 implicit gradient. */
function gradientErrors(P: Matrix64, method: string, tags: ls.OperatorTag[], seed: number) {
  const n = P.n;
  const bData = Float64Array.from(randomVector(n, seed), Math.fround);
  const wData = Float64Array.from(randomVector(n, seed + 1), Math.fround);
  const x64 = solve64(P, bData);
  const lambda = solve64(transpose(P), wData);
  const dA = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) dA[i * n + j] = -lambda[i] * x64[j];
  const A = tf.tensor2d(Float32Array.from(P.data), [n, n]);
  const b = tf.tensor1d(Float32Array.from(bData));
  const w = tf.tensor1d(Float32Array.from(wData));
  const options = (k: number): ls.SolveOptions => ({method: method as ls.MethodName, tags, rtol: 1e-6, adjoint: {truncated: k}});
  const implicitX = tf.tidy(() => ls.solve(A, b, {method: method as ls.MethodName, tags, rtol: 1e-6}).dataSync().slice());
  const errors = K.map(k => tf.tidy(() => {
    const [gb, gA] = tf.grads((bb: tf.Tensor, aa: tf.Tensor) => tf.sum(tf.mul(w, ls.solve(aa, bb, options(k)))))([b, A]);
    const value = ls.solve(A, b, options(k)).dataSync();
    return {b: relativeError(gb.dataSync(), lambda), A: relativeError(gA.dataSync(), dA),
      sameValue: value.every((v, i) => v === implicitX[i])};
  }));
  tf.dispose([A, b, w]);
  return errors;
}

describeEachBackend('truncated adjoint', () => {
  const n = 10;
  const cases: Array<{name: string; P: Matrix64; method: string; tags: ls.OperatorTag[]; rate: number}> = [
    // κ(A) = 11 with M = diag(A)⁻¹ = I: Richardson contracts by 1 − 1/(1.1·11) per step.
    {name: "SPD (1−a)I + a11ᵀ, a = 0.5, 'cg'", P: allOnes(n, 0.5), method: 'cg', tags: [], rate: 1 - 1 / (1.1 * 11)},
    {name: "SPD (1−a)I + a11ᵀ, a = 0.5, 'cholesky'", P: allOnes(n, 0.5), method: 'cholesky',
      tags: ['symmetric', 'positiveDefinite'], rate: 1 - 1 / (1.1 * 11)},
    // Untagged, so treated as general: Landweber on the normal equations, 1 − 1/(1.1·κ(MA)²).
    {name: "SPD (1−a)I + a11ᵀ untagged, 'lu'", P: allOnes(n, 0.5), method: 'lu', tags: [], rate: 1 - 1 / (1.1 * 121)},
    {name: "nonsymmetric R + 4I, 'gmres'", P: nonsymmetric(n, 5, 4), method: 'gmres', tags: [], rate: NaN},
    {name: "nonsymmetric R + 4I, 'lu'", P: nonsymmetric(n, 5, 4), method: 'lu', tags: [], rate: NaN},
  ];
  for (const c of cases) {
    it(`${c.name}: the value is the solution; the gradient error falls monotonically with k`, () => {
      const errors = gradientErrors(c.P, c.method, c.tags, 11);
      for (const e of errors) expect(e.sameValue).toBe(true);
      for (let i = 1; i < errors.length; i++) {
        // Strictly smaller until both reach float32 rounding.
        const floor = 1e3 * FLOAT32_EPS;
        expect(errors[i].b).toBeLessThanOrEqual(Math.max(errors[i - 1].b * 0.999, floor));
        expect(errors[i].A).toBeLessThanOrEqual(Math.max(errors[i - 1].A * 0.999, floor));
      }
      expect(errors[0].b).toBeLessThan(1);
      // The gradient error is within a small factor of the predicted contraction (1 − 1/(1.1κ))ᵏ.
      if (Number.isFinite(c.rate)) {
        for (let i = 0; i < K.length; i++) {
          expect(errors[i].b).toBeLessThanOrEqual(Math.max(3 * c.rate ** K[i], 1e3 * FLOAT32_EPS));
        }
      }
      if (!(c.method === 'lu' && c.tags.length === 0 && c.name.startsWith('SPD'))) {
        expect(errors[K.length - 1].b).toBeLessThanOrEqual(1e3 * FLOAT32_EPS);
        expect(errors[K.length - 1].A).toBeLessThanOrEqual(1e3 * FLOAT32_EPS);
      }
      // eslint-disable-next-line no-console
      if (process.env.LINSOLVE_VERBOSE) console.log(c.name, errors.map(e => `${e.b.toExponential(2)}/${e.A.toExponential(2)}`).join(' '));
    });
  }

  it('k steps leave numTensors unchanged; a matrix-free M without rmatvec fails before any work', () => {
    const P = allOnes(n, 0.5);
    const A = tf.tensor2d(Float32Array.from(P.data), [n, n]);
    const b = tf.ones([n]);
    const before = tf.memory().numTensors;
    tf.dispose(tf.grads((bb: tf.Tensor, aa: tf.Tensor) => tf.sum(ls.solve(aa, bb, {method: 'cg', adjoint: {truncated: 7}})))([b, A]));
    expect(tf.memory().numTensors).toBe(before);
    const M = ls.matrixFree({shape: [n, n], matvec: r => tf.mul(0.5, r)});
    let code = 'none';
    try {
      tf.grad((bb: tf.Tensor) => tf.sum(ls.solve(A, bb, {method: 'gmres', preconditioner: M, adjoint: {truncated: 3}})))(b);
    } catch (e) {
      code = (e as ls.LinearSolveError).code;
    }
    expect(code).toBe('noTranspose');
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([A, b]);
  });
});
