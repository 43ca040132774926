/**
 * BiCGStab, van der Vorst's stabilised biconjugate gradients for general nonsymmetric A
 * (van der Vorst 1992; Saad, Iterative Methods for Sparse Linear Systems, 2nd ed., Alg. 7.7),
 * right-preconditioned, column by column in the same ops. Two products with A per iteration.
 *
 * ρ = r̂ᵀr = 0, r̂ᵀv = 0 or ω = 0 on a column that has not converged is a 'breakdown'.
 */
import * as tf from '@tensorflow/tfjs-core';
import {SolverOptions, SolverResult, SolverState} from '../Solver';
import {columnDot, columnNorm, divide, stopGradient} from '../linalg';
import {
  IterativeSolver, IterativeState, finishIterativeSteps, initialGuess, iterateSteps, iterationCap, loopFlags, thresholds,
} from './iterative';
import {tryHostBiCGStab} from './hostEngine';
import {tryFusedBiCGStab} from './fusedEngine';
import {Readbacks, readSync} from '../../core/readbacks';

/** BiCGStab: general (nonsymmetric) A, short recurrences, no restart parameter. */
export class BiCGStabSolver extends IterativeSolver {
  readonly name = 'bicgstab';

  compute(state: SolverState, b: tf.Tensor, options: SolverOptions): SolverResult {
    const host = tryHostBiCGStab(state, b, options); if (host != null) return host;
    const fused = tryFusedBiCGStab(state, b, options); if (fused != null) return fused;
    return readSync(this.loop(state, b, options));
  }

  /** `compute`, pausing at each readback; the host engine reads host memory, so it serves here too. */
  *computeSteps(state: SolverState, b: tf.Tensor, options: SolverOptions): Readbacks<SolverResult> {
    return tryHostBiCGStab(state, b, options) ?? (yield* this.loop(state, b, options));
  }

  /** The loop in tf ops. */
  private *loop(state: SolverState, b: tf.Tensor, options: SolverOptions): Readbacks<SolverResult> {
    const s = state as IterativeState;
    const A = (v: tf.Tensor) => s.operator.apply(v);
    const tol = thresholds(b, options);
    const restart = (x: tf.Tensor) => {
      const r = tf.sub(b, A(x));
      const ones = tf.ones(columnNorm(r).shape);
      return {x, r, shadow: tf.clone(r), p: tf.zerosLike(r), v: tf.zerosLike(r),
        rho: ones, alpha: tf.clone(ones), omega: tf.clone(ones), broken: tf.zeros([1])};
    };
    const result = yield* iterateSteps(tf.tidy(() => restart(initialGuess(b, options))), {
      maxIterations: iterationCap(state, options),
      checkEvery: options.checkEvery,
      fixed: options.fixedIterations,
      step: ({x, r, shadow, p, v, rho, alpha, omega, broken}) => {
        // Converged columns (and batch members) freeze on the device: no per-member readback.
        const active = tf.greater(stopGradient(columnNorm(r)), tol);
        const nextRho = columnDot(shadow, r);
        const beta = tf.mul(divide(nextRho, rho), divide(alpha, omega));
        const nextP = tf.add(r, tf.mul(beta, tf.sub(p, tf.mul(omega, v))));
        const pHat = s.precondition(nextP);
        const nextV = A(pHat);
        const shadowV = columnDot(shadow, nextV);
        const nextAlpha = divide(nextRho, shadowV);
        const half = tf.sub(r, tf.mul(nextAlpha, nextV));
        const sHat = s.precondition(half);
        const t = A(sHat);
        const nextOmega = divide(columnDot(t, half), columnDot(t, t));
        const nextR = tf.sub(half, tf.mul(nextOmega, t));
        // A column whose half-step residual already meets the tolerance may stop with ω = 0.
        const halfDone = tf.lessEqual(stopGradient(columnNorm(half)), tol);
        const zero = tf.logicalOr(tf.equal(nextRho, 0),
          tf.logicalOr(tf.equal(shadowV, 0), tf.logicalAnd(tf.equal(nextOmega, 0), tf.logicalNot(halfDone))));
        const failed = tf.logicalAnd(active, zero);
        const keep = (next: tf.Tensor, previous: tf.Tensor) => tf.where(active, next, previous);
        return {
          x: keep(tf.add(x, tf.add(tf.mul(nextAlpha, pHat), tf.mul(nextOmega, sHat))), x),
          r: keep(nextR, r), shadow, p: keep(nextP, p), v: keep(nextV, v),
          rho: keep(nextRho, rho), alpha: keep(nextAlpha, alpha), omega: keep(nextOmega, omega),
          broken: tf.maximum(broken, tf.max(tf.cast(failed, 'float32'))),
        };
      },
      check: ({r, broken}) => loopFlags(columnDot(r, r), tol, broken),
      refresh: ({x, broken}) => ({...restart(x), broken: tf.clone(broken)}),
    });
    const {x, ...rest} = result.state;
    tf.dispose([...Object.values(rest), tol]);
    return yield* finishIterativeSteps(state, b, x, result.iterations, options, result.status);
  }

}
