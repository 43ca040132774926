import * as tf from '@tensorflow/tfjs';
import * as ls from '../src';
import {describeEachBackend} from './support/backends';
import {CASES, Case, Method} from './support/cases';
import {condition, randomVector, relativeError, solve64, transpose} from './support/reference';
import {RTOL, solutionBound} from './support/bounds';

const ITERATIVE = new Set<Method>(['cg', 'bicgstab', 'gmres']);

/** L = Σ w ⊙ x, so ∂L/∂x = w. Returns ∂L/∂b and ∂L/∂parameters from the library. */
function libraryGradients(c: Case, method: Method, b: Float64Array, w: Float64Array, k: number) {
  return tf.tidy(() => {
    const shape = k === 1 ? [c.n] : [c.n, k];
    const rhs = tf.tensor(Float32Array.from(b), shape);
    const weights = tf.tensor(Float32Array.from(w), shape);
    const loss = (bb: tf.Tensor, ...params: tf.Tensor[]) =>
      tf.sum(tf.mul(weights, ls.solve(c.build(params), bb, {method, rtol: RTOL})));
    const grads = tf.grads(loss)([rhs, ...c.parameters()]);
    return grads.map(g => g.dataSync().slice() as Float32Array);
  });
}

describeEachBackend('gradients match the analytic float64 ones', () => {
  for (const c of CASES) {
    const kappa = condition(c.A);
    const At = transpose(c.A);
    for (const method of c.methods) {
      for (const k of [1, 2]) {
        it(`${c.name}, ${method}, k=${k}: ∂b = A⁻ᵀw, ∂θ = −λᵀ(∂A/∂θ)x`, () => {
          const b = Float64Array.from(randomVector(c.n * k, 21), Math.fround);
          const w = Float64Array.from(randomVector(c.n * k, 22), Math.fround);
          const x = solve64(c.A, b, k);
          const lambda = solve64(At, w, k);
          const expected = c.gradient(lambda, x, k);
          const [db, ...dParams] = libraryGradients(c, method, b, w, k);
          const bound = solutionBound(c.n, kappa, ITERATIVE.has(method));
          expect(relativeError(db, lambda)).toBeLessThanOrEqual(bound);
          // ∂θ is bilinear in λ and x, so its error is at most the sum of theirs.
          dParams.forEach((g, i) => expect(relativeError(g, expected[i])).toBeLessThanOrEqual(2 * bound));
        });
      }
    }
  }
});

describeEachBackend('gradients agree with finite differences (loose, float32)', () => {
  // Central differences in float32 with step h carry O(h²) truncation and O(ε/h) rounding:
  // with h = 1e-2 they are good to about 1e-2 relative, which is all this check claims.
  const H = 1e-2;
  for (const c of CASES) {
    const method = c.methods[c.methods.length - 1];
    it(`${c.name}, ${method}: d/dt L(θ + t·v) at t = 0`, () => {
      const b = tf.tensor1d(Float32Array.from(randomVector(c.n, 31)));
      const w = tf.tensor1d(Float32Array.from(randomVector(c.n, 32)));
      const params = c.parameters();
      const directions = params.map((p, i) => tf.tensor(Float32Array.from(randomVector(p.size, 40 + i)), p.shape));
      const loss = (...ps: tf.Tensor[]) => tf.sum(tf.mul(w, ls.solve(c.build(ps), b, {method, rtol: 1e-6})));
      const at = (t: number) => tf.tidy(() =>
        loss(...params.map((p, i) => tf.add(p, tf.mul(directions[i], t)))).dataSync()[0]);
      const numeric = (at(H) - at(-H)) / (2 * H);
      const grads = tf.grads(loss)(params);
      const analytic = grads.reduce((sum, g, i) => sum + tf.sum(tf.mul(g, directions[i])).dataSync()[0], 0);
      expect(Math.abs(numeric - analytic)).toBeLessThanOrEqual(1e-2 * Math.max(1, Math.abs(analytic)));
      tf.dispose([b, w, ...params, ...directions, ...grads]);
    });
  }
});

describeEachBackend('a tf.variable captured by a matrix-free matvec gets its gradient', () => {
  it('∂L/∂s = −λᵀx for A = A₀ + s·I, through tf.variableGrads', () => {
    const c = CASES[4];
    const n = c.n;
    const s = tf.variable(tf.scalar(0.7));
    const a0 = tf.tensor2d(Float32Array.from(c.A.data).map((v, i) => (i % (n + 1) === 0 ? v - Math.fround(0.7) : v)), [n, n]);
    const A = ls.matrixFree({
      shape: [n, n], tags: ['symmetric', 'positiveDefinite'],
      matvec: x => tf.add(tf.squeeze(tf.matMul(a0, tf.expandDims(x, 1)), [1]), tf.mul(s, x)),
    });
    const bArr = Float64Array.from(randomVector(n, 51), Math.fround);
    const b = tf.tensor1d(Float32Array.from(bArr));
    const {value, grads} = tf.variableGrads(() => tf.sum(ls.solve(A, b, {method: 'cg', rtol: RTOL})), [s]);
    const x = solve64(c.A, bArr);
    const lambda = solve64(transpose(c.A), new Float64Array(n).fill(1));
    const expected = -lambda.reduce((acc, l, i) => acc + l * x[i], 0);
    const bound = solutionBound(n, condition(c.A), true);
    expect(Math.abs(grads[s.name].dataSync()[0] - expected)).toBeLessThanOrEqual(2 * bound * Math.abs(expected));
    tf.dispose([value, grads[s.name], s, a0, b]);
  });
});
