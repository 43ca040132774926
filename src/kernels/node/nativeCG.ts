/**
 * Conjugate gradients on tfjs-node in TensorFlow's own kernels, called by name (Hestenes &
 * Stiefel 1952; Saad, Iterative Methods for Sparse Linear Systems, 2nd ed., Alg. 9.1): the
 * recurrences, per-column freezing and stopping logic of `CGSolver` with `iterate`, step for
 * step, at ~10 µs a native dispatch instead of ~25–40 µs a tf op, and with the convergence
 * flags taken in JavaScript from two small readbacks (a copy out of TensorFlow's host memory)
 * instead of a dozen device ops.
 *
 * Kernels per iteration (`kernelsPerIteration`): the product A·p (one SparseTensorDenseMatMul
 * or BatchMatMulV2), two column dots (Mul + Sum each), DivNoNan twice (α, β), two axpys for x
 * and r and one for p (Mul + AddV2/Sub each), and three kernels that freeze converged columns
 * and record breakdown (Greater, SelectV2, Minimum): 16; Jacobi adds one Mul and one dot.
 * One unpreconditioned right-hand side runs in place instead (`inPlaceIterate`): x, r and p
 * live in resource variables and the three updates are TensorFlow's optimizer steps
 * (ResourceApplyGradientDescent, ResourceApplyMomentum), 15 kernels with the two reads they
 * need, but no new n-vector per update: Mul + AddV2 took 27–93 µs against 10–22 µs in place at
 * n = 16K–64K in two runs (bench/node-engine.ts, "one CG axpy"; a ReadVariableOp 9–14 µs). A block cannot: those steps take only a
 * scalar α. Fewer kernels would take a fused kernel: with stock ops the dots, the per-column
 * freeze and the breakdown record each need their own.
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
export function kernelsPerIteration(k: number, preconditioned: boolean, inPlace = false): number {
  const dot = 2;
  // In place: two reads and three updates where six kernels made new tensors.
  if (inPlace) return 1 + 2 * dot + 2 + 2 + 3 + 3;
  return 1 + 2 * dot + 2 + 3 * 2 + 3 + (preconditioned ? 1 + dot : 0);
}

let inPlaceOn = true;

/** Whether one unpreconditioned right-hand side updates x, r, p in place (the default), returning the previous setting. */
export function useInPlaceCG(on: boolean): boolean {
  const previous = inPlaceOn;
  inPlaceOn = on;
  return previous;
}

/** Whether the solve of `b` `[n, k]` (or `[B, n, k]`) runs in place: one column of one system, no preconditioner. */
export function runsInPlace(b: tf.Tensor, preconditioned: boolean): boolean {
  return inPlaceOn && !preconditioned && b.rank === 2 && b.shape[1] === 1;
}

/** A restart must at least halve the true residual, or the solve has stagnated. */
const STAGNATION = 0.5;

interface CGVectors {x: tf.Tensor; r: tf.Tensor; p: tf.Tensor; rz: tf.Tensor; rr: tf.Tensor}

/** The CG vectors and their updates, as new tensors each step or in place. */
interface Iterate {
  step(): void;
  /** Restarts from the current x: r = b − A x, p = M⁻¹r. */
  restart(): void;
  /** ‖r‖² per column `[..., 1, k]` (the recursion's). */
  rr(): tf.Tensor;
  /** min over steps of pᵀAp on active columns. */
  minPap(): tf.Tensor;
  /** x, with everything else freed. */
  finish(): tf.Tensor;
}

interface Shared {
  ops: NativeOps;
  problem: NativeCGProblem;
  dot: (u: tf.Tensor, v: tf.Tensor) => tf.Tensor;
  tol2: tf.Tensor;
  infinity: tf.Tensor;
}

const release = (...ts: tf.Tensor[]) => { for (const t of ts) if (!t.isDisposed) t.dispose(); };

