/**
 * The integration loops. A run is described by a `Plan`: the accepted steps (t, h) as float64
 * JS numbers and where each output time falls (step index and fraction s ∈ (0, 1]). The
 * adaptive loop (dopri5) discovers the plan; fixed-step methods compute it up front, with every
 * output time on the grid. Replaying a plan (for checkpointed gradients) repeats the same
 * arithmetic step by step, so its result is the forward's.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as ls from '../coreApi';
import {dopri5Interpolate} from './denseOutput';
import {Dynamics, explicitStep} from './explicitStep';
import {backwardEulerStep, NewtonSpec, sdirk2Step} from './implicitStep';
import {OdeMethod} from './OdeintOptions';
import {errorRatio, initialStep, NormSpec, StepController} from './stepControl';
import {DOPRI5, EULER, RK4} from './tableaux';
import {untaped} from './vjp';

/** The accepted steps of a run and where its outputs lie. */
export interface Plan {
  steps: {t: number; h: number}[];
  /** Output i lies in step `step` at fraction s (step −1: the initial state). */
  outputs: {step: number; s: number}[];
}

/** What a run needs to know beyond the dynamics. */
export interface IntegrateSpec extends NormSpec, NewtonSpec {
  method: OdeMethod;
  stepSize: number | null;
  maxSteps: number;
}

/** Counts of a forward run. */
export interface IntegrateStats {
  steps: number;
  rejected: number;
}

/** Called with the state at the start of each accepted step (index 0 is y0). */
export type OnState = (index: number, y: tf.Tensor) => void;

/** The grid of a fixed-step run: each output interval in equal steps no longer than stepSize. */
export function fixedPlan(times: number[], stepSize: number | null, maxSteps: number): Plan {
  const plan: Plan = {steps: [], outputs: [{step: -1, s: 0}]};
  for (let i = 1; i < times.length; i++) {
    const span = times[i] - times[i - 1];
    const m = stepSize == null ? 1 : Math.max(1, Math.ceil(span / stepSize - 1e-9));
    if (plan.steps.length + m > maxSteps) {
      throw new ls.LinearSolveError('maxSteps',
        `stepSize ${stepSize} needs more than maxSteps = ${maxSteps} steps over [${times[0]}, ${times[times.length - 1]}]; ` +
        'raise maxSteps or the stepSize.');
    }
    for (let j = 0; j < m; j++) plan.steps.push({t: times[i - 1] + j * span / m, h: span / m});
    plan.outputs.push({step: plan.steps.length - 1, s: 1});
  }
  return plan;
}

/** One step of a fixed-step method. */
function fixedStep(method: OdeMethod, dynamics: Dynamics, t: number, h: number, y: tf.Tensor,
    spec: IntegrateSpec): {y1: tf.Tensor; ks: tf.Tensor[]} {
  switch (method) {
    case 'euler': return explicitStep(EULER, dynamics, t, h, y);
    case 'rk4': return explicitStep(RK4, dynamics, t, h, y);
    case 'dopri5': return explicitStep(DOPRI5, dynamics, t, h, y);
    case 'backwardEuler': return {y1: backwardEulerStep(dynamics, t, h, y, spec), ks: []};
    case 'sdirk2': return {y1: sdirk2Step(dynamics, t, h, y, spec), ks: []};
  }
}

function requireFinite(y: tf.Tensor, t: number, h: number, method: OdeMethod): void {
  const finite = untaped(() => tf.tidy(() => tf.sum(tf.mul(0, y)).dataSync()[0]));
  if (!Number.isFinite(finite)) {
    throw new ls.LinearSolveError('nonFinite',
      `The state became non-finite by t = ${t} with ${method} steps of ${h.toPrecision(3)}. ` +
      (method === 'euler' || method === 'rk4'
        ? 'An explicit method is unstable when the step times the largest |eigenvalue| of ∂f/∂y is large: use a ' +
          "smaller stepSize, 'dopri5', or a stiff method ('backwardEuler', 'sdirk2')."
        : 'Check f for NaN/Inf, or use a smaller stepSize.'));
  }
}

/**
 * Runs steps [from, to) of a plan from state y (y is not disposed). Returns the state after the
 * last step and the outputs that lie in those steps, as [output index, tensor] pairs.
 * `check` tests outputs for finiteness (forward runs of fixed-step methods).
 */
export function runPlan(dynamics: Dynamics, y: tf.Tensor, plan: Plan, from: number, to: number,
    spec: IntegrateSpec, check: boolean, onState?: OnState): {y: tf.Tensor; outputs: [number, tf.Tensor][]} {
  const outputs: [number, tf.Tensor][] = [];
  let next = plan.outputs.findIndex(o => o.step >= from);
  if (next < 0) next = plan.outputs.length;
  let state = y;
  for (let i = from; i < to; i++) {
    onState?.(i, state);
    const {t, h} = plan.steps[i];
    const previous = state;
    const taken = tf.tidy(() => {
      const {y1, ks} = fixedStep(spec.method, dynamics, t, h, previous, spec);
      const found: [number, tf.Tensor][] = [];
      for (let o = next; o < plan.outputs.length && plan.outputs[o].step === i; o++) {
        const s = plan.outputs[o].s;
        found.push([o, s >= 1 ? tf.clone(y1) : dopri5Interpolate(previous, ks, h, s)]);
      }
      return {y1, found: found.map(f => f[1])};
    });
    taken.found.forEach(tensor => { outputs.push([next, tensor]); next++; });
    if (previous !== y) previous.dispose();
    state = taken.y1;
    if (check && plan.outputs.some(o => o.step === i)) requireFinite(state, t + h, h, spec.method);
  }
  return {y: state === y ? tf.clone(y) : state, outputs};
}

