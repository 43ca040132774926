/**
 * Mixed-precision iterative refinement: forward error against the exact solution of the
 * float32 inputs (float64 reference), beyond what float32 alone reaches, for dense (LU,
 * Cholesky) and sparse (CG, GMRES) systems; the extended-precision pair and its residual;
 * gradients; bad options; no leaks.
 */
import * as tf from '@tensorflow/tfjs';
import * as ls from '../src';
import {describeEachBackend} from './support/backends';
import {cooOf} from '../testing/cases';
import {Matrix64, solve64, transpose} from '../testing/reference';
import {cooProduct, exactSolution, exactSpdSolution, forwardError, generalConditioned, pairValue,
  rightHandSide, spdConditioned} from '../testing/accuracyProblems';
import * as df from '../src/solvers/refine/doubleFloat';

const GOAL = 1e-6;
const tensor = (P: Matrix64) => tf.tensor2d(Float32Array.from(P.data), [P.n, P.n]);

/** Solves with `options`, returns forward errors of x and of the pair, and the result's numbers. */
function accuracy(A: tf.Tensor | ls.LinearOperator, b: Float32Array, exact: ArrayLike<number>,
    options: ls.SolveOptions) {
  const bt = tf.tensor1d(b);
  const result = ls.linearSolve(A, bt, options);
  const x = result.x.dataSync();
  const refined = result.refined;
  const pair = refined?.hi == null ? null : pairValue(refined.hi.dataSync(), (refined.lo as tf.Tensor).dataSync());
  const out = {status: result.status, x: forwardError(x, exact), pair: pair == null ? NaN : forwardError(pair, exact),
    refined: refined == null ? null : {...refined, hi: undefined, lo: undefined}, relativeResidual: result.relativeResidual};
  tf.dispose([bt, result.x, ...(refined?.hi == null ? [] : [refined.hi, refined.lo as tf.Tensor])]);
  return out;
}

const poisson = (m: number) => {
  const {indices, values} = ls.poisson2d(m);
  return {n: m * m, indices, values};
};

describeEachBackend('refine: error-free transformations', () => {
  it('TwoSum and TwoProduct are exact in this backend\'s float32 ops', () => {
    expect(df.isExactOnBackend()).toBe(true);
  });
});

describeEachBackend('refine: forward error beyond float32', () => {
  it('LU, κ = 1e5: x within 1e-6 of x* (float64 and double-float residuals), the pair far closer', () => {
    const P = generalConditioned(24, 5, 1e5);
    const b = rightHandSide(24, 6);
    const exact = exactSolution(P, b);
    const A = tensor(P);
    for (const precision of ['float64', 'double-float'] as const) {
      const r = accuracy(A, b, exact, {method: 'lu', refine: {precision}});
      expect(r.status).toBe('converged');
      expect(r.x).toBeLessThan(GOAL);
      expect(r.pair).toBeLessThan(1e-9);
      // The estimate is the last correction: an upper estimate of the pair's error, and small.
      expect(r.refined?.forwardErrorEstimate).toBeGreaterThanOrEqual(r.pair / 10);
      expect(r.refined?.forwardErrorEstimate).toBeLessThan(GOAL);
      expect(r.refined?.precision).toBe(precision);
    }
    A.dispose();
  });

  it('Cholesky, κ = 1e5: x within 1e-6 of x*', () => {
    const P = spdConditioned(24, 7, 1e5);
    const b = rightHandSide(24, 8);
    const exact = exactSolution(P, b);
    const A = tensor(P);
    const r = accuracy(A, b, exact, {method: 'cholesky', refine: true});
    expect(r.status).toBe('converged');
    expect(r.x).toBeLessThan(GOAL);
    expect(r.pair).toBeLessThan(1e-9);
    A.dispose();
  });

  it('CG on 2-D Poisson 32² (κ ≈ 440), b = 1: x within 1e-6; the pair meets refine.rtol 1e-10', () => {
    const P = poisson(32);
    const b = new Float32Array(P.n).fill(1);
    const exact = exactSpdSolution(P, b);
    const A = ls.poisson2dOperator(32);
    const r = accuracy(A, b, exact, {method: 'cg', refine: {rtol: 1e-10}});
    expect(r.status).toBe('converged');
    expect(r.x).toBeLessThan(GOAL);
    expect(r.refined?.relativeResidual).toBeLessThanOrEqual(1e-10);
    // Checked independently: the pair's float64 residual.
    const pairResidual = (() => {
      const bt = tf.tensor1d(b);
      const res = ls.linearSolve(A, bt, {method: 'cg', refine: {rtol: 1e-10}});
      const ax = cooProduct(P, pairValue(res.refined!.hi!.dataSync(), res.refined!.lo!.dataSync()));
      tf.dispose([bt, res.x, res.refined!.hi!, res.refined!.lo!]);
      return Math.sqrt(ax.reduce((s, v, i) => s + (b[i] - v) ** 2, 0) / P.n);
    })();
    expect(pairResidual).toBeLessThanOrEqual(1e-10);
    A.values.dispose();
  });

  it('GMRES on a sparse nonsymmetric operator, κ = 1e4: x within 1e-6', () => {
    const P = generalConditioned(16, 9, 1e4);
    const {indices, values} = cooOf(P);
    const b = rightHandSide(P.n, 10);
    const exact = exactSolution(P, b);
    const A = ls.sparse({indices, values: tf.tensor1d(values), shape: [P.n, P.n]});
    const r = accuracy(A, b, exact, {method: 'gmres', restart: 16, refine: true});
    expect(r.status).toBe('converged');
    expect(r.x).toBeLessThan(GOAL);
    A.values.dispose();
  });
});

