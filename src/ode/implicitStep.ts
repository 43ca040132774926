/**
 * Stiff steps: backward Euler and the two-stage L-stable SDIRK (Alexander 1977; γ = 1 − 1/√2).
 *
 * Each stage solves Y = base + c·f(tc, Y) by a chord Newton iteration off the tape, every
 * iteration one `ls.solve` with I − c·J, J = ∂f/∂y from n vector–Jacobian products (a dense
 * Jacobian: the methods are meant for small stiff systems). The converged Y* then takes one
 * more Newton step on the tape with J refreshed at Y*:
 *   Y = Y* − (I − cJ(Y*))⁻¹ (Y* − base − c f(tc, Y*)),
 * whose derivative is exactly the implicit-function-theorem one, (I − cJ)⁻¹(∂base + c ∂f/∂θ):
 * gradients never backpropagate through the iterations.
 * A batched state [batch, n] assumes each row's dynamics depend on that row only (as for any
 * tf.layers batch); a state [n] is one system.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as ls from '../coreApi';
import {Dynamics} from './explicitStep';
import {SDIRK2_GAMMA} from './tableaux';
import {untaped, vjp} from './vjp';

/**
 * The relative residual asked of each Newton system's LU solve: a forcing term (inexact Newton,
 * Dembo, Eisenstat & Steihaug 1982), not the state's accuracy, which the update test below
 * judges. Stiff codes solve these systems by LU with no residual test at all (Hairer & Wanner,
 * Solving ODEs II, §IV.8); `solve` reports 'converged' only within rtol, and on a stiff
 * I − cJ (κ ≈ c·|λ|max) float32 LU can miss its default 1e-5 while the step is fine. 'singular'
 * and 'nonFinite' still throw.
 */
const NEWTON_FORCING = 0.1;

/** Newton settings for implicit stages. */
export interface NewtonSpec {
  rtol: number;
  atol: number;
  maxIterations: number;
}

/** ∂f/∂y at (t, y): [n, n] for y [n], [batch, n, n] for y [batch, n] (row i = e_iᵀJ). */
export function jacobian(dynamics: Dynamics, t: number, y: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const n = y.shape[y.rank - 1];
    const rows: tf.Tensor[] = [];
    for (let i = 0; i < n; i++) {
      const e = tf.broadcastTo(tf.cast(tf.oneHot(i, n), 'float32'), y.shape);
      rows.push(vjp(() => dynamics(t, y), [y], e).grads[0]);
    }
    return tf.stack(rows, y.rank - 1);
  });
}

function iterationMatrix(dynamics: Dynamics, t: number, y: tf.Tensor, c: number): tf.Tensor {
  return tf.tidy(() => {
    const J = jacobian(dynamics, t, y);
    const n = y.shape[y.rank - 1];
    return tf.sub(tf.eye(n), tf.mul(J, c));
  });
}

function residual(dynamics: Dynamics, tc: number, y: tf.Tensor, base: tf.Tensor, c: number): tf.Tensor {
  return tf.sub(tf.sub(y, base), tf.mul(dynamics(tc, y), c));
}

/** Scaled RMS of a Newton update, max over samples. */
function updateNorm(delta: tf.Tensor, y: tf.Tensor, spec: NewtonSpec): number {
  return tf.tidy(() => {
    const r = tf.div(delta, tf.add(spec.atol, tf.mul(spec.rtol, tf.abs(y))));
    const rows = r.rank < 2 ? tf.reshape(r, [1, -1]) : tf.reshape(r, [r.shape[0], -1]);
    return tf.max(tf.sqrt(tf.mean(tf.square(rows), 1))).dataSync()[0];
  });
}

/** Solves Y = base + c·f(tc, Y); differentiable with respect to base and what f reads. */
export function implicitStage(dynamics: Dynamics, base: tf.Tensor, tc: number, c: number, spec: NewtonSpec): tf.Tensor {
  if (base.rank < 1 || base.rank > 2) {
    throw new ls.LinearSolveError('shape',
      `Stiff methods take a state [n] or [batch, n]; got shape [${base.shape}]. Reshape the state.`);
  }
  const {converged, matrix} = untaped(() => tf.tidy(() => {
    const frozenBase = tf.clone(base);
    const chord = iterationMatrix(dynamics, tc, frozenBase, c);
    let y = frozenBase;
    for (let iteration = 0; iteration < spec.maxIterations; iteration++) {
      const next = tf.tidy(() => {
        const delta = ls.solve(chord, residual(dynamics, tc, y, frozenBase, c), {method: 'lu', rtol: NEWTON_FORCING});
        const updated = tf.sub(y, delta);
        return {updated, norm: updateNorm(delta, updated, spec)};
      });
      y = next.updated;
      if (!Number.isFinite(next.norm)) break;
      if (next.norm < 1e-2) {
        return {converged: y, matrix: iterationMatrix(dynamics, tc, y, c)};
      }
    }
    throw new ls.LinearSolveError('notConverged',
      `Newton's iteration for an implicit stage did not converge in ${spec.maxIterations} iterations at t = ${tc}; ` +
      'use a smaller stepSize or raise maxNewtonIterations.');
  }));
  try {
    return tf.tidy(() => tf.sub(converged, ls.solve(matrix, residual(dynamics, tc, converged, base, c), {method: 'lu', rtol: NEWTON_FORCING})));
  } finally {
    tf.dispose([converged, matrix]);
  }
}

/** Backward Euler: y1 = y0 + h f(t + h, y1). */
export function backwardEulerStep(dynamics: Dynamics, t: number, h: number, y0: tf.Tensor, spec: NewtonSpec): tf.Tensor {
  return implicitStage(dynamics, y0, t + h, h, spec);
}

/**
 * SDIRK2: Y1 = y0 + γh f(t + γh, Y1); K1 = (Y1 − y0)/(γh);
 * y1 = Y2 = y0 + (1 − γ)h K1 + γh f(t + h, Y2). K1 comes from the stage value rather than a new
 * f evaluation, which keeps it accurate when f is stiff.
 */
export function sdirk2Step(dynamics: Dynamics, t: number, h: number, y0: tf.Tensor, spec: NewtonSpec): tf.Tensor {
  const g = SDIRK2_GAMMA;
  return tf.tidy(() => {
    const y1 = implicitStage(dynamics, y0, t + g * h, g * h, spec);
    const base2 = tf.add(tf.mul(y0, 1 - (1 - g) / g), tf.mul(y1, (1 - g) / g));
    return implicitStage(dynamics, base2, t + h, g * h, spec);
  });
}
