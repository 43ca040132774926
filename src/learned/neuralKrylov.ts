/**
 * Krylov-type iterations whose directions come from a function (a trained network), made safe
 * by the step rule: every step is the exact line search along its direction, so whatever the
 * network outputs, the error cannot grow (in exact arithmetic).
 *
 * - 'descent' (the deep conjugate-direction idea of Kaneda et al., ICML 2023, without their
 *   orthogonalisation): d = z = direction(x, r).
 * - 'flexible': z is a nonlinear preconditioner inside flexible CG with one stored direction
 *   (Notay, "Flexible conjugate gradients", SISC 2000): d = z − βd₋, β chosen so that d is
 *   A-orthogonal to the previous direction. For a fixed linear SPD z = M⁻¹r this is PCG.
 *
 * The inner product is A's energy for symmetric positive definite A, α = rᵀd / dᵀAd, which
 * minimises ‖e‖_A along d; otherwise the residual's, α = (Ad)ᵀr / ‖Ad‖², which minimises ‖r‖
 * along d (and 'flexible' becomes GCR with one stored direction, Eisenstat, Elman & Schultz 1983).
 */
import * as tf from '@tensorflow/tfjs-core';
import * as ls from '../coreApi';
import {guardedDivide, untaped} from './untaped';

/** The direction function: the current iterate and residual (`[n, 1]`, `[B, n, 1]` blocks) → z, same shape. */
export type DirectionFunction = (x: tf.Tensor, r: tf.Tensor, iteration: number) => tf.Tensor;

/** How directions are combined: 'descent' (d = z) or 'flexible' (flexible CG, d = z − βd₋). */
export type NeuralKrylovMode = 'descent' | 'flexible';

/** `neuralKrylov`'s options. */
export interface NeuralKrylovOptions {
  /** Iterations (default 20); with `rtol`, the most iterations. */
  iterations?: number;
  /** 'descent' (default) or 'flexible'. */
  mode?: NeuralKrylovMode;
  /**
   * 'energy' (A-norm line search; needs A symmetric positive definite) or 'residual' (minimal
   * residual, any A). Default: 'energy' when A is tagged symmetric and positiveDefinite.
   */
  inner?: 'energy' | 'residual';
  /**
   * Stop once every member's residual is ≤ rtol·‖b‖, checked every `checkEvery` iterations
   * (a read from the device each time) on the recurred residual and confirmed on the true one,
   * b − Ax (one more product; when they disagree the loop continues from the true residual). Without it: exactly `iterations` steps,
   * all on the tape (for training), with no read.
   */
  rtol?: number;
  /** Iterations between the `rtol` checks (default 1). */
  checkEvery?: number;
}

/** What `neuralKrylov` returns. */
export interface NeuralKrylovResult {
  /** The solution, shaped like b. */
  x: tf.Tensor;
  /** Iterations run. */
  iterations: number;
  /** The largest ‖b − Ax‖/‖b‖ over the batch at the end (the recurred one if `iterations` ran out first), or null without `rtol`. */
  relativeResidual: number | null;
  /** Whether `rtol` was met (null without `rtol`). */
  converged: boolean | null;
}

/** Below this ‖r‖²/‖b‖² a member stops moving: float32 cannot resolve more. */
const FLOOR = 1.1920929e-7 ** 2;

interface State {
  x: tf.Tensor;
  r: tf.Tensor;
  d: tf.Tensor | null;
  ad: tf.Tensor | null;
}

/** Column-wise dot products of `[..., n, 1]` blocks → `[..., 1, 1]`. */
function dot(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  return tf.sum(tf.mul(a, b), -2, true);
}

