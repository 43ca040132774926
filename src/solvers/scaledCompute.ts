/**
 * Every solve runs on right-hand sides scaled to max|bⱼ| ∈ [1, 2) per column by a power of
 * two (exact in floating point), and x is scaled back: x = s·A⁻¹(b/s). Squared norms in the
 * solvers then neither underflow (b = 1e-25: ‖b‖² = 0 in float32, so x = 0 passed for
 * converged) nor overflow (b = 1e20), as LAPACK's `snrm2` avoids by scaling before squaring.
 * Tolerances are relative, so they are unchanged; atol and x0 are scaled with b.
 */
import * as tf from '@tensorflow/tfjs-core';
import {Solver, SolverOptions, SolverResult, SolverState} from './Solver';
import {isRecording, offTape} from '../core/tape';
import {kernels} from '../kernels';
import {Readbacks, readSync} from '../core/readbacks';

/** s = 2^⌊log₂ max|bⱼ|⌋ per column `[..., 1, k]`, and 1 for a zero or non-finite column. */
export function columnScale(b: tf.Tensor): tf.Tensor {
  return isRecording() ? offTape(() => kernels().columnScale(b)) : kernels().columnScale(b);
}

/** `solver.compute` on b/s, returning s·x with the same diagnostics (relative, so unchanged). */
export function computeScaled(solver: Solver, state: SolverState, b: tf.Tensor, options: SolverOptions): SolverResult {
  return readSync(computeScaledSteps(solver, state, b, options, false));
}

/**
 * `computeScaled`, pausing at each readback (see `Readbacks`). With `stepwise` it runs the
 * solver's `computeSteps` where it has one; else its `compute`, which reads for itself.
 */
export function* computeScaledSteps(solver: Solver, state: SolverState, b: tf.Tensor, options: SolverOptions,
    stepwise: boolean): Readbacks<SolverResult> {
  const column = columnScale(b);
  // One column: a scalar s, which the cpu backend broadcasts with a flat loop (a [1, 1] s takes
  // its per-element index arithmetic, ~10 ms per product at n = 65536).
  const s = column.size === 1 ? tf.reshape(column, []) : column;
  if (s !== column) column.dispose();
  try {
    const scaled = tf.div(b, s);
    const atol = options.atol;
    const x0 = options.x0 == null ? null : tf.div(options.x0, s);
    const atolScaled = typeof atol === 'number' && atol === 0 ? 0 : tf.div(atol, s);
    try {
      const scaledOptions = {...options, x0, atol: atolScaled};
      const result = stepwise && solver.computeSteps != null ?
        yield* solver.computeSteps(state, scaled, scaledOptions) : solver.compute(state, scaled, scaledOptions);
      const x = tf.mul(result.x, s);
      result.x.dispose();
      // Scaling back can overflow (A ~ 1e-29, b ~ 1e29 gives x ~ 1e58): the solver saw a finite x.
      if (result.status === 'converged' && x.size > 0) {
        let finite: number;
        try {
          [finite] = yield () => [tf.cast(tf.all(tf.isFinite(x)), 'float32')];
        } catch (error) {
          x.dispose();
          throw error;
        }
        if (finite !== 1) return {...result, x, status: 'nonFinite'};
      }
      return {...result, x};
    } finally {
      tf.dispose([scaled, ...(x0 == null ? [] : [x0]), ...(typeof atolScaled === 'number' ? [] : [atolScaled])]);
    }
  } finally {
    s.dispose();
  }
}
