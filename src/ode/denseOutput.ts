/**
 * Dense output of Dormand–Prince 5(4): the quartic through y0, y1 and y(t + h/2) with slopes
 * f0, f1 at the ends (Shampine 1986; the form torchdiffeq and diffrax use). With s ∈ [0, 1]:
 *   y(s) = (((a s + b) s + c) s + d) s + e,
 *   a = 2h(f1 − f0) − 8(y1 + y0) + 16 ym,   b = h(5f0 − 3f1) + 18y0 + 14y1 − 32ym,
 *   c = h(f1 − 4f0) − 11y0 − 5y1 + 16ym,     d = h f0,   e = y0.
 * Since y1 = y0 + hΣ b_i k_i, ym = y0 + hΣ mid_i k_i, f0 = k1 and f1 = k7, the quartic is
 * y0 + hΣ β_i(s) k_i with weights β(s) computed in JavaScript: one stage combination on the
 * device instead of four.
 */
import * as tf from '@tensorflow/tfjs-core';
import {combine} from './explicitStep';
import {DOPRI5} from './tableaux';

/** The weights β(s) with y(t + s·h) = y0 + hΣ β_i k_i. */
export function dopri5DenseWeights(s: number): number[] {
  const b = DOPRI5.b;
  const mid = DOPRI5.mid as number[];
  const last = b.length - 1;
  return b.map((bi, i) => {
    const k1 = i === 0 ? 1 : 0;
    const k7 = i === last ? 1 : 0;
    const a4 = 2 * (k7 - k1) - 8 * bi + 16 * mid[i];
    const a3 = 5 * k1 - 3 * k7 + 14 * bi - 32 * mid[i];
    const a2 = k7 - 4 * k1 - 5 * bi + 16 * mid[i];
    return (((a4 * s + a3) * s + a2) * s + k1) * s;
  });
}

/** y(t + s·h) inside an accepted dopri5 step from y0 with stages ks. */
export function dopri5Interpolate(y0: tf.Tensor, ks: tf.Tensor[], h: number, s: number): tf.Tensor {
  return combine(y0, h, ks, dopri5DenseWeights(s));
}