/** One iteration: direction, (flexible) A-orthogonalisation, exact line search. */
function step(A: ls.LinearOperator, direction: DirectionFunction, s: State, i: number, flexible: boolean,
    energy: boolean, floor: tf.Tensor): State {
  const z = direction(s.x, s.r, i);
  if (!(z instanceof tf.Tensor) || !tf.util.arraysEqual(z.shape, s.r.shape)) {
    throw new ls.LinearSolveError('shape', `neuralKrylov: the direction function must return a tensor [${s.r.shape}] like r, ` +
      `got ${z instanceof tf.Tensor ? `[${z.shape}]` : typeof z}.`);
  }
  const az = A.apply(z);
  let d = z;
  let ad = az;
  if (flexible && s.d != null && s.ad != null) {
    const num = energy ? dot(az, s.d) : dot(az, s.ad);
    const den = energy ? dot(s.d, s.ad) : dot(s.ad, s.ad);
    const ok = untaped(() => tf.greater(den, 0));
    const beta = guardedDivide(num, den, ok);
    d = tf.sub(z, tf.mul(beta, s.d));
    ad = tf.sub(az, tf.mul(beta, s.ad));
  }
  const num = energy ? dot(s.r, d) : dot(ad, s.r);
  const den = energy ? dot(d, ad) : dot(ad, ad);
  const rr = dot(s.r, s.r);
  const ok = untaped(() => tf.logicalAnd(tf.greater(rr, floor), tf.greater(den, 0)));
  const alpha = guardedDivide(num, den, ok);
  return {x: tf.add(s.x, tf.mul(alpha, d)), r: tf.sub(s.r, tf.mul(alpha, ad)), d, ad};
}

function checkOptions(A: ls.LinearOperator, b: tf.Tensor, options: NeuralKrylovOptions) {
  const fail = (m: string): never => { throw new ls.LinearSolveError('option', `neuralKrylov: ${m}`); };
  const iterations = options.iterations ?? 20;
  if (!(Number.isInteger(iterations) && iterations >= 0)) fail(`iterations must be an integer ≥ 0, got ${JSON.stringify(options.iterations)}.`);
  const mode = options.mode ?? 'descent';
  if (mode !== 'descent' && mode !== 'flexible') fail(`mode must be 'descent' or 'flexible', got ${JSON.stringify(options.mode)}.`);
  const spd = A.hasTag('symmetric') && A.hasTag('positiveDefinite');
  const inner = options.inner ?? (spd ? 'energy' : 'residual');
  if (inner !== 'energy' && inner !== 'residual') fail(`inner must be 'energy' or 'residual', got ${JSON.stringify(options.inner)}.`);
  if (inner === 'energy' && !spd) fail("inner: 'energy' needs A tagged ['symmetric', 'positiveDefinite']; use 'residual' for other matrices.");
  if (options.rtol != null && !(Number.isFinite(options.rtol) && options.rtol >= 0)) fail(`rtol must be a finite number ≥ 0, got ${options.rtol}.`);
  const checkEvery = options.checkEvery ?? 1;
  if (!(Number.isInteger(checkEvery) && checkEvery >= 1)) fail(`checkEvery must be an integer ≥ 1, got ${options.checkEvery}.`);
  const vectorRank = A.batchSize == null ? 1 : 2;
  const n = A.shape[0];
  if (b.rank !== vectorRank || b.shape[vectorRank - 1] !== n || (vectorRank === 2 && b.shape[0] !== A.batchSize)) {
    throw new ls.LinearSolveError('shape', `neuralKrylov: b must be ${vectorRank === 1 ? `[${n}]` : `[${A.batchSize}, ${n}]`} for A ` +
      `${A.batchSize == null ? '' : `[${A.batchSize}] × `}[${A.shape}], got [${b.shape}].`);
  }
  return {iterations, flexible: mode === 'flexible', energy: inner === 'energy', checkEvery};
}

