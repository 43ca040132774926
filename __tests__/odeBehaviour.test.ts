/**
 * odeint beyond the linear reference: the tape-isolating VJP helper, dopri5's efficiency against
 * RK4, stiff problems, failures as LinearSolveErrors without leaks, and the memory of the
 * gradient modes.
 */
import * as tf from '@tensorflow/tfjs';
import * as ls from '../src/index';
import {vjp} from '../src/ode/vjp';
import {describeEachBackend} from './support/backends';
import {Matrix64, matrix} from '../testing/reference';
import {expm, lincomb, mul, power, stepPropagator} from './support/expm';

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < b.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Apply a float64 matrix to a vector. */
function apply(m: Matrix64, v: number[]): number[] {
  return v.map((_, i) => v.reduce((s, x, j) => s + m.data[i * m.n + j] * x, 0));
}

function expectCode(fn: () => unknown, code: string): void {
  const before = tf.memory().numTensors;
  let caught: unknown;
  try { fn(); } catch (e) { caught = e; }
  expect(caught).toBeInstanceOf(ls.LinearSolveError);
  expect((caught as ls.LinearSolveError).code).toBe(code);
  expect(tf.memory().numTensors).toBe(before);
}

// Eigenvalues −1 and −1e4 in a rotated basis, so both components see both rates.
const c = Math.cos(0.3);
const s = Math.sin(0.3);
const STIFF: Matrix64 = (() => {
  const q = matrix(2, (i, j) => [[c, -s], [s, c]][i][j]);
  const d = matrix(2, (i, j) => (i === j ? [-1, -1e4][i] : 0));
  const qt = matrix(2, (i, j) => q.data[j * 2 + i]);
  return mul(mul(q, d), qt);
})();

describeEachBackend('odeint internals and failures', () => {
  it('vjp works inside a customGrad backward and forward (the nested-tf.grad crash)', () => {
    const w = tf.tensor1d([1.5, -2, 0.5]);
    const x = tf.tensor1d([0.3, 0.7, -1.1]);
    const before = tf.memory().numTensors;
    const g = (a: tf.Tensor) => tf.mul(tf.sin(a), w);         // d/da = cos(a)·w
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const op = tf.customGrad(((a: tf.Tensor, save: any) => {
      const inner = vjp(() => g(a), [a], tf.onesLike(a));     // inside the forward
      const value = tf.add(g(a), tf.mul(0, inner.grads[0]));
      save([a]);
      return {value, gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => vjp(() => g(saved[0]), [saved[0], w], dy).grads[0]};
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    }) as any) as unknown as (a: tf.Tensor) => tf.Tensor;
    const grad = tf.grad(a => tf.sum(tf.square(op(a))))(x);
    const xs = x.arraySync() as number[];
    const ws = w.arraySync() as number[];
    const want = xs.map((v, i) => 2 * Math.sin(v) * ws[i] * Math.cos(v) * ws[i]);
    expect(maxAbsDiff(grad.dataSync(), want)).toBeLessThan(1e-5);
    grad.dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([w, x]);
  });

  it('stiff methods stay accurate on eigenvalues −1 and −1e4 at h = 0.1; rk4 fails with a clear error', () => {
    const M = tf.tensor2d(Array.from(STIFF.data), [2, 2]);
    const f = (t: tf.Scalar, y: tf.Tensor) => tf.matMul(M, tf.reshape(y, [2, 1])).reshape([2]);
    const y0 = tf.tensor1d([1, 1]);
    const exact = apply(expm(lincomb([[STIFF, 1]])), [1, 1]);
    for (const [method, bound] of [['backwardEuler', 0.03], ['sdirk2', 2e-3]] as const) {
      const y = ls.odeint(f, y0, [0, 1], {method, stepSize: 0.1});
      const got = Array.from(y.dataSync()).slice(2);
      // The discrete map in float64 (κ(I − hM) ≈ 1e3: float32 solves lose ~3 digits of ε)…
      const discrete = apply(power(stepPropagator(method, STIFF, 0.1), 10), [1, 1]);
      expect(maxAbsDiff(got, discrete)).toBeLessThan(1e-4);
      // …and the true solution to the method's order (h = 0.1, |y| ≈ 0.37).
      expect(maxAbsDiff(got, exact)).toBeLessThan(bound);
      y.dispose();
    }
    expectCode(() => ls.odeint(f, y0, [0, 1], {method: 'rk4', stepSize: 0.1}), 'nonFinite');
    expectCode(() => ls.odeint(f, y0, [0, 1], {method: 'dopri5', maxSteps: 30}), 'maxSteps');
    tf.dispose([M, y0]);
  });

  it('bad input and failing steps throw LinearSolveErrors and leak nothing', () => {
    const y0 = tf.tensor2d([[1, 2]]);
    const decay = (t: tf.Scalar, y: tf.Tensor) => tf.neg(y);
    expectCode(() => ls.odeint(decay, y0, [0, 1], {method: 'rk5' as ls.OdeMethod}), 'option');
    expectCode(() => ls.odeint(decay, y0, [0, 1], {rtol: 1e-9}), 'option');
    expectCode(() => ls.odeint(decay, y0, [0, 1], {stepSize: -1}), 'option');
    expectCode(() => ls.odeint(decay, y0, [0, 1], {adjoint: 'adjoint'}), 'option');
    expectCode(() => ls.odeint(decay, y0, [0, 1], {adjoint: {checkpoints: 0}, params: []}), 'option');
    expectCode(() => ls.odeint(decay, y0, [0, 1], {adjoint: {checkpoints: 2}}), 'option');
    expectCode(() => ls.odeint(decay, y0, [1, 0]), 'option');
    expectCode(() => ls.odeint((t, y) => tf.sum(y), y0, [0, 1]), 'shape');
    expectCode(() => ls.odeint(decay, y0, [0, 1], {method: 'euler', stepSize: 1e-4, maxSteps: 100}), 'maxSteps');
    // f turns NaN after t = 0.5: dopri5 rejects, shrinks and reports it instead of returning NaN.
    const poisoned = (t: tf.Scalar, y: tf.Tensor) =>
      tf.tidy(() => tf.add(tf.neg(y), tf.div(0, tf.relu(tf.sub(0.5, t)))).mul(tf.scalar(1)));
    expectCode(() => ls.odeint((t, y) => tf.mul(poisoned(t, y), 1), y0, [0, 1]), 'nonFinite');
    y0.dispose();
  });
});