/** Every vector a new tensor each step: any k, Jacobi or not. */
function tensorIterate({ops, problem, dot, tol2, infinity}: Shared): Iterate {
  const {product, b, inverseDiagonal, tol} = problem;
  const precondition = (r: tf.Tensor) => inverseDiagonal == null ? r : ops.mul(inverseDiagonal, r);
  const restartFrom = (x: tf.Tensor): CGVectors => {
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
  let v = restartFrom(problem.x0 != null ? tf.clone(problem.x0) : tf.zerosLike(b));
  // min over iterations of pᵀAp on active columns (+∞ elsewhere): ≤ 0 means breakdown.
  let minPap = tf.fill(tol.shape, Infinity);
  return {
    step() {
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
    },
    restart() {
      const fresh = restartFrom(v.x);
      releaseVectors(v, true);
      v = fresh;
    },
    rr: () => v.rr,
    minPap: () => minPap,
    finish() {
      releaseVectors(v, true);
      release(minPap);
      return v.x;
    },
  };
}

/**
 * One right-hand side without a preconditioner, with x, r and p in resource variables updated
 * in place (ResourceApplyGradientDescent for x and r, ResourceApplyMomentum for p = r + βp): no
 * new n-vector per update, where each costs an allocation (bench/node-engine.ts, "one CG
 * axpy"). TensorFlow's in-place steps take a scalar α, hence one column only. The values are
 * the tensor form's to the rounding: −x is kept, so x + αp is −(−x − αp) exactly.
 */
function inPlaceIterate({ops, problem, tol2: tol2Column, infinity}: Shared): Iterate {
  const {product, b} = problem;
  // Scalars throughout (the optimizer steps take no other α, β): Σ over both axes.
  const axes = tf.tensor1d([0, 1], 'int32');
  const dot = (u: tf.Tensor, v: tf.Tensor) => { const uv = ops.mul(u, v); const s = ops.sum(uv, axes, false); uv.dispose(); return s; };
  const tol2 = ops.reshape(tol2Column, []);
  const zero = tf.scalar(0);
  const made: tf.Tensor[] = [axes, tol2, zero];
  const start = problem.x0 != null ? ops.neg(problem.x0) : tf.zerosLike(b);
  const negX = ops.variable(start);
  start.dispose();
  const r0 = tf.zerosLike(b);
  const rVar = ops.variable(r0);
  const pVar = ops.variable(r0);
  const scratch = ops.variable(r0);
  r0.dispose();
  const handles = [negX, rVar, pVar, scratch];
  let rz: tf.Tensor = tf.scalar(0);
  let minPap: tf.Tensor = tf.scalar(Infinity);
  const readX = () => { const nx = ops.read(negX); const x = ops.neg(nx); nx.dispose(); return x; };
  const restart = () => {
    const x = readX();
    const ax = product(x);
    const r = ops.sub(b, ax);
    tf.dispose([x, ax]);
    ops.assign(rVar, r);
    ops.assign(pVar, r);
    rz.dispose();
    rz = dot(r, r);
    r.dispose();
  };
  restart();
  return {
    step() {
      const p = ops.read(pVar);
      const ap = product(p);
      const pap = dot(p, ap);
      const active = ops.greater(rz, tol2);
      const papActive = ops.select(active, pap, infinity);
      const alpha = ops.divNoNan(rz, papActive);
      const nextMin = ops.minimum(minPap, papActive);
      ops.subtractScaled(negX, alpha, p);
      ops.subtractScaled(rVar, alpha, ap);
      // Freed before p's own update, which would otherwise copy p to keep this read intact.
      release(p, ap, pap, active, papActive, alpha, minPap);
      minPap = nextMin;
      const r = ops.read(rVar);
      const rzNext = dot(r, r);
      const beta = ops.divNoNan(rzNext, rz);
      ops.scaleAndAdd(pVar, beta, r, scratch, zero);
      release(r, beta, rz);
      rz = rzNext;
    },
    restart,
    rr: () => rz,
    minPap: () => minPap,
    finish() {
      const x = readX();
      for (const h of handles) ops.destroyVariable(h);
      release(rz, minPap, ...made);
      return x;
    },
  };
}

/** Runs CG to the stopping rule of `iterate`; the caller measures the true residual after. */
export function nativeCG(problem: NativeCGProblem): NativeCGResult {
  const {ops, b, inverseDiagonal, tol} = problem;
  const axis = tf.tensor1d([b.rank - 2], 'int32');
  const infinity = tf.scalar(Infinity);
  const tol2 = ops.mul(tol, tol);
  const tolValues = tol.dataSync() as Float32Array;
  // Mul + Sum even for one column: BatchMatMulV2 as a dot took 383–450 µs where these two took
  // 49–81 µs at n = 16K–64K (bench/node-engine.ts, "one column dot"); CG 128², one column, went
  // from 3.1 to 0.51 ms an iteration with it.
  const dot = (u: tf.Tensor, v: tf.Tensor) => { const uv = ops.mul(u, v); const s = ops.sum(uv, axis, true); uv.dispose(); return s; };
  const shared: Shared = {ops, problem, dot, tol2, infinity};
  const it = runsInPlace(b, inverseDiagonal != null) ? inPlaceIterate(shared) : tensorIterate(shared);

  /** The four flags of `loopFlags`, from ‖r‖² and the breakdown minimum read back. */
  const check = () => {
    const rr = it.rr().dataSync() as Float32Array;
    const minimum = it.minPap().dataSync() as Float32Array;
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
    const x = it.finish();
    release(tol2, axis, infinity);
    return {x, iterations, status};
  };

  try {
    return run(it, check, finish, problem);
  } catch (error) {
    // A failed kernel (out of memory) must not strand the variables or the vectors.
    it.finish().dispose();
    release(tol2, axis, infinity);
    throw error;
  }
}

/** The stopping rule of `iterate` over `it`: checks every `checkEvery` steps, restarts once on convergence. */
function run(it: Iterate, check: () => {converged: boolean; broken: boolean; finite: boolean; worstRatio: number},
    finish: (iterations: number, status: NativeCGStatus) => NativeCGResult, problem: NativeCGProblem): NativeCGResult {
  const {maxIterations, checkEvery, fixed} = problem;
  if (fixed) {
    for (let i = 0; i < maxIterations; i++) it.step();
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
        it.restart();
        justRefreshed = true;
        continue;
      }
      if (broken) return finish(iterations, 'breakdown');
      if (iterations >= maxIterations) return finish(iterations, 'maxIterations');
    }
    it.step();
    justRefreshed = false;
    iterations++;
  }
}
