/**
 * Restarted GMRES(m) for general A (Saad & Schultz 1986; Saad, Iterative Methods for Sparse
 * Linear Systems, 2nd ed., Alg. 6.9 with right preconditioning, §9.3.2): Arnoldi with modified
 * Gram–Schmidt, Givens rotations for the small least-squares problem, one recurrence per column.
 *
 * The rotated right-hand side gives ‖rⱼ‖ for free; it is read every `checkEvery` steps, and a
 * cycle that looks converged is confirmed by the true residual at the start of the next.
 */
import * as tf from '@tensorflow/tfjs-core';
import {SolverCapabilities, SolverOptions, SolverResult, SolverState, SolveStatus} from '../Solver';
import {columnDot, columnNorm, divide, stopGradient} from '../linalg';
import {hypot, safeColumnNorm} from './safeNorm';
import {IterativeSolver, IterativeState, finishIterativeSteps, initialGuess, iterationCap, thresholds} from './iterative';
import {tryHostGMRES} from './hostEngine';
import {Readbacks, readSync} from '../../core/readbacks';

/** GMRES(restart): general A, minimal residual over each Krylov cycle. */
export class GMRESSolver extends IterativeSolver {
  readonly name = 'gmres';
  readonly capabilities: SolverCapabilities = {...this.capabilities, options: [...this.capabilities.options, 'restart']};

  compute(state: SolverState, b: tf.Tensor, options: SolverOptions): SolverResult {
    const host = tryHostGMRES(state, b, options); if (host != null) return host;
    return readSync(this.loop(state, b, options));
  }

  /** `compute`, pausing at each readback; the host engine reads host memory, so it serves here too. */
  *computeSteps(state: SolverState, b: tf.Tensor, options: SolverOptions): Readbacks<SolverResult> {
    return tryHostGMRES(state, b, options) ?? (yield* this.loop(state, b, options));
  }

  /** The restarted cycles in tf ops. */
  private *loop(state: SolverState, b: tf.Tensor, options: SolverOptions): Readbacks<SolverResult> {
    const s = state as IterativeState;
    const tol = thresholds(b, options);
    const maxIterations = iterationCap(state, options);
    const m = Math.max(1, Math.min(options.restart, s.operator.shape[0]));
    let x = initialGuess(b, options);
    let iterations = 0;
    let status: SolveStatus = 'maxIterations';
    let estimate: tf.Tensor | null = null;  // the last cycle's final max |ĝ|/tol
    let lastRatio = Infinity;               // max ‖r‖/tol after the last cycle that claimed success
    while (true) {
      const r = tf.tidy(() => tf.sub(b, s.operator.apply(x)));
      if (options.fixedIterations && iterations < maxIterations) {
        // Full cycles with no readback at all.
        const cycle = yield* arnoldiCycle(s, r, tol, Math.min(m, maxIterations - iterations), Infinity);
        iterations += cycle.steps;
        const next = tf.tidy(() => tf.add(x, cycle.update));
        tf.dispose([x, r, cycle.update, cycle.estimate]);
        x = next;
        continue;
      }
      if (options.fixedIterations) { r.dispose(); break; }
      const [converged, finite, ratio, estimated] = yield () => [
        tf.cast(tf.all(tf.lessEqual(columnNorm(r), tol)), 'float32'),
        tf.cast(tf.all(tf.isFinite(r)), 'float32'),
        tf.max(divide(columnNorm(r), tol)),
        estimate ?? tf.scalar(Infinity),
      ];
      estimate?.dispose();
      estimate = null;
      const claimed = estimated <= 1;
      if (finite < 1) { status = 'nonFinite'; r.dispose(); break; }
      if (converged >= 1) { status = 'converged'; r.dispose(); break; }
      if (claimed) {
        // The estimate said converged, the true residual disagrees: a restart must at least
        // halve it, or float32 cannot reach this tolerance.
        if (ratio > 0.5 * lastRatio) { status = 'stagnated'; r.dispose(); break; }
        lastRatio = ratio;
      }
      if (iterations >= maxIterations) { r.dispose(); break; }
      const steps = Math.min(m, maxIterations - iterations);
      const cycle = yield* arnoldiCycle(s, r, tol, steps, options.checkEvery);
      iterations += cycle.steps;
      estimate = cycle.estimate;
      const next = tf.tidy(() => tf.add(x, cycle.update));
      tf.dispose([x, r, cycle.update]);
      x = next;
    }
    tol.dispose();
    return yield* finishIterativeSteps(state, b, x, iterations, options, status);
  }

}

