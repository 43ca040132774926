/**
 * Truncated backpropagation: solve off the tape, then take k taped steps of preconditioned
 * Richardson iteration x ← x + M(b − A x) from the converged x̂ (M = diag(A)⁻¹ unless a
 * preconditioner is given). The value is x̂ after those k steps, which move it by at most about
 * k·‖M‖·‖b − A x̂‖ (little, for a converged x̂); the
 * gradient is the k-term Neumann series λ ≈ Σᵢ₍ᵢ<ₖ₎ (I − MA)ᵀⁱ Mᵀ g (Liao et al., "Reviving
 * and Improving Recurrent Back-Propagation", 2018; Lorraine et al. 2020), exact as k → ∞
 * when ρ(I − MA) < 1. Memory is k steps, not the whole solve, and a learned M gets a gradient.
 */
import * as tf from '@tensorflow/tfjs';
import {Adjoint, SolveProblem} from './Adjoint';
import {reportFailure} from './reportFailure';
import {SolveStats} from '../core/SolveStats';
import {initIterative} from '../solvers/krylov/iterative';
import {offTape} from '../core/tape';
import {LinearSolveError} from '../core/LinearSolveError';

/** Off-tape solve, then `steps` taped Richardson steps. */
export class TruncatedAdjoint implements Adjoint {
  readonly name: string;

  constructor(readonly steps: number) {
    if (!(Number.isInteger(steps) && steps >= 1)) {
      throw new LinearSolveError('option', `adjoint {truncated: k} needs an integer k ≥ 1, got ${steps}.`);
    }
    this.name = `truncated(${steps})`;
  }

  solve({operator, solver, b, options}: SolveProblem): {x: tf.Tensor; outcome: SolveStats} {
    let diagnostics: Omit<SolveStats, 'method'> | null = null;
    const xHat = offTape(() => {
      const state = solver.init(operator, options);
      try {
        const {x, ...rest} = solver.compute(state, b, options);
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
    const x = tf.tidy(() => {
      const richardson = initIterative(operator, {...options, preconditioner: options.preconditioner ?? 'jacobi'});
      let xk = xHat;
      for (let i = 0; i < this.steps; i++) {
        xk = tf.add(xk, richardson.precondition(tf.sub(b, operator.apply(xk))));
      }
      return xk;
    });
    xHat.dispose();
    return {x, outcome};
  }
}
