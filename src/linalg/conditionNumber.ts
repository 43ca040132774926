/**
 * The 2-norm condition number κ₂(A) = σmax/σmin, differentiable. σmax by power iteration on
 * AᵀA; σmin by the same iteration on A⁻¹A⁻ᵀ = (AᵀA)⁻¹ (inverse iteration, Golub & Van Loan
 * §7.6.1 and §8.2.2), with A⁻¹ from one LU solve of this package. Both run off the tape; then
 * σ = uᵀAv with the converged singular pair is taped, whose gradient ∂σ/∂A = uvᵀ is exact at
 * convergence (the envelope theorem: u and v are stationary), so gradients reach whatever
 * built A without differentiating the iterations.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as ls from '../coreApi';
import {detached} from './detached';

/** Options of `conditionNumber`. */
export interface ConditionNumberOptions {
  /** Iteration cap of each power iteration (default 200). */
  iterations?: number;
  /** Stop when the singular vectors move by less than this between checks (default 1e-5). */
  tol?: number;
}

/** Readback every this many iterations (each readback drains a GPU's queue). */
const CHECK_EVERY = 5;

/** A as the maps it needs: products with A and Aᵀ, and A⁻¹ (as a dense tensor). */
interface Maps {
  apply(v: tf.Tensor): tf.Tensor;
  applyTranspose(v: tf.Tensor): tf.Tensor;
  n: number;
  batch: number | null;
}

function mapsOf(A: tf.Tensor | ls.LinearOperator): Maps {
  if (ls.isLinearOperator(A)) {
    const op = A;
    return {apply: v => op.apply(v), applyTranspose: v => op.transpose().apply(v), n: op.shape[0], batch: op.batchSize};
  }
  const t = A as tf.Tensor;
  if ((t.rank !== 2 && t.rank !== 3) || t.shape[t.rank - 1] !== t.shape[t.rank - 2]) {
    throw new ls.LinearSolveError('shape', `conditionNumber: A must be [n, n] or [B, n, n], got [${t.shape}].`);
  }
  return {apply: v => tf.matMul(t, v), applyTranspose: v => tf.matMul(t, v, true), n: t.shape[t.rank - 1], batch: t.rank === 3 ? t.shape[0] : null};
}

/** Columns `[…, n, 1]` scaled to unit norm. */
function normalize(v: tf.Tensor): tf.Tensor {
  return tf.div(v, tf.norm(v, 'euclidean', -2, true));
}

/**
 * v ← normalize(step(v)) until v moves by less than `tol` (every member), or `iterations`.
 * Steps of AᵀA (or its inverse) are positive definite, so v does not flip sign between steps.
 */
function powerIteration(step: (v: tf.Tensor) => tf.Tensor, start: tf.Tensor, iterations: number, tol: number): tf.Tensor {
  let v = start;
  for (let i = 1; i <= iterations; i++) {
    const next = tf.tidy(() => normalize(step(v)));
    const check = i % CHECK_EVERY === 0 || i === iterations;
    const moved = check ? tf.tidy(() => tf.max(tf.norm(tf.sub(next, v), 'euclidean', -2))).dataSync()[0] : Infinity;
    if (v !== start) v.dispose();
    v = next;
    if (moved <= tol) break;
  }
  return v;
}

/**
 * κ₂(A) = σmax(A)/σmin(A), a differentiable estimate: a scalar for A `[n, n]` (or an
 * operator), `[B]` for a batch `[B, n, n]`.
 *
 * ∂κ/∂A = (u₁v₁ᵀ − κ·uₙvₙᵀ)/σmin with the extreme singular pairs, exact once the iterations
 * have converged; gradients flow into whatever A was built from. The iterations run off the
 * tape (no memory in training). Accuracy: σmin carries a relative error of order κ·ε in
 * float32, so the estimate is meaningful up to κ ≈ 1e6.
 *
 * ```ts
 * const A = tf.tensor2d([[4, 1], [2, 3]]);
 * ls.conditionNumber(A).print();                        // σmax/σmin ≈ 2.62
 * const g = tf.grad(a => ls.conditionNumber(a))(A);     // ∂κ/∂A
 * ```
 */
export function conditionNumber(A: tf.Tensor | ls.LinearOperator, options: ConditionNumberOptions = {}): tf.Tensor {
  const iterations = options.iterations ?? 200;
  const tol = options.tol ?? 1e-5;
  if (!(Number.isInteger(iterations) && iterations >= 1)) {
    throw new ls.LinearSolveError('option', `conditionNumber: iterations must be an integer ≥ 1, got ${options.iterations}.`);
  }
  if (!(tol >= 0 && Number.isFinite(tol))) throw new ls.LinearSolveError('option', `conditionNumber: tol must be a finite number ≥ 0, got ${options.tol}.`);
  const maps = mapsOf(A);
  const {n, batch} = maps;
  const shape = batch == null ? [n, 1] : [batch, n, 1];
  // Both right singular vectors, side by side in one detached tensor [..., n, 2].
  const vectors = detached(() => {
    const start = tf.tidy(() => normalize(tf.broadcastTo(tf.reshape(
      tf.tensor1d(Float32Array.from({length: n}, (_, i) => 1 + 0.5 * Math.sin(i + 1))), [n, 1]), shape)));
    const vMax = powerIteration(v => maps.applyTranspose(maps.apply(v)), start, iterations, tol);
    const identity = tf.tidy(() => (batch == null ? tf.eye(n) : tf.broadcastTo(tf.eye(n), [batch, n, n])));
    const inverse = ls.solve(A, identity, {method: 'lu'});
    identity.dispose();
    const vMin = powerIteration(v => tf.matMul(inverse, tf.matMul(inverse, v, true)), start, iterations, tol);
    const both = tf.concat([vMax, vMin], -1);
    tf.dispose([start, vMax, vMin, inverse]);
    return both;
  });
  return tf.tidy(() => {
    const av = maps.apply(vectors);                          // [..., n, 2], taped through A
    const u = detached(() => normalize(av));
    const sigmas = tf.sum(tf.mul(u, av), -2);                // uᵀAv per vector: [..., 2]
    const [sMax, sMin] = tf.split(sigmas, 2, -1);
    const kappa = tf.div(sMax, sMin);
    vectors.dispose();
    return batch == null ? tf.reshape(kappa, []) : tf.reshape(kappa, [batch]);
  });
}
