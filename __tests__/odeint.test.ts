/**
 * odeint on y' = My against float64: the matrix exponential (dopri5, adjoint mode) and the
 * exact discrete propagator of each fixed-step method; gradients with respect to y0 and M.
 */
import * as tf from '@tensorflow/tfjs';
import * as ls from '../src/index';
import {describeEachBackend} from './support/backends';
import {Matrix64, matrix, randomVector, transpose} from '../testing/reference';
import {expm, identity, lincomb, mul, power, stepPropagator, vanLoan} from './support/expm';

const n = 3;
const batch = 2;
const times = [0, 0.4, 1];
const M64: Matrix64 = (() => {
  const r = randomVector(n * n, 11);
  return matrix(n, (i, j) => 0.8 * r[i * n + j] - (i === j ? 0.4 : 0));
})();
const Y0 = randomVector(batch * n, 12);                 // [batch, n] row-major
const W = randomVector(times.length * batch * n, 13);   // loss weights [T, batch, n]

/** Propagator to each output time: e^{Mt} (continuous) or the fixed-step grid's product. */
function propagators(method: string, m: Matrix64, h: number | null): Matrix64[] {
  const out = [identity(n)];
  for (let i = 1; i < times.length; i++) {
    const span = times[i] - times[i - 1];
    let step: Matrix64;
    if (h == null) step = expm(lincomb([[m, span]]));
    else {
      const k = Math.max(1, Math.ceil(span / h - 1e-9));
      step = power(stepPropagator(method, m, span / k), k);
    }
    out.push(mul(step, out[i - 1]));
  }
  return out;
}

/** Y_i = Y0 P_iᵀ, stacked [T, batch, n]. */
function trajectory(ps: Matrix64[]): Float64Array {
  const out = new Float64Array(times.length * batch * n);
  ps.forEach((p, i) => {
    for (let b = 0; b < batch; b++) for (let r = 0; r < n; r++) {
      let s = 0;
      for (let c = 0; c < n; c++) s += p.data[r * n + c] * Y0[b * n + c];
      out[(i * batch + b) * n + r] = s;
    }
  });
  return out;
}

function loss(ys: Float64Array): number {
  return ys.reduce((s, y, i) => s + y * W[i], 0);
}

/** dL/dY0 = Σ_i W_i P_i. */
function gradY0(ps: Matrix64[]): Float64Array {
  const g = new Float64Array(batch * n);
  ps.forEach((p, i) => {
    for (let b = 0; b < batch; b++) for (let c = 0; c < n; c++) {
      let s = 0;
      for (let r = 0; r < n; r++) s += W[(i * batch + b) * n + r] * p.data[r * n + c];
      g[b * n + c] += s;
    }
  });
  return g;
}

/** dL/dM: Van Loan for e^{Mt}; float64 central differences of the exact discrete map otherwise. */
function gradM(method: string, h: number | null): Float64Array {
  if (h == null) {
    const g = new Float64Array(n * n);
    for (let i = 1; i < times.length; i++) {
      // C = G Yᵀ with G = W_iᵀ [n, batch], Y = Y0ᵀ [n, batch].
      const C = matrix(n, (r, c) => {
        let s = 0;
        for (let b = 0; b < batch; b++) s += W[(i * batch + b) * n + r] * Y0[b * n + c];
        return s;
      });
      const block = vanLoan(transpose(M64), C, times[i]);
      block.data.forEach((v, k) => { g[k] += v; });
    }
    return g;
  }
  const eps = 1e-5;
  return Float64Array.from({length: n * n}, (_, k) => {
    const shifted = (d: number) => {
      const m = {n, data: Float64Array.from(M64.data)};
      m.data[k] += d;
      return loss(trajectory(propagators(method, m, h)));
    };
    return (shifted(eps) - shifted(-eps)) / (2 * eps);
  });
}

function relativeError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  let err = 0;
  let scale = 0;
  for (let i = 0; i < want.length; i++) {
    err = Math.max(err, Math.abs(got[i] - want[i]));
    scale = Math.max(scale, Math.abs(want[i]));
  }
  return err / scale;
}

