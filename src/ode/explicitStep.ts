/**
 * One step of an explicit Runge–Kutta method given by its Butcher tableau (Hairer, Nørsett &
 * Wanner, Solving ODEs I, §II.1): k_i = f(t + c_i h, y0 + hΣ_j a_ij k_j), y1 = y0 + hΣ b_i k_i.
 */
import * as tf from '@tensorflow/tfjs-core';
import {ExplicitTableau} from './tableaux';

/** The right-hand side with time as a float64 JS number (made a float32 scalar only for f). */
export type Dynamics = (t: number, y: tf.Tensor) => tf.Tensor;

/** y0 + hΣ w_i k_i, skipping zero weights. */
export function combine(y0: tf.Tensor, h: number, ks: tf.Tensor[], weights: number[]): tf.Tensor {
  const terms: tf.Tensor[] = [];
  weights.forEach((w, j) => { if (w !== 0) terms.push(tf.mul(ks[j], w * h)); });
  if (terms.length === 0) return tf.clone(y0);
  return tf.add(y0, terms.length === 1 ? terms[0] : tf.addN(terms));
}

/** What one explicit step produced: the new state and the stages (for errors and dense output). */
export interface ExplicitStepResult {
  y1: tf.Tensor;
  ks: tf.Tensor[];
}

/**
 * Takes one step of `tableau` from (t, y0) with step h. `k1` = f(t, y0) when already known
 * (FSAL). With FSAL the last stage's input is y1 itself, so y1 costs no extra combination.
 */
export function explicitStep(tableau: ExplicitTableau, dynamics: Dynamics, t: number, h: number,
    y0: tf.Tensor, k1?: tf.Tensor): ExplicitStepResult {
  const ks = [k1 ?? dynamics(t, y0)];
  let last: tf.Tensor = y0;
  for (let i = 1; i < tableau.c.length; i++) {
    last = combine(y0, h, ks, tableau.a[i]);
    ks.push(dynamics(t + tableau.c[i] * h, last));
  }
  const y1 = tableau.fsal ? last : combine(y0, h, ks, tableau.b);
  return {y1, ks};
}
