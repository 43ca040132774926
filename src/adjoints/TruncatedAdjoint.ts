/**
 * Truncated backpropagation: solve off the tape, then take k taped steps of a linear iteration
 * that converges for every nonsingular A (see `truncatedSteps`): damped preconditioned
 * Richardson x ← x + ωM(b − Ax) when A is promised SPD, Landweber on the preconditioned normal
 * equations x ← x + ωAᵀMᵀM(b − Ax) otherwise, ω = 1/(1.1·λ̂max) from power iterations off the
 * tape (M = diag(A)⁻¹ unless a preconditioner is given). The returned value is the certified
 * solution x̂ itself: x = x̂ + (xₖ − stop(xₖ)), whose value is exactly x̂ (xₖ − xₖ = 0 for
 * finite xₖ) and whose gradient is that of the k-step map xₖ(A, b, M). That gradient is a
 * k-term Neumann series of A⁻¹ (Liao et al., "Reviving and Improving Recurrent
 * Back-Propagation", 2018; Lorraine et al. 2020), and its error against the implicit gradient
 * is λ* − λₖ = Eᵀᵏλ* (Richardson, E = I − ωMA) or A⁻ᵀEᵏg (normal, E = I − ωAᵀMᵀMA), so
 *
 *     ‖λₖ − λ*‖ ≲ (1 − 1/(1.1·κ(MA)))ᵏ ‖λ*‖    (SPD)
 *     ‖λₖ − λ*‖ ≲ (1 − 1/(1.1·κ(MA)²))ᵏ ‖λ*‖   (any nonsingular A)
 *
 * falling with k at that rate down to float32 rounding. Memory is k steps, not the whole
 * solve, and a learned M gets a gradient (proportional to the residual of x̂, since the exact
 * solution does not depend on M).
 */
import * as tf from '@tensorflow/tfjs-core';
import {Adjoint, SolveProblem} from './Adjoint';
import {reportFailure} from './reportFailure';
import {SolveStats} from '../core/SolveStats';
import {isRecording, offTape} from '../core/tape';
import {stopGradient} from '../solvers/linalg';
import {LinearSolveError} from '../core/LinearSolveError';
import {TruncatedSteps} from './truncatedSteps';
import {computeScaled} from '../solvers/scaledCompute';

/** Off-tape solve, then `steps` taped damped steps whose gradient stands in for A⁻ᵀ. */
export class TruncatedAdjoint implements Adjoint {
  readonly name: string;

  constructor(readonly steps: number) {
    if (!(Number.isInteger(steps) && steps >= 1)) {
      throw new LinearSolveError('option', `adjoint {truncated: k} needs an integer k ≥ 1, got ${steps}.`);
    }
    this.name = `truncated(${steps})`;
  }

  solve({operator, solver, b, options}: SolveProblem): {x: tf.Tensor; outcome: SolveStats} {
    // Built first: a missing Aᵀ or Mᵀ fails here, before any solve.
    const taped = isRecording() ? TruncatedSteps.create(operator, solver, options) : null;
    try {
      let diagnostics: Omit<SolveStats, 'method'> | null = null;
      const xHat = offTape(() => {
        const state = solver.init(operator, options);
        try {
          const {x, ...rest} = computeScaled(solver, state, b, options);
          diagnostics = rest;
          return x;
        } finally {
          tf.dispose(state.tensors);
        }
      });
      let outcome: SolveStats;
      try {
        outcome = reportFailure({...(diagnostics as unknown as Omit<SolveStats, 'method'>), method: solver.name},
          operator, b, options.onFailure, options.rtol);
      } catch (error) {
        xHat.dispose();
        throw error;
      }
      if (taped == null) return {x: xHat, outcome};
      const x = tf.tidy(() => {
        const xk = taped.run(xHat, b, this.steps);
        return tf.add(xHat, tf.sub(xk, stopGradient(xk)));
      });
      xHat.dispose();
      return {x, outcome};
    } finally {
      taped?.dispose();
    }
  }
}