describe('dopri5 against rk4 (evaluation counts; the same on every backend, run on cpu)', () => {
  beforeAll(async () => { await tf.setBackend('cpu'); });

  it('dopri5 reaches rk4\'s error with fewer evaluations of f', () => {
    // A damped oscillator at frequency 4 over [0, 5].
    const A: Matrix64 = matrix(2, (i, j) => [[-0.1, 4], [-4, -0.1]][i][j]);
    const M = tf.tensor2d(Array.from(A.data), [2, 2]);
    const f = (t: tf.Scalar, y: tf.Tensor) => tf.matMul(y, M, false, true);
    const y0 = tf.tensor2d([[1, 0]]);
    const exact = apply(expm(lincomb([[A, 5]])), [1, 0]);
    const run = (options: ls.OdeintOptions) => {
      const r = ls.odeintWithInfo(f, y0, [0, 5], options);
      const error = maxAbsDiff(Array.from(r.y.dataSync()).slice(2), exact);
      r.y.dispose();
      return {error, evaluations: r.functionEvaluations};
    };
    const dopri = run({rtol: 1e-6, atol: 1e-8});
    let rk4 = {error: Infinity, evaluations: 0};
    for (let steps = 20; rk4.error > dopri.error && steps <= 5000; steps = Math.ceil(steps * 1.25)) {
      rk4 = run({method: 'rk4', stepSize: 5 / steps});
    }
    expect(rk4.error).toBeLessThanOrEqual(dopri.error);
    expect(dopri.evaluations).toBeLessThan(rk4.evaluations);
    tf.dispose([M, y0]);
  });
});

describe('memory of the gradient modes (byte counts of the tape; backend-independent, run on cpu)', () => {
  beforeAll(async () => { await tf.setBackend('cpu'); });

  /** Peak tf.memory().numBytes above the start while computing dL/dy0 and dL/dW, sampled in f. */
  function peakBytes(steps: number, adjoint: ls.OdeAdjoint): number {
    const W = tf.variable(tf.mul(tf.eye(4), -0.5));
    const y0 = tf.ones([1, 4]);
    const base = tf.memory().numBytes;
    let peak = 0;
    const f = (t: tf.Scalar, y: tf.Tensor) => {
      peak = Math.max(peak, tf.memory().numBytes - base);
      return tf.matMul(y, W);
    };
    const {value, grads} = tf.variableGrads(() =>
      tf.sum(ls.odeint(f, y0, [0, 1], {method: 'euler', stepSize: 1 / steps, maxSteps: 2000, adjoint, params: [W]})) as tf.Scalar, [W]);
    tf.dispose([value, grads[W.name], W, y0]);
    return peak;
  }

  it('adjoint memory is flat from 100 to 1000 steps, direct grows with the steps, checkpoints in between', () => {
    const direct = [peakBytes(100, 'direct'), peakBytes(1000, 'direct')];
    const adjoint = [peakBytes(100, 'adjoint'), peakBytes(1000, 'adjoint')];
    const checkpoints = peakBytes(1000, {checkpoints: 30});
    expect(direct[1]).toBeGreaterThan(5 * direct[0]);
    expect(adjoint[1]).toBeLessThanOrEqual(adjoint[0] * 1.1 + 256);
    expect(checkpoints).toBeLessThan(direct[1] / 5);
  });
});