/**
 * One GMRES cycle from residual r: up to `steps` Arnoldi steps, stopping early when the
 * residual estimate meets `tol`. Returns the correction M·V·y and the steps taken.
 */
function* arnoldiCycle(s: IterativeState, r: tf.Tensor, tol: tf.Tensor, steps: number,
    checkEvery: number): Readbacks<{update: tf.Tensor; steps: number; estimate: tf.Tensor}> {
  const owned: tf.Tensor[] = [];
  const own = <T extends tf.Tensor>(t: T) => { owned.push(t); return t; };
  const beta = own(tf.tidy(() => columnNorm(r)));
  const basis = [own(divide(r, beta))];
  const rotations: Array<{c: tf.Tensor; s: tf.Tensor}> = [];
  const triangle: tf.Tensor[][] = [];                // triangle[j][i] = Rᵢⱼ
  const g: tf.Tensor[] = [beta];
  let taken = 0;
  for (let j = 0; j < steps; j++) {
    const step = tf.tidy(() => {
      let w = s.operator.apply(s.precondition(basis[j]));
      const h: tf.Tensor[] = [];
      for (let i = 0; i <= j; i++) {
        h.push(columnDot(w, basis[i]));
        w = tf.sub(w, tf.mul(h[i], basis[i]));
      }
      const hNext = safeColumnNorm(w);
      for (let i = 0; i < j; i++) {
        const {c, s: sn} = rotations[i];
        const top = tf.add(tf.mul(c, h[i]), tf.mul(sn, h[i + 1]));
        h[i + 1] = tf.sub(tf.mul(c, h[i + 1]), tf.mul(sn, h[i]));
        h[i] = top;
      }
      const radius = hypot(h[j], hNext);
      const c = tf.where(tf.greater(stopGradient(radius), 0), divide(h[j], radius), tf.onesLike(radius));
      const sn = divide(hNext, radius);
      h[j] = radius;
      return {v: divide(w, hNext), h, c, sn, gNext: tf.neg(tf.mul(sn, g[j])), gj: tf.mul(c, g[j])};
    });
    basis.push(own(step.v));
    step.h.forEach(own);
    triangle.push(step.h);
    rotations.push({c: own(step.c), s: own(step.sn)});
    g[j] = own(step.gj);
    g.push(own(step.gNext));
    taken++;
    if (taken % checkEvery === 0 && taken < steps) {
      const [done] = yield () => [tf.cast(tf.all(tf.lessEqual(tf.abs(g[j + 1]), tol)), 'float32')];
      if (done >= 1) break;
    }
  }
  const update = tf.tidy(() => {
    const y = backSubstitute(triangle, g);
    let combination = tf.mul(y[0], basis[0]);
    for (let i = 1; i < y.length; i++) combination = tf.add(combination, tf.mul(y[i], basis[i]));
    return s.precondition(combination);
  });
  // The cycle's own residual estimate, read with the next cycle's first check.
  const estimate = tf.tidy(() => tf.max(divide(tf.abs(g[taken]), tol)));
  tf.dispose(owned);
  return {update, steps: taken, estimate};
}

/** y with R y = g for the upper-triangular R kept column by column, per right-hand side. */
function backSubstitute(triangle: tf.Tensor[][], g: tf.Tensor[]): tf.Tensor[] {
  const size = triangle.length;
  const y: tf.Tensor[] = new Array(size);
  for (let i = size - 1; i >= 0; i--) {
    let sum = g[i];
    for (let j = i + 1; j < size; j++) sum = tf.sub(sum, tf.mul(triangle[j][i], y[j]));
    y[i] = divide(sum, triangle[i][i]);
  }
  return y;
}
