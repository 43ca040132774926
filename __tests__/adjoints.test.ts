import * as tf from '@tensorflow/tfjs';
import * as ls from '../src';
import {describeEachBackend} from './support/backends';
import {convectionDiffusion} from '../testing/cases';
import {condition, randomVector, relativeError, solve64, transpose} from '../testing/reference';
import {solutionBound} from '../testing/bounds';

/** A 2-D Poisson system (SPD, diagonally dominant enough for Jacobi) as a sparse operator. */
function poisson(m: number) {
  const P = convectionDiffusion(m, 0);
  const indices: number[][] = [];
  const values: number[] = [];
  P.data.forEach((v, e) => { if (v !== 0) { indices.push([Math.floor(e / P.n), e % P.n]); values.push(v); } });
  return {P, indices, values};
}

const grads = (loss: (b: tf.Tensor) => tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.grad(loss)(b).dataSync().slice());

describeEachBackend('adjoint modes', () => {
  const {P, indices, values} = poisson(5);
  const n = P.n;
  const bData = Float64Array.from(randomVector(n, 3), Math.fround);
  const lambda = solve64(transpose(P), new Float64Array(n).fill(1));
  const bound = solutionBound(n, condition(P), true);
  let A: ls.SparseOperator;
  let b: tf.Tensor;
  beforeAll(() => {
    A = ls.sparse({indices, values: tf.tensor1d(values), shape: [n, n], tags: ['symmetric', 'positiveDefinite']});
    b = tf.tensor1d(Float32Array.from(bData));
  });

  for (const method of ['cg', 'gmres', 'bicgstab', 'jacobi'] as const) {
    it(`'unrolled' ${method} to convergence gives ∂b = A⁻ᵀ1 like 'implicit'`, () => {
      const g = grads(bb => tf.sum(ls.solve(A, bb, {method, adjoint: 'unrolled', rtol: 1e-6})), b);
      expect(relativeError(g, lambda)).toBeLessThanOrEqual(bound);
    });
  }

  it('{truncated: k} approaches the implicit gradient as k grows (Neumann series)', () => {
    const errors = [2, 20, 200].map(k =>
      relativeError(grads(bb => tf.sum(ls.solve(A, bb, {method: 'cg', adjoint: {truncated: k}, rtol: 1e-6})), b), lambda));
    expect(errors[1]).toBeLessThan(errors[0]);
    expect(errors[2]).toBeLessThan(errors[1]);
    expect(errors[2]).toBeLessThanOrEqual(bound);
    // The forward value is still the solution.
    const x = tf.tidy(() => ls.solve(A, b, {method: 'cg', adjoint: {truncated: 2}, rtol: 1e-6}).dataSync().slice());
    expect(relativeError(x, solve64(P, bData))).toBeLessThanOrEqual(bound);
  });

  it('a learned preconditioner gets a gradient through unrolled and truncated, none through implicit', () => {
    const scale = tf.scalar(0.2);
    const gradientOf = (adjoint: ls.SolveOptions['adjoint']) => tf.tidy(() => tf.grad(s => {
      const M = ls.matrixFree({shape: [n, n], tags: ['symmetric'], matvec: r => tf.mul(s, r)});
      return tf.sum(ls.solve(A, b, {method: 'jacobi', preconditioner: M, adjoint, fixedIterations: true, maxIterations: 10}));
    })(scale).dataSync()[0]);
    expect(Math.abs(gradientOf('unrolled'))).toBeGreaterThan(1e-3);
    expect(Math.abs(gradientOf({truncated: 3}))).toBeGreaterThan(1e-3);
    // The implicit x = A⁻¹b does not depend on M at all: tfjs finds no path to it.
    expect(() => gradientOf('implicit')).toThrow(/Cannot compute gradient/);
    scale.dispose();
  });

  it("errors: 'unrolled' with a direct method, a bad k, unknown backward options", () => {
    const code = (fn: () => unknown) => { try { fn(); } catch (e) { return (e as ls.LinearSolveError).code; } return 'none'; };
    expect(code(() => ls.solve(A, b, {method: 'lu', adjoint: 'unrolled'}))).toBe('option');
    expect(code(() => ls.solve(A, b, {method: 'cg', adjoint: {truncated: 0}}))).toBe('option');
    expect(code(() => ls.solve(A, b, {backward: {tol: 1} as ls.SolveOptions['backward']}))).toBe('option');
  });

  it('backward options: a looser backward rtol gives a correspondingly looser gradient', () => {
    const wData = Float64Array.from(randomVector(n, 4), Math.fround);
    const w = tf.tensor1d(Float32Array.from(wData));
    const expected = solve64(transpose(P), wData);
    const loose = grads(bb => tf.sum(tf.mul(w, ls.solve(A, bb, {method: 'cg', rtol: 1e-6, backward: {rtol: 1e-1}}))), b);
    const tight = grads(bb => tf.sum(tf.mul(w, ls.solve(A, bb, {method: 'cg', rtol: 1e-6}))), b);
    // ‖δλ‖/‖λ‖ ≤ κ·rtol for whichever rtol the backward solve met.
    expect(relativeError(loose, expected)).toBeLessThanOrEqual(condition(P) * 1e-1);
    expect(relativeError(tight, expected)).toBeLessThanOrEqual(bound);
    expect(relativeError(loose, expected)).toBeGreaterThan(relativeError(tight, expected));
    w.dispose();
  });

  it('memory: the implicit backward stays flat in the iterations, the unrolled one grows with them', async () => {
    const peak = async (adjoint: 'implicit' | 'unrolled', iterations: number) => {
      const before = tf.memory().numBytes;
      const profile = await tf.profile(() => tf.dispose(tf.grad(bb =>
        tf.sum(ls.solve(A, bb, {method: 'cg', adjoint, fixedIterations: true, maxIterations: iterations})))(b)));
      return profile.peakBytes - before;
    };
    const implicit = [await peak('implicit', 50), await peak('implicit', 400)];
    const unrolled = [await peak('unrolled', 50), await peak('unrolled', 400)];
    expect(implicit[1]).toBe(implicit[0]);
    expect(unrolled[1]).toBeGreaterThan(4 * unrolled[0]);
    expect(unrolled[1]).toBeGreaterThan(10 * implicit[1]);
  });

  afterAll(() => { tf.dispose([A.values, b]); A.dispose(); });
});