interface Case {
  method: ls.OdeMethod;
  /** Fixed-step size; null: dopri5 (reference e^{Mt}). */
  h: number | null;
  adjoint: ls.OdeAdjoint;
  /** Bound on the value's relative error against the reference. */
  valueTol: number;
  /** Bound on the gradients' relative error. */
  gradTol: number;
}

// Discrete methods against their own exact float64 map: float32 rounding over ≤ 10 steps
// (≲ 50ε). dopri5 at rtol 1e-6 against e^{Mt}: its tolerance plus rounding. The continuous
// adjoint of a fixed-step method differs from the discrete gradient by the method's error:
// compared against e^{Mt}, with a bound from its order (Euler h = 0.01: first order).
const fixed = 5e-6;
const CASES: Case[] = [
  {method: 'euler', h: 0.1, adjoint: 'direct', valueTol: fixed, gradTol: fixed},
  {method: 'rk4', h: 0.1, adjoint: 'direct', valueTol: fixed, gradTol: fixed},
  {method: 'backwardEuler', h: 0.2, adjoint: 'direct', valueTol: fixed, gradTol: fixed},
  {method: 'sdirk2', h: 0.2, adjoint: 'direct', valueTol: fixed, gradTol: fixed},
  {method: 'dopri5', h: null, adjoint: 'direct', valueTol: 2e-5, gradTol: 2e-5},
  {method: 'euler', h: 0.1, adjoint: {checkpoints: 3}, valueTol: fixed, gradTol: fixed},
  {method: 'rk4', h: 0.1, adjoint: {checkpoints: 2}, valueTol: fixed, gradTol: fixed},
  {method: 'sdirk2', h: 0.2, adjoint: {checkpoints: 2}, valueTol: fixed, gradTol: fixed},
  {method: 'dopri5', h: null, adjoint: {checkpoints: 2}, valueTol: 2e-5, gradTol: 2e-5},
  {method: 'rk4', h: 0.05, adjoint: 'adjoint', valueTol: 2e-5, gradTol: 2e-5},
  {method: 'dopri5', h: null, adjoint: 'adjoint', valueTol: 2e-5, gradTol: 5e-5},
  {method: 'euler', h: 0.01, adjoint: 'adjoint', valueTol: 2e-2, gradTol: 2e-2},
];

function caseName(c: Case): string {
  return `${c.method}${c.h == null ? '' : ` h=${c.h}`} ${JSON.stringify(c.adjoint)}`;
}

describeEachBackend('odeint on y\' = My matches float64', () => {
  const y0Tensor = () => tf.tensor2d(Array.from(Y0), [batch, n]);
  for (const c of CASES) {
    it(caseName(c), () => {
      const discrete = c.adjoint !== 'adjoint' && c.h != null;
      const ps = propagators(c.method, M64, discrete ? c.h : null);
      const M = tf.variable(tf.tensor2d(Array.from(M64.data), [n, n]));
      const y0 = y0Tensor();
      const w = tf.tensor3d(Array.from(W), [times.length, batch, n]);
      const before = tf.memory().numTensors;
      const f = (t: tf.Scalar, y: tf.Tensor) => tf.matMul(y, M, false, true);
      const options: ls.OdeintOptions = {method: c.method, adjoint: c.adjoint, params: [M],
        ...(c.h == null ? {rtol: 1e-6, atol: 1e-8} : {stepSize: c.h})};
      const y = ls.odeint(f, y0, times, options);
      expect(relativeError(y.dataSync(), trajectory(ps))).toBeLessThan(c.valueTol);
      const {value, grads} = tf.variableGrads(() => tf.sum(tf.mul(ls.odeint(f, y0, times, options), w)) as tf.Scalar, [M]);
      const gy0 = tf.grad(z => tf.sum(tf.mul(ls.odeint(f, z, times, options), w)))(y0);
      expect(relativeError(gy0.dataSync(), gradY0(ps))).toBeLessThan(c.gradTol);
      expect(relativeError(grads[M.name].dataSync(), gradM(c.method, discrete ? c.h : null))).toBeLessThan(c.gradTol);
      tf.dispose([y, gy0, value, grads[M.name]]);
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([M, y0, w]);
    });
  }
});
