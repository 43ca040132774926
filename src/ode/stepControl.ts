/**
 * Error norms, the initial step and the PI step-size controller of the adaptive integrator.
 *
 * Norm: each element of the error is divided by atol + rtol·max(|y0|, |y1|); the ratio is the
 * RMS of that, per sample for a batched state [batch, …] and then the max over samples (one
 * hard sample is not diluted by easy ones). A prefix length restricts it to the leading
 * elements of a flat state (the adjoint's seminorm: the parameter quadrature is left out,
 * Kidger, Chen & Lyons 2021).
 * Initial step: Hairer, Nørsett & Wanner I, §II.4. Controller: the PI controller of Hairer's
 * DOPRI5 code (Gustafsson's stabilisation, β = 0.04): factor = 0.9·err^(−1/5 + 0.75β)·err_prev^β,
 * clamped to [0.2, 10], never growing right after a rejection. All of it is JS numbers off the
 * tape: one scalar readback per step.
 */
import * as tf from '@tensorflow/tfjs-core';
import {Dynamics} from './explicitStep';
import {untaped} from './vjp';

/** How the error of a state is measured. */
export interface NormSpec {
  rtol: number;
  atol: number;
  /** Norm over the first `prefix` elements of the flattened state only (null: all). */
  prefix: number | null;
}

/** RMS of x / scale per sample (or over the prefix), max over samples, as a scalar tensor. */
function scaledRms(x: tf.Tensor, scale: tf.Tensor, spec: NormSpec): tf.Tensor {
  const r = tf.div(x, scale);
  if (spec.prefix != null) {
    const flat = tf.slice(tf.reshape(r, [-1]), 0, spec.prefix);
    return tf.sqrt(tf.mean(tf.square(flat)));
  }
  if (r.rank < 2) return tf.sqrt(tf.mean(tf.square(r)));
  const perSample = tf.sqrt(tf.mean(tf.square(tf.reshape(r, [r.shape[0], -1])), 1));
  return tf.max(perSample);
}

/**
 * The scaled error ratio of a step as a JS number (≤ 1 accepts); NaN when y1 is not finite,
 * which rejects the step.
 */
export function errorRatio(y0: tf.Tensor, y1: tf.Tensor, error: tf.Tensor, spec: NormSpec): number {
  return untaped(() => tf.tidy(() => {
    const scale = tf.add(spec.atol, tf.mul(spec.rtol, tf.maximum(tf.abs(y0), tf.abs(y1))));
    // 0·sum(y1) is NaN exactly when y1 holds an Inf or a NaN.
    const ratio = tf.add(scaledRms(error, scale, spec), tf.mul(0, tf.sum(y1)));
    return ratio.dataSync()[0];
  }));
}

/** Hairer's starting step for a method whose error is O(h^order), at most `span`. */
export function initialStep(dynamics: Dynamics, t0: number, y0: tf.Tensor, f0: tf.Tensor, order: number,
    spec: NormSpec, span: number): number {
  return untaped(() => tf.tidy(() => {
    const scale = tf.add(spec.atol, tf.mul(spec.rtol, tf.abs(y0)));
    const d0 = scaledRms(y0, scale, spec).dataSync()[0];
    const d1 = scaledRms(f0, scale, spec).dataSync()[0];
    const h0 = d0 < 1e-5 || d1 < 1e-5 ? 1e-6 : 0.01 * d0 / d1;
    const f1 = dynamics(t0 + h0, tf.add(y0, tf.mul(f0, h0)));
    const d2 = scaledRms(tf.sub(f1, f0), scale, spec).dataSync()[0] / h0;
    const dMax = Math.max(d1, d2);
    const h1 = dMax <= 1e-15 ? Math.max(1e-6, h0 * 1e-3) : (0.01 / dMax) ** (1 / order);
    const h = Math.min(100 * h0, h1, span);
    return Number.isFinite(h) && h > 0 ? h : Math.min(1e-6, span);
  }));
}

/** The PI controller's memory between steps. */
export class StepController {
  private previousError = 1e-4;
  private rejectedLast = false;
  private readonly beta = 0.04;
  private readonly exponent: number;

  constructor(order: number) {
    this.exponent = 1 / order - 0.75 * this.beta;
  }

  /** The factor for the next step after an accepted step with error ratio `ratio`. */
  accept(ratio: number): number {
    const r = Math.max(ratio, 1e-10);
    let factor = 0.9 * r ** -this.exponent * this.previousError ** this.beta;
    factor = Math.min(10, Math.max(0.2, factor));
    if (this.rejectedLast) factor = Math.min(1, factor);
    this.previousError = Math.max(ratio, 1e-4);
    this.rejectedLast = false;
    return factor;
  }

  /** The factor after a rejected step (NaN ratio: a non-finite state, shrink hard). */
  reject(ratio: number): number {
    this.rejectedLast = true;
    if (!Number.isFinite(ratio)) return 0.2;
    return Math.min(0.9, Math.max(0.2, 0.9 * ratio ** -this.exponent));
  }
}