/**
 * Solves A x = b from x₀ = 0 by iterations whose directions a function proposes (a trained
 * network, for a neurally accelerated solver), each followed by the exact line search:
 *
 *   z = direction(x, r);  d = z ('descent')  or  d = z − (zᵀAd₋ / d₋ᵀAd₋)·d₋ ('flexible');
 *   α = rᵀd / dᵀAd;  x ← x + αd;  r ← r − αAd
 *
 * (for A not tagged SPD, the residual inner product: α = (Ad)ᵀr/‖Ad‖², β likewise). Each step
 * minimises ‖e‖_A (‖r‖) along d, so the error never grows whatever z is; how fast it falls is
 * the direction's business. One product with A per iteration, plus the direction's cost.
 * Without `rtol` the loop is a fixed number of taped steps: differentiate through it (to the
 * direction function's weights, to A and to b) to train the direction.
 *
 * b is `[n]` (`[B, n]` for a batched A); the direction function sees `[n, 1]` (`[B, n, 1]`) blocks.
 *
 * ```ts
 * const A = ls.sparse({indices, values, shape: [n, n], tags: ['symmetric', 'positiveDefinite']});
 * const inverseDiagonal = tf.expandDims(ls.graph.jacobiScale(A), -1);
 * // Jacobi directions in flexible CG: Jacobi-preconditioned CG.
 * const {x, iterations} = ls.neuralKrylov(A, b, (x, r) => tf.mul(r, inverseDiagonal),
 *   {mode: 'flexible', rtol: 1e-5, iterations: 500});
 * ```
 */
export function neuralKrylov(A: ls.LinearOperator, b: tf.Tensor, direction: DirectionFunction,
    options: NeuralKrylovOptions = {}): NeuralKrylovResult {
  const {iterations, flexible, energy, checkEvery} = checkOptions(A, b, options);
  const rtol = options.rtol;
  if (rtol == null) {
    const x = tf.tidy(() => {
      const block = tf.expandDims(b, -1);
      const floor = tf.mul(dot(block, block), FLOOR);
      let s: State = {x: tf.zerosLike(block), r: block, d: null, ad: null};
      for (let i = 0; i < iterations; i++) s = step(A, direction, s, i, flexible, energy, floor);
      return tf.squeeze(s.x, [-1]);
    });
    return {x, iterations, relativeResidual: null, converged: null};
  }
  return solveToTolerance(A, b, direction, iterations, flexible, energy, rtol, checkEvery);
}

/** The loop with a convergence check: each step in its own tidy, keeping only the state. */
function solveToTolerance(A: ls.LinearOperator, b: tf.Tensor, direction: DirectionFunction, iterations: number,
    flexible: boolean, energy: boolean, rtol: number, checkEvery: number): NeuralKrylovResult {
  const block = tf.expandDims(b, -1);
  const bb = dot(block, block);
  const floor = tf.mul(bb, FLOOR);
  let s: State = {x: tf.zerosLike(block), r: tf.clone(block), d: null, ad: null};
  const worst = (): number => tf.tidy(() => Math.sqrt(tf.max(tf.div(dot(s.r, s.r), tf.maximum(bb, 1e-30))).dataSync()[0]));
  let relative = worst();
  let i = 0;
  try {
    while (i < iterations && !(relative <= rtol)) {
      const next = tf.tidy(() => {
        const t = step(A, direction, s, i, flexible, energy, floor);
        // A direction function may hand back r itself, which is disposed below with the old state.
        const d = t.d === s.r || t.d === s.x ? tf.clone(t.d as tf.Tensor) : t.d as tf.Tensor;
        return {x: tf.keep(t.x), r: tf.keep(t.r), d: tf.keep(d), ad: tf.keep(t.ad as tf.Tensor)};
      });
      tf.dispose([s.x, s.r, s.d, s.ad].filter((t): t is tf.Tensor => t != null));
      s = next;
      i++;
      if (i % checkEvery === 0 || i === iterations) relative = worst();
      // The recurred residual drifts from b − Ax (a nonlinear z makes it drift faster): stop
      // only on the true residual, and carry on from it when the two disagree.
      if (relative <= rtol) {
        const trueResidual = tf.tidy(() => tf.sub(block, A.apply(s.x)));
        s.r.dispose();
        s.r = trueResidual;
        relative = worst();
      }
    }
    return {x: tf.tidy(() => tf.squeeze(s.x, [-1])), iterations: i, relativeResidual: relative, converged: relative <= rtol};
  } finally {
    tf.dispose([block, bb, floor, s.x, s.r, s.d, s.ad].filter((t): t is tf.Tensor => t != null));
  }
}
