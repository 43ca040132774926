/**
 * Conjugate gradients on tfjs-node in TensorFlow's own kernels, called by name (Hestenes &
 * Stiefel 1952; Saad, Iterative Methods for Sparse Linear Systems, 2nd ed., Alg. 9.1): the
 * recurrences, per-column freezing and stopping logic of `CGSolver` with `iterate`, step for
 * step, at ~10 µs a native dispatch instead of ~25–40 µs a tf op, and with the convergence
 * flags taken in JavaScript from two small readbacks (a copy out of TensorFlow's host memory)
 * instead of a dozen device ops.
 *
 * Kernels per iteration (`kernelsPerIteration`): the product A·p (one SparseTensorDenseMatMul
 * or BatchMatMulV2), two column dots (one BatchMatMulV2 each for one right-hand side, Mul + Sum
 * for a block), DivNoNan twice (α, β), two axpys for x and r and one for p (Mul + AddV2/Sub
 * each), and three kernels that freeze converged columns and record breakdown (Greater,
 * SelectV2, Minimum): 14 for k = 1, 16 for a block; Jacobi adds one Mul and one dot.
 *
 * Freezing: a column with ‖r‖² ≤ tol² gets pᵀAp := +∞, so α = rz / ∞ = 0 and its x and r stay;
 * the running minimum of that masked pᵀAp is ≤ 0 exactly when an active column met pᵀAp ≤ 0
 * (A not positive definite: 'breakdown'), as `CGSolver`'s `broken` flag records.
 *
 * Nothing here knows about operators or options: `solvers/krylov/nodeEngine.ts` decides when
 * to call it and what the product is.
 */
import * as tf from '@tensorflow/tfjs-core';
import {NativeOps} from './NativeOps';

/** How a native CG solve ended (a subset of `SolveStatus`). */
export type NativeCGStatus = 'converged' | 'maxIterations' | 'stagnated' | 'breakdown' | 'nonFinite' | 'unchecked';

export interface NativeCGProblem {
  ops: NativeOps;
  /** A·p as a new tensor shaped like p. */
  product: (p: tf.Tensor) => tf.Tensor;
  /** Right-hand sides `[n, k]` or `[B, n, k]`. */
  b: tf.Tensor;
  /** Initial guess shaped like b, or null for zeros. */
  x0: tf.Tensor | null;
  /** diag(A)⁻¹ broadcastable against b (`[n, 1]` or `[B, n, 1]`), or null for none. */
  inverseDiagonal: tf.Tensor | null;
  /** Per-column thresholds `[..., 1, k]`, the convergence margin included. */
  tol: tf.Tensor;
  maxIterations: number;
  checkEvery: number;
  /** Exactly maxIterations steps, no readback. */
  fixed: boolean;
}

export interface NativeCGResult {
  x: tf.Tensor;
  iterations: number;
  status: NativeCGStatus;
}

/** Native kernels one CG iteration launches for k right-hand sides (see the header). */
export function kernelsPerIteration(k: number, preconditioned: boolean): number {
  const dot = k === 1 ? 1 : 2;
  return 1 + 2 * dot + 2 + 3 * 2 + 3 + (preconditioned ? 1 + dot : 0);
}

/** A restart must at least halve the true residual, or the solve has stagnated. */
const STAGNATION = 0.5;

interface CGVectors {x: tf.Tensor; r: tf.Tensor; p: tf.Tensor; rz: tf.Tensor; rr: tf.Tensor}

