/**
 * Dense output of Dormand–Prince 5(4): the quartic through y0, y1 and y(t + h/2) with slopes
 * f0, f1 at the ends (Shampine 1986; the form torchdiffeq and diffrax use). With s ∈ [0, 1]:
 *   y(s) = (((a s + b) s + c) s + d) s + e,
 *   a = 2h(f1 − f0) − 8(y1 + y0) + 16 ym,   b = h(5f0 − 3f1) + 18y0 + 14y1 − 32ym,
 *   c = h(f1 − 4f0) − 11y0 − 5y1 + 16ym,     d = h f0,   e = y0.
 */
import * as tf from '@tensorflow/tfjs';
import {combine} from './explicitStep';
import {DOPRI5} from './tableaux';

/** y(t + s·h) inside an accepted dopri5 step with stages ks (k1 = f0, k7 = f1). */
export function dopri5Interpolate(y0: tf.Tensor, y1: tf.Tensor, ks: tf.Tensor[], h: number, s: number): tf.Tensor {
  return tf.tidy(() => {
    const f0 = ks[0];
    const f1 = ks[6];
    const ym = combine(y0, h, ks, DOPRI5.mid as number[]);
    const lin = (terms: [tf.Tensor, number][]) => tf.addN(terms.map(([x, w]) => tf.mul(x, w)));
    const a = lin([[f1, 2 * h], [f0, -2 * h], [y1, -8], [y0, -8], [ym, 16]]);
    const b = lin([[f0, 5 * h], [f1, -3 * h], [y0, 18], [y1, 14], [ym, -32]]);
    const c = lin([[f1, h], [f0, -4 * h], [y0, -11], [y1, -5], [ym, 16]]);
    const d = tf.mul(f0, h);
    // Horner in s with JS-number coefficients: one fused sum.
    return lin([[a, s ** 4], [b, s ** 3], [c, s ** 2], [d, s], [y0, 1]]);
  });
}
