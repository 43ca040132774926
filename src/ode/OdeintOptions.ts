import * as tf from '@tensorflow/tfjs-core';
import {LinearSolveError} from '../coreApi';

/** The integrators `odeint` knows. */
export type OdeMethod = 'euler' | 'rk4' | 'dopri5' | 'backwardEuler' | 'sdirk2';

/** How gradients flow back through the trajectory. */
export type OdeAdjoint = 'direct' | 'adjoint' | {checkpoints: number};

/**
 * Options of `odeint` / `odeintWithInfo`.
 *
 * ```ts
 * ls.odeint(f, y0, [0, 1, 2], {method: 'dopri5', rtol: 1e-5, atol: 1e-7});
 * ls.odeint(f, y0, t, {method: 'rk4', stepSize: 0.01, adjoint: {checkpoints: 8}, params: [W]});
 * ```
 */
export interface OdeintOptions {
  /** Default 'dopri5' (adaptive). The others take fixed steps of `stepSize`. */
  method?: OdeMethod;
  /** Relative tolerance of dopri5's error control (default 1e-3; at least 1e-7 in float32). */
  rtol?: number;
  /** Absolute tolerance of dopri5's error control (default 1e-6). */
  atol?: number;
  /**
   * Fixed-step methods: the largest step; each interval between output times is split into
   * equal steps no longer than this (default: one step per interval). dopri5: the first step
   * (default: Hairer's heuristic).
   */
  stepSize?: number;
  /** Most steps (accepted and rejected) before a 'maxSteps' error (default 10000). */
  maxSteps?: number;
  /**
   * 'direct' (default): backprop through the integrator's ops, the exact gradient of the
   * discrete solution, memory ∝ steps. 'adjoint': the continuous adjoint ODE integrated
   * backward (Chen et al. 2018), memory independent of the steps, approximate; needs `params`.
   * `{checkpoints: k}`: keep at most k states, recompute segments in the backward: exact
   * discrete gradient, memory ∝ k + steps/k; needs `params`.
   */
  adjoint?: OdeAdjoint;
  /**
   * The tensors f reads directly that need gradients (tf.Variables or tensors). Required by
   * 'adjoint' and {checkpoints: k} (pass [] if f reads none): their forward runs inside a
   * custom op, where tensors f closes over would otherwise get no gradient.
   */
  params?: tf.Tensor[];
  /** Stiff methods: most Newton iterations per stage (default 10). */
  maxNewtonIterations?: number;
}

/** Options with defaults filled in. */
export interface ResolvedOdeOptions {
  method: OdeMethod;
  rtol: number;
  atol: number;
  stepSize: number | null;
  maxSteps: number;
  adjoint: 'direct' | 'adjoint' | {checkpoints: number};
  params: tf.Tensor[];
  maxNewtonIterations: number;
}

const METHODS: OdeMethod[] = ['euler', 'rk4', 'dopri5', 'backwardEuler', 'sdirk2'];
const KNOWN = new Set(['method', 'rtol', 'atol', 'stepSize', 'maxSteps', 'adjoint', 'params', 'maxNewtonIterations']);

function positive(value: number | undefined, name: string, fallback: number): number {
  if (value == null) return fallback;
  if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value)) {
    throw new LinearSolveError('option', `${name} must be a positive finite number; got ${value}.`);
  }
  return value;
}

/** Validates options and fills in defaults; every mistake is a LinearSolveError 'option'. */
export function resolveOdeOptions(options: OdeintOptions): ResolvedOdeOptions {
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key)) {
      throw new LinearSolveError('option', `Unknown odeint option '${key}'; known: ${[...KNOWN].join(', ')}.`);
    }
  }
  const method = options.method ?? 'dopri5';
  if (!METHODS.includes(method)) {
    throw new LinearSolveError('option', `Unknown method '${method}'; use one of ${METHODS.join(', ')}.`);
  }
  const rtol = positive(options.rtol, 'rtol', 1e-3);
  if (rtol < 1e-7) {
    throw new LinearSolveError('option', `rtol ${rtol} is below what float32 states can meet; use rtol ≥ 1e-7.`);
  }
  const atol = positive(options.atol, 'atol', 1e-6);
  const stepSize = options.stepSize == null ? null : positive(options.stepSize, 'stepSize', 0);
  const maxSteps = Math.floor(positive(options.maxSteps, 'maxSteps', 10000));
  const maxNewtonIterations = Math.floor(positive(options.maxNewtonIterations, 'maxNewtonIterations', 10));
  const adjoint = options.adjoint ?? 'direct';
  const isCheckpoints = typeof adjoint === 'object' && adjoint != null && 'checkpoints' in adjoint;
  if (adjoint !== 'direct' && adjoint !== 'adjoint' && !isCheckpoints) {
    throw new LinearSolveError('option', `adjoint must be 'direct', 'adjoint' or {checkpoints: k}; got ${JSON.stringify(adjoint)}.`);
  }
  if (isCheckpoints) {
    const k = (adjoint as {checkpoints: number}).checkpoints;
    if (!Number.isInteger(k) || k < 1) {
      throw new LinearSolveError('option', `{checkpoints: k} needs a positive integer k; got ${k}.`);
    }
  }
  const params = options.params ?? [];
  if (!Array.isArray(params) || params.some(p => !(p instanceof tf.Tensor))) {
    throw new LinearSolveError('option', 'params must be an array of tf.Tensor or tf.Variable (the tensors f reads).');
  }
  if (adjoint === 'adjoint' && (method === 'backwardEuler' || method === 'sdirk2')) {
    throw new LinearSolveError('option',
      `adjoint 'adjoint' is not available for the stiff method '${method}' (its backward ODE would need ` +
      'second derivatives of f and is unstable on stiff problems); use {checkpoints: k} or \'direct\'.');
  }
  return {method, rtol, atol, stepSize, maxSteps, adjoint, params, maxNewtonIterations};
}
