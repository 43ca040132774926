/**
 * Preconditioned conjugate gradients for symmetric positive definite A (Hestenes & Stiefel
 * 1952; Saad, Iterative Methods for Sparse Linear Systems, 2nd ed., Alg. 9.1). Each column of
 * a block of right-hand sides runs its own recurrence (its own α and β) in the same ops.
 *
 * pᵀA p ≤ 0 on a column that has not converged proves A is not positive definite: 'breakdown'.
 */
import * as tf from '@tensorflow/tfjs-core';
import {SolverCapabilities, SolverOptions, SolverResult, SolverState} from '../Solver';
import {columnDot, divide, scaleColumns, stopGradient} from '../linalg';
import {
  IterativeSolver, IterativeState, finishIterativeSteps, initialGuess, iterateSteps, iterationCap, loopFlags, thresholds,
} from './iterative';
import {tryHostCG} from './hostEngine';
import {tryFusedCG} from './fusedEngine';
import {tryNativeCG} from './nodeEngine';
import {Readbacks, readSync} from '../../core/readbacks';

/** Conjugate gradients (optionally preconditioned): symmetric positive definite A. */
export class CGSolver extends IterativeSolver {
  readonly name = 'cg';
  readonly capabilities: SolverCapabilities = {...this.capabilities, needsSPD: true};

  compute(state: SolverState, b: tf.Tensor, options: SolverOptions): SolverResult {
    const host = tryHostCG(state, b, options); if (host != null) return host;
    const native = tryNativeCG(state, b, options); if (native != null) return native;
    const fused = tryFusedCG(state, b, options); if (fused != null) return fused;
    return readSync(this.loop(state, b, options));
  }

  /** `compute`, pausing at each readback; the host engine reads host memory, so it serves here too. */
  *computeSteps(state: SolverState, b: tf.Tensor, options: SolverOptions): Readbacks<SolverResult> {
    return tryHostCG(state, b, options) ?? (yield* this.loop(state, b, options));
  }

  /** The loop in tf ops. */
  private *loop(state: SolverState, b: tf.Tensor, options: SolverOptions): Readbacks<SolverResult> {
    const s = state as IterativeState;
    const A = (v: tf.Tensor) => s.operator.apply(v);
    const tol = thresholds(b, options);
    const tol2 = tf.tidy(() => tf.square(tol));
    const preconditioned = s.preconditions;
    const restart = (x: tf.Tensor) => {
      const r = tf.sub(b, A(x));
      const z = s.precondition(r);
      const rz = columnDot(r, z);
      return {x, r, p: z, rz, rr: preconditioned ? columnDot(r, r) : rz, broken: tf.zerosLike(rz)};
    };
    const result = yield* iterateSteps(tf.tidy(() => restart(initialGuess(b, options))), {
      maxIterations: iterationCap(state, options),
      checkEvery: options.checkEvery,
      fixed: options.fixedIterations,
      // About twenty kernels a step: on tfjs-node each costs ~15 µs beside the product A·p.
      step: ({x, r, p, rz, rr, broken}) => {
        const ap = A(p);
        const pap = columnDot(p, ap);
        // Converged columns (and batch members) freeze on the device: no per-member readback.
        const active = tf.greater(stopGradient(rr), tol2);
        const alpha = tf.mul(divide(rz, pap), tf.cast(active, 'float32'));
        const nextR = tf.sub(r, scaleColumns(alpha, ap));
        const z = s.precondition(nextR);
        const nextRz = columnDot(nextR, z);
        const indefinite = tf.logicalAnd(active, tf.lessEqual(stopGradient(pap), 0));
        return {
          x: tf.add(x, scaleColumns(alpha, p)),
          r: nextR,
          p: tf.add(z, scaleColumns(divide(nextRz, rz), p)),
          rz: nextRz,
          rr: preconditioned ? columnDot(nextR, nextR) : nextRz,
          broken: tf.maximum(broken, tf.cast(indefinite, 'float32')),
        };
      },
      check: ({rr, broken}) => loopFlags(rr, tol, broken),
      refresh: ({x, broken}) => ({...restart(x), broken: tf.clone(broken)}),
    });
    tol2.dispose();
    const {x, ...rest} = result.state;
    tf.dispose([...Object.values(rest), tol]);
    return yield* finishIterativeSteps(state, b, x, result.iterations, options, result.status);
  }

}