/** Runs CG to the stopping rule of `iterate`; the caller measures the true residual after. */
export function nativeCG(problem: NativeCGProblem): NativeCGResult {
  const {ops, product, b, inverseDiagonal, tol, maxIterations, checkEvery, fixed} = problem;
  const k = b.shape[b.rank - 1] as number;
  const axis = tf.tensor1d([b.rank - 2], 'int32');
  const infinity = tf.scalar(Infinity);
  const tol2 = ops.mul(tol, tol);
  const tolValues = tol.dataSync() as Float32Array;
  const dot = k === 1 ?
    (u: tf.Tensor, v: tf.Tensor) => ops.matMul(u, v, true, false) :
    (u: tf.Tensor, v: tf.Tensor) => { const uv = ops.mul(u, v); const s = ops.sum(uv, axis, true); uv.dispose(); return s; };
  const precondition = (r: tf.Tensor) => inverseDiagonal == null ? r : ops.mul(inverseDiagonal, r);
  const release = (...ts: tf.Tensor[]) => { for (const t of ts) if (!t.isDisposed) t.dispose(); };

  const restart = (x: tf.Tensor): CGVectors => {
    const ax = product(x);
    const r = ops.sub(b, ax);
    ax.dispose();
    const z = precondition(r);
    const rz = dot(r, z);
    return {x, r, p: z === r ? tf.clone(r) : z, rz, rr: inverseDiagonal == null ? rz : dot(r, r)};
  };
  const releaseVectors = (v: CGVectors, keepX: boolean) => {
    release(v.r, v.p, v.rz, v.rr);
    if (!keepX) v.x.dispose();
  };

  let v = restart(problem.x0 != null ? tf.clone(problem.x0) : tf.zerosLike(b));
  // min over iterations of pᵀAp on active columns (+∞ elsewhere): ≤ 0 means breakdown.
  let minPap = tf.fill(tol.shape, Infinity);

  const step = () => {
    const ap = product(v.p);
    const pap = dot(v.p, ap);
    const active = ops.greater(v.rr, tol2);
    const papActive = ops.select(active, pap, infinity);
    const alpha = ops.divNoNan(v.rz, papActive);
    const nextMin = ops.minimum(minPap, papActive);
    const alphaP = ops.mul(alpha, v.p);
    const x = ops.add(v.x, alphaP);
    const alphaAp = ops.mul(alpha, ap);
    const r = ops.sub(v.r, alphaAp);
    const z = precondition(r);
    const rz = dot(r, z);
    const rr = inverseDiagonal == null ? rz : dot(r, r);
    const beta = ops.divNoNan(rz, v.rz);
    const betaP = ops.mul(beta, v.p);
    const p = ops.add(z, betaP);
    release(ap, pap, active, papActive, alpha, alphaP, alphaAp, beta, betaP, minPap);
    if (z !== r) z.dispose();
    releaseVectors(v, false);
    minPap = nextMin;
    v = {x, r, p, rz, rr};
  };

  /** The four flags of `loopFlags`, from ‖r‖² and the breakdown minimum read back. */
  const check = () => {
    const rr = v.rr.dataSync() as Float32Array;
    const minimum = minPap.dataSync() as Float32Array;
    let converged = true;
    let sum = 0;
    let worstRatio = 0;
    for (let j = 0; j < rr.length; j++) {
      const t = tolValues[tolValues.length === 1 ? 0 : j];
      if (!(rr[j] <= t * t)) converged = false;
      sum += rr[j];
      // divide(√rr, tol): 0 where tol = 0, as divNoNan gives.
      worstRatio = Math.max(worstRatio, t === 0 ? 0 : Math.sqrt(rr[j]) / t);
    }
    const broken = Array.from(minimum).some(m => m <= 0);
    return {converged, broken, finite: Number.isFinite(sum), worstRatio};
  };

  const finish = (iterations: number, status: NativeCGStatus): NativeCGResult => {
    releaseVectors(v, true);
    release(minPap, tol2, axis, infinity);
    return {x: v.x, iterations, status};
  };

  if (fixed) {
    for (let i = 0; i < maxIterations; i++) step();
    return finish(maxIterations, 'unchecked');
  }
  let iterations = 0;
  let justRefreshed = false;
  let lastTrueRatio = Infinity;
  while (true) {
    const due = justRefreshed || iterations % checkEvery === 0 || iterations >= maxIterations;
    if (due) {
      const {converged, broken, finite, worstRatio} = check();
      if (!finite) return finish(iterations, 'nonFinite');
      if (justRefreshed && !converged) {
        // The recursion claimed convergence but the true residual disagrees: if restarting
        // has stopped helping, float32 cannot reach this tolerance.
        if (worstRatio > STAGNATION * lastTrueRatio) return finish(iterations, 'stagnated');
        lastTrueRatio = worstRatio;
      }
      if (converged) {
        if (justRefreshed || iterations === 0) return finish(iterations, 'converged');
        const fresh = restart(v.x);
        releaseVectors(v, true);
        v = fresh;
        justRefreshed = true;
        continue;
      }
      if (broken) return finish(iterations, 'breakdown');
      if (iterations >= maxIterations) return finish(iterations, 'maxIterations');
    }
    step();
    justRefreshed = false;
    iterations++;
  }
}
