/**
 * Mixed-precision iterative refinement (Wilkinson 1963; Moler 1967; LAPACK's dsgesv and the
 * extra-precise sgesvxx of Demmel, Hida, Kahan, Li, Mukherjee & Riedy, "Error bounds from
 * extra-precise iterative refinement", ACM TOMS 32(2), 2006):
 *
 *     x₀ = the float32 solve;  repeat:  rᵢ = b − A xᵢ  (extended precision)
 *                                       A dᵢ = rᵢ       (float32: the same factors or Krylov method)
 *                                       xᵢ₊₁ = xᵢ + dᵢ  (kept as a double-float pair hi + lo)
 *
 * Each step multiplies the forward error by about κ·ε₃₂ (direct) or the inner solve's
 * relative accuracy (Krylov), so for κ·ε₃₂ < 1 it converges to the solution of the float32
 * inputs to extended precision, far below float32's κ·ε. It stops when the pair meets
 * `rtol` (if asked), when the correction falls below float32's resolution of x, when a
 * correction fails to halve (no more progress: Demmel et al.'s ρ = 0.5), or after `steps`.
 * ‖dᵢ‖/‖xᵢ‖, the last correction, is the forward-error estimate.
 */
import * as tf from '@tensorflow/tfjs';
import {LinearOperator} from '../../operators/LinearOperator';
import {ResolvedRefine, RefinePrecision} from './RefineOptions';
import {residualEvaluator} from './extendedResidual';
import * as df from './doubleFloat';

/** Half a float32 ulp, relative: a correction below it cannot change the float32 x. */
const FLOAT32_ROUNDING = 2 ** -24;
/** A correction that does not halve the previous one means refinement stopped converging. */
const CONTRACTION = 0.5;

/** What refinement reached: the pair (canonical shape), its residual and its forward-error estimate. */
export interface Refinement {
  hi: tf.Tensor;
  lo: tf.Tensor;
  /** max over columns of ‖b − A(hi + lo)‖/‖b‖, measured in extended precision. */
  relativeResidual: number;
  /** max over columns of ‖b − A(hi + lo)‖, measured in extended precision. */
  absoluteResidual: number;
  /** ‖b − A x‖/‖b‖ of x = hi rounded to float32, in extended precision (float32's floor for this A and x). */
  roundedResidual: number;
  /** max over columns of ‖dₗₐₛₜ‖∞/‖x‖∞: an estimate of ‖x − x*‖∞/‖x*‖∞ for the pair. */
  forwardErrorEstimate: number;
  /** Corrections applied. */
  steps: number;
  precision: RefinePrecision;
}

/**
 * Refines `x0` (canonical, float32) for A x = b with `correct(r)` ≈ A⁻¹r in float32. Returns
 * new tensors; the caller owns them and keeps `x0`.
 */
export function refineSolution(operator: LinearOperator, b: tf.Tensor, x0: tf.Tensor,
    correct: (r: tf.Tensor) => tf.Tensor, settings: ResolvedRefine, rtol: number): Refinement {
  const evaluator = residualEvaluator(operator, b, settings.precision);
  let hi = tf.clone(x0);
  let lo = tf.zerosLike(x0);
  let residual: {r: tf.Tensor | null; relative: number; absolute: number} = evaluator.residual(hi, lo);
  let steps = 0;
  let estimate = NaN;
  let previous = Infinity;
  try {
    const target = settings.rtol ?? rtol;
    while (steps < settings.steps) {
      const d = correct(residual.r as tf.Tensor);
      const size = relativeCorrection(d, hi);
      if (!Number.isFinite(size)) { d.dispose(); break; }
      const next = tf.tidy(() => {
        const sum = df.add({hi, lo}, {hi: d, lo: tf.zerosLike(d)});
        return {hi: sum.hi, lo: sum.lo};
      }) as {hi: tf.Tensor; lo: tf.Tensor};
      tf.dispose([hi, lo, d, residual.r as tf.Tensor]);
      residual.r = null;
      ({hi, lo} = next);
      steps++;
      estimate = size;
      residual = evaluator.residual(hi, lo);
      const resolved = settings.rtol != null ? residual.relative <= target :
        residual.relative <= target && size <= FLOAT32_ROUNDING;
      if (resolved || size > CONTRACTION * previous) break;
      previous = size;
    }
    const zero = tf.zerosLike(lo);
    const rounded = evaluator.residual(hi, zero);
    tf.dispose([rounded.r, zero]);
    return {hi, lo, relativeResidual: residual.relative, absoluteResidual: residual.absolute, roundedResidual: rounded.relative,
      forwardErrorEstimate: estimate, steps, precision: settings.precision};
  } catch (error) {
    tf.dispose([hi, lo]);
    throw error;
  } finally {
    if (residual.r != null) residual.r.dispose();
    evaluator.dispose();
  }
}

/** max over columns of ‖d‖∞/‖x‖∞ (0/0 → 0). */
function relativeCorrection(d: tf.Tensor, x: tf.Tensor): number {
  const t = tf.tidy(() => {
    const dn = tf.max(tf.abs(d), -2);
    const xn = tf.max(tf.abs(x), -2);
    return tf.max(tf.where(tf.equal(dn, 0), tf.zerosLike(dn), tf.div(dn, xn)));
  });
  const v = t.dataSync()[0];
  t.dispose();
  return v;
}
