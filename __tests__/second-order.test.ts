import * as tf from '@tensorflow/tfjs';
import * as ls from '../src';
import {describeEachBackend} from './support/backends';
import {secondOrderChecks} from './support/properties';
import {nonsymmetric, spd} from '../testing/cases';
import {FLOAT32_EPS, Matrix64, condition, matmul, randomVector, relativeError, solve64, transpose} from '../testing/reference';

/** The analytic Hessian-vector products of f(A, b) = wᵀA⁻¹b in float64. */
function hessianVectorProducts(A: Matrix64, b: Float64Array, w: Float64Array, V: Float64Array) {
  const n = A.n;
  const x = solve64(A, b);
  const lambda = solve64(transpose(A), w);
  // ∂f/∂A = −λxᵀ; its derivative along V: A⁻ᵀVᵀλ xᵀ + λ (A⁻¹V x)ᵀ.
  const vtLambda = matmul(transpose({n, data: V}), lambda);
  const a = solve64(transpose(A), vtLambda);
  const c = solve64(A, matmul({n, data: V}, x));
  const dA = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) dA[i * n + j] = a[i] * x[j] + lambda[i] * c[j];
  return dA;
}

describeEachBackend('second derivatives through solve (implicit adjoint)', () => {
  for (const method of ['lu', 'gmres'] as const) {
    it(`${method}: ∂/∂A ⟨∂f/∂A, V⟩ for f = wᵀA⁻¹b matches the analytic Hessian-vector product`, () => {
      const n = 8;
      const A64 = nonsymmetric(n, 7, 4);
      const b = Float64Array.from(randomVector(n, 8), Math.fround);
      const w = Float64Array.from(randomVector(n, 9), Math.fround);
      const V = Float64Array.from(randomVector(n * n, 10), Math.fround);
      const expected = hessianVectorProducts(A64, b, w, V);
      const got = tf.tidy(() => {
        const [A, bt, wt, Vt] = [tf.tensor2d(Float32Array.from(A64.data), [n, n]), tf.tensor1d(Float32Array.from(b)),
          tf.tensor1d(Float32Array.from(w)), tf.tensor2d(Float32Array.from(V), [n, n])];
        const f = (a: tf.Tensor) => tf.sum(tf.mul(wt, ls.solve(a, bt, {method, rtol: 1e-6})));
        const directional = (a: tf.Tensor) => tf.sum(tf.mul(tf.grad(f)(a), Vt));
        return tf.grad(directional)(A).dataSync().slice();
      });
      const kappa = condition(A64);
      const bound = 4 * kappa * (3 * n * FLOAT32_EPS + (method === 'gmres' ? 1e-6 : 0));
      expect(relativeError(got, expected)).toBeLessThanOrEqual(bound);
    });
  }

  it('cholesky on a sparse SPD matrix: ∂²/∂b² of ½‖x‖² is A⁻ᵀA⁻¹', () => {
    const n = 6;
    const S = spd(n, 12, 1);
    const indices: number[][] = [];
    const values: number[] = [];
    S.data.forEach((v, e) => { indices.push([Math.floor(e / n), e % n]); values.push(v); });
    const v = Float64Array.from(randomVector(n, 13), Math.fround);
    const expected = solve64(transpose(S), solve64(S, v));
    const got = tf.tidy(() => {
      const A = ls.sparse({indices, values: tf.tensor1d(values), shape: [n, n], tags: ['symmetric', 'positiveDefinite']});
      const vt = tf.tensor1d(Float32Array.from(v));
      const half = (b: tf.Tensor) => tf.mul(0.5, tf.sum(tf.square(ls.solve(A, b, {method: 'cholesky'}))));
      const directional = (b: tf.Tensor) => tf.sum(tf.mul(tf.grad(half)(b), vt));
      return tf.grad(directional)(tf.ones([n])).dataSync().slice();
    });
    expect(relativeError(got, expected)).toBeLessThanOrEqual(4 * condition(S) * 3 * n * FLOAT32_EPS);
  });
});

describeEachBackend('second derivatives with respect to A over the case table', () => {
  for (const check of secondOrderChecks()) it(check.name, check.run);
});