// One backend: the decision is the library's, not the backend's, and 128² costs seconds.
describeEachBackend('refine: the default first run', () => {
  it("default options on Poisson 128²: converged ('auto' refinement after float32 CG stagnates)", () => {
    const A = ls.poisson2dOperator(128);
    const b = tf.ones([128 * 128]);
    const result = ls.linearSolve(A, b);
    expect(result.status).toBe('converged');
    expect(result.relativeResidual).toBeLessThanOrEqual(1e-5);
    expect(result.refined?.steps).toBeGreaterThan(0);
    // The float32 x itself cannot have a residual below float32's floor here (7.9e-5).
    expect(result.refined?.roundedResidual).toBeGreaterThan(1e-5);
    const P = poisson(128);
    expect(forwardError(result.x.dataSync(), exactSpdSolution(P, b.dataSync()))).toBeLessThan(GOAL);
    // Automatic refinement returns no pair: a caller who did not ask for one has only x to free.
    expect(result.refined?.hi).toBeUndefined();
    tf.dispose([b, result.x, A.values]);
  });
}, {backends: ['cpu']});

describeEachBackend('refine: gradients', () => {
  it('∂b and ∂A match float64 A⁻ᵀw and −λxᵀ to 1e-6 (the adjoint solve is refined too), κ = 1e4', () => {
    const n = 16;
    const P = generalConditioned(n, 11, 1e4);
    const b = rightHandSide(n, 12);
    const w = rightHandSide(n, 13);
    const x64 = solve64(P, Float64Array.from(b));
    const lambda = solve64(transpose(P), Float64Array.from(w));
    const A = tensor(P);
    const [bt, wt] = [tf.tensor1d(b), tf.tensor1d(w)];
    const stats: {result?: ls.LinearSolveResult} = {};
    const [dA, db] = tf.grads((a: tf.Tensor, bb: tf.Tensor) => {
      stats.result = ls.linearSolve(a, bb, {method: 'lu', refine: true});
      tf.dispose([stats.result.refined!.hi, stats.result.refined!.lo]);
      return tf.sum(tf.mul(wt, stats.result.x));
    })([A, bt]);
    expect(forwardError(db.dataSync(), lambda)).toBeLessThan(GOAL);
    const dA64 = Float64Array.from({length: n * n}, (_, k) => -lambda[Math.floor(k / n)] * x64[k % n]);
    expect(forwardError(dA.dataSync(), dA64)).toBeLessThan(GOAL);
    expect(stats.result?.backward?.status).toBe('converged');
    tf.dispose([A, bt, wt, dA, db]);
  });
});

describeEachBackend('refine: options and memory', () => {
  const P = generalConditioned(8, 21, 10);
  const b = rightHandSide(8, 22);
  const code = (fn: () => unknown) => {
    try { tf.dispose(fn() as tf.Tensor); return 'none'; } catch (e) { return e instanceof ls.LinearSolveError ? e.code : `raw ${e}`; }
  };

  it("bad refine values are 'option' errors, leaving no tensor behind", () => {
    const A = tensor(P);
    const bt = tf.tensor1d(b);
    const before = tf.memory().numTensors;
    const bad: unknown[] = ['yes', 1, [], {steps: -1}, {steps: 1.5}, {precision: 'float16'}, {rtol: 0}, {rtol: NaN}, {tolerance: 1}];
    for (const refine of bad) {
      expect(code(() => ls.solve(A, bt, {refine} as unknown as ls.SolveOptions))).toBe('option');
    }
    const free = ls.matrixFree({shape: [8, 8], matvec: (v: tf.Tensor) => tf.matMul(A, v), rmatvec: (v: tf.Tensor) => tf.matMul(A, v, true)});
    expect(code(() => ls.solve(free, bt, {method: 'gmres', refine: true}))).toBe('option');
    expect(code(() => ls.solve(A, bt, {method: 'lu', refine: true, adjoint: 'unrolled'}))).toBe('option');
    expect(code(() => ls.solve(A, bt, {method: 'gmres', refine: true, adjoint: {truncated: 3}}))).toBe('option');
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([A, bt]);
  });

  it('solve, linearSolve, factorize and gradients with refine leak nothing', () => {
    const A = tensor(P);
    const bt = tf.tensor1d(b);
    const S2 = tensor(spdConditioned(8, 24, 1e3));
    const before = tf.memory().numTensors;
    ls.solve(A, bt, {refine: true}).dispose();
    const r = ls.linearSolve(A, bt, {method: 'gmres', refine: {precision: 'double-float'}});
    tf.dispose([r.x, r.refined!.hi, r.refined!.lo]);
    const lu = ls.factorize(A, {method: 'lu', refine: true});
    lu.solve(bt).dispose();
    const fr = lu.linearSolve(bt);
    expect(fr.refined?.steps).toBeGreaterThan(0);
    tf.dispose([fr.x, fr.refined!.hi, fr.refined!.lo]);
    tf.grad((bb: tf.Tensor) => tf.sum(lu.solve(bb)))(bt).dispose();
    const S = tensor(spdConditioned(8, 23, 10));
    tf.grad((bb: tf.Tensor) => tf.sum(ls.solve(S, bb, {method: 'cg', refine: true})))(bt).dispose();
    S.dispose();
    lu.dispose();
    // 'auto' (the default) refines a stagnated CG; the caller frees x only.
    const auto = ls.linearSolve(S2, bt, {method: 'cg', rtol: 1e-9});
    expect(auto.status).toBe('converged');
    expect(auto.refined?.steps).toBeGreaterThan(0);
    auto.x.dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([A, bt, S2]);
  });
});