/**
 * The adaptive Dormand–Prince loop: PI-controlled steps, dense output at the requested times,
 * the last step snapped to the final time. Returns the outputs (y0 first, not copied), the plan
 * and the counts; throws 'stepSize', 'maxSteps' or 'nonFinite' LinearSolveErrors.
 */
export function integrateAdaptive(dynamics: Dynamics, y0: tf.Tensor, times: number[], spec: IntegrateSpec,
    onState?: OnState): {outputs: tf.Tensor[]; plan: Plan; stats: IntegrateStats} {
  const plan: Plan = {steps: [], outputs: [{step: -1, s: 0}]};
  const outputs: tf.Tensor[] = [y0];
  const tEnd = times[times.length - 1];
  const controller = new StepController(DOPRI5.order);
  let t = times[0];
  let y = y0;
  let k1 = dynamics(t, y0);
  let h = spec.stepSize ?? initialStep(dynamics, t, y0, k1, DOPRI5.order, spec, tEnd - t);
  let attempts = 0;
  let rejected = 0;
  let lastNonFinite = false;
  const release = (x: tf.Tensor) => { if (x !== y0) x.dispose(); };
  while (outputs.length < times.length) {
    if (++attempts > spec.maxSteps) {
      throw new ls.LinearSolveError('maxSteps',
        `dopri5 took more than maxSteps = ${spec.maxSteps} steps and reached t = ${t} of ${tEnd}; ` +
        'raise maxSteps, loosen rtol/atol, or for a stiff problem use \'sdirk2\' or \'backwardEuler\'.');
    }
    const last = t + h >= tEnd;
    if (last) h = tEnd - t;
    if (!(h > 0) || t + h === t) {
      throw new ls.LinearSolveError(lastNonFinite ? 'nonFinite' : 'stepSize',
        `dopri5's step fell to ${h} at t = ${t}` +
        (lastNonFinite ? ' because f or the state became non-finite (NaN/Inf); check f near this time.'
          : '; the problem is likely stiff or singular there: use \'sdirk2\' / \'backwardEuler\' or loosen rtol/atol.'));
    }
    const step = tf.tidy(() => {
      const {y1, ks} = explicitStep(DOPRI5, dynamics, t, h, y, k1);
      const error = tf.addN(ks.map((k, i) => tf.mul(k, (DOPRI5.error as number[])[i] * h)));
      return {y1, ks, error};
    });
    const ratio = errorRatio(y, step.y1, step.error, spec);
    step.error.dispose();
    if (ratio <= 1) {
      plan.steps.push({t, h});
      const tNew = last ? tEnd : t + h;
      while (outputs.length < times.length && times[outputs.length] <= tNew) {
        const s = times[outputs.length] >= tNew ? 1 : (times[outputs.length] - t) / h;
        plan.outputs.push({step: plan.steps.length - 1, s});
        outputs.push(s >= 1 ? tf.clone(step.y1) : dopri5Interpolate(y, step.ks, h, s));
      }
      onState?.(plan.steps.length - 1, y);
      step.ks.slice(1, 6).forEach(k => k.dispose());
      if (step.ks[0] !== k1) step.ks[0].dispose();
      k1.dispose();
      release(y);
      y = step.y1;
      k1 = step.ks[6];
      t = tNew;
      h *= controller.accept(ratio);
      lastNonFinite = false;
    } else {
      rejected++;
      lastNonFinite = !Number.isFinite(ratio);
      step.ks.slice(1).forEach(k => k.dispose());
      step.y1.dispose();
      h *= controller.reject(ratio);
    }
  }
  k1.dispose();
  release(y);
  return {outputs, plan, stats: {steps: plan.steps.length, rejected}};
}

/** Any method: outputs at `times` (y0 first, not copied), the plan and the counts. */
export function integrate(dynamics: Dynamics, y0: tf.Tensor, times: number[], spec: IntegrateSpec,
    onState?: OnState): {outputs: tf.Tensor[]; plan: Plan; stats: IntegrateStats} {
  if (spec.method === 'dopri5') return integrateAdaptive(dynamics, y0, times, spec, onState);
  const plan = fixedPlan(times, spec.stepSize, spec.maxSteps);
  const run = runPlan(dynamics, y0, plan, 0, plan.steps.length, spec, true, onState);
  run.y.dispose();
  return {outputs: [y0, ...run.outputs.map(o => o[1])], plan, stats: {steps: plan.steps.length, rejected: 0}};
}
