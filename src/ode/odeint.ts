import * as tf from '@tensorflow/tfjs-core';
import * as ls from '../coreApi';
import {adjointOdeint} from './adjointGradient';
import {checkpointedOdeint} from './checkpointGradient';
import {Dynamics} from './explicitStep';
import {integrate, IntegrateSpec, IntegrateStats} from './integrate';
import {OdeintOptions, resolveOdeOptions} from './OdeintOptions';

/** The right-hand side of dy/dt = f(t, y): t a float32 scalar, y shaped like y0; returns y's shape. */
export type OdeFunction = (t: tf.Scalar, y: tf.Tensor) => tf.Tensor;

/** What `odeintWithInfo` returns. */
export interface OdeintResult {
  /** y at each requested time, [T, ...y0.shape]; differentiable as `adjoint` says. */
  y: tf.Tensor;
  /** Accepted steps of the forward. */
  steps: number;
  /** Rejected steps of the forward (dopri5 only). */
  rejected: number;
  /** Evaluations of f in the forward (Jacobian VJPs of the stiff methods count one each). */
  functionEvaluations: number;
  /** 'success'; failures throw a LinearSolveError instead. */
  status: 'success';
}

function timesOf(t: number[] | tf.Tensor1D): number[] {
  const times = t instanceof tf.Tensor ? Array.from(t.dataSync()) : t;
  if (!Array.isArray(times) || times.length < 1 || times.some(x => typeof x !== 'number' || !Number.isFinite(x))) {
    throw new ls.LinearSolveError('shape', 't must be a non-empty array (or 1-D tensor) of finite times.');
  }
  for (let i = 1; i < times.length; i++) {
    if (!(times[i] > times[i - 1])) {
      throw new ls.LinearSolveError('option',
        `t must be strictly increasing; t[${i - 1}] = ${times[i - 1]}, t[${i}] = ${times[i]}. ` +
        'For a backward-in-time solve, substitute s = −t.');
    }
  }
  return times;
}

/** Wraps f: time as a float32 scalar, shape checked, evaluations counted. */
function dynamicsOf(f: OdeFunction, shape: number[], counter: {count: number}): Dynamics {
  return (t, y) => {
    counter.count++;
    const dydt = tf.tidy(() => f(tf.scalar(t), y));
    if (!(dydt instanceof tf.Tensor) || dydt.shape.length !== y.shape.length || dydt.shape.some((d, i) => d !== y.shape[i])) {
      const got = dydt instanceof tf.Tensor ? `[${dydt.shape}]` : typeof dydt;
      if (dydt instanceof tf.Tensor) dydt.dispose();
      throw new ls.LinearSolveError('shape', `f(t, y) returned ${got}, but y has shape [${y.shape}]; f must return dy/dt shaped like y.`);
    }
    return dydt;
  };
}

/**
 * Integrates dy/dt = f(t, y) from y(t[0]) = y0 and reports how: `{y, steps, rejected,
 * functionEvaluations, status}`. Options and gradients as for `odeint`.
 *
 * ```ts
 * const {y, steps, functionEvaluations} = ls.odeintWithInfo((t, y) => tf.neg(y), tf.ones([3]), [0, 1]);
 * console.log(`${steps} steps, ${functionEvaluations} evaluations`);
 * ```
 */
export function odeintWithInfo(f: OdeFunction, y0: tf.Tensor, t: number[] | tf.Tensor1D,
    options: OdeintOptions = {}): OdeintResult {
  const resolved = resolveOdeOptions(options);
  const times = timesOf(t);
  if (!(y0 instanceof tf.Tensor) || y0.dtype !== 'float32') {
    throw new ls.LinearSolveError('dtype', 'y0 must be a float32 tf.Tensor.');
  }
  if (resolved.adjoint !== 'direct' && options.params == null) {
    // The forward runs inside a custom op: tensors f closes over would silently get no gradient.
    throw new ls.LinearSolveError('option',
      `adjoint ${JSON.stringify(resolved.adjoint)} needs params: the tensors (tf.Variables) f reads, e.g. ` +
      "{adjoint: 'adjoint', params: [W, b]} (params: [] if f reads none); their gradients come from the backward pass.");
  }
  const counter = {count: 0};
  const dynamics = dynamicsOf(f, y0.shape, counter);
  const spec: IntegrateSpec = {
    method: resolved.method, stepSize: resolved.stepSize, maxSteps: resolved.maxSteps,
    rtol: resolved.rtol, atol: resolved.atol, prefix: null, maxIterations: resolved.maxNewtonIterations,
  };
  let stats: IntegrateStats = {steps: 0, rejected: 0};
  const y = tf.tidy(() => {
    if (times.length === 1) return tf.expandDims(y0, 0);
    const adjoint = resolved.adjoint;
    if (adjoint === 'direct') {
      const run = integrate(dynamics, y0, times, spec);
      stats = run.stats;
      return tf.stack(run.outputs);
    }
    const onStats = (s: IntegrateStats) => { stats = s; };
    if (adjoint === 'adjoint') return adjointOdeint(dynamics, y0, times, spec, resolved.params, onStats);
    return checkpointedOdeint(dynamics, y0, times, spec, resolved.params, adjoint.checkpoints, onStats);
  });
  return {y, steps: stats.steps, rejected: stats.rejected, functionEvaluations: counter.count, status: 'success'};
}

/**
 * Integrates dy/dt = f(t, y), y(t[0]) = y0, and returns y at every time in t: `[T, ...y0.shape]`.
 *
 * Methods: 'dopri5' (default; Dormand–Prince 5(4), PI step control, quartic dense output),
 * 'rk4' (classic RK4), 'euler', and the stiff 'backwardEuler' and 'sdirk2' (L-stable, each
 * Newton step an `ls.solve`). A batched state `[batch, n]` is integrated as one system with
 * the error controlled per sample (the worst sample sets the step).
 * Gradients: `adjoint: 'direct'` (backprop through the steps), `'adjoint'` (the backward adjoint
 * ODE; O(1) memory in the steps; pass `params`) or `{checkpoints: k}` (exact, memory ∝ k; pass
 * `params`). Failures (non-finite state, step underflow, maxSteps) throw a LinearSolveError.
 *
 * ```ts
 * const M = tf.tensor2d([[0, 1], [-1, 0]]);
 * const f = (t: tf.Scalar, y: tf.Tensor) => tf.matMul(y, M, false, true);   // y' = M y per row
 * const y = ls.odeint(f, tf.tensor2d([[1, 0]]), [0, Math.PI / 2, Math.PI]); // [3, 1, 2]
 * const dy0 = tf.grad(y0 => tf.sum(ls.odeint(f, y0, [0, 1])))(tf.tensor2d([[1, 0]]));
 * ```
 */
export function odeint(f: OdeFunction, y0: tf.Tensor, t: number[] | tf.Tensor1D, options: OdeintOptions = {}): tf.Tensor {
  return odeintWithInfo(f, y0, t, options).y;
}
