/**
 * Unrolled conjugate gradients with learned step scales (in the spirit of "learning to
 * optimise" unrolled solvers; Hestenes & Stiefel 1952 for CG, Saad 2003 Alg. 6.18): k steps
 *
 *   αₖ = aₖ·(rᵀr)/(pᵀAp),  x += αₖp,  r −= αₖAp,  βₖ = (r'ᵀr')/(rᵀr) + bₖ,  p = r' + βₖp,
 *
 * with weights a (`alphas` `[k]`, init 1) and b (`betas` `[k − 1]`, init 0: the k-th
 * conjugation would only shape a direction no step uses, so its offset could never learn):
 * at initialisation exactly k steps of CG from x₀ = 0. Differentiated by backpropagation
 * through the steps.
 */
import * as tf from './tf';
import * as ls from '../index';
import {detached} from './detached';
import {LayerArgs, Shape, checkSystemShapes, inputShapes, shapeError, tensorsOf} from './solveConfig';

/** `unrolledSolver`'s config. */
export interface UnrolledSolverLayerArgs extends LayerArgs {
  /** The number of CG steps k (default 5). */
  iterations?: number;
}

/**
 * A column stops moving once ‖r‖ ≤ ε‖b‖ (float32 can do no better) or pᵀAp ≤ 0: its step
 * sizes are then 0, and the divisions see a denominator of 1 instead of ~0, so neither the
 * value nor the gradient becomes NaN (`where` sends no gradient into the branch not taken).
 */
const STOP = 1.1920929e-7 ** 2;

/** `apply([A, b]) → x_k`: A `[batch, n, n]` symmetric positive definite, b `[batch, n]` or `[batch, n, k]`. */
export class UnrolledSolverLayer extends tf.layers.Layer {
  static className = 'UnrolledSolver';
  readonly iterations: number;
  private alphas: tf.LayerVariable | null = null;
  private betas: tf.LayerVariable | null = null;

  constructor(args: UnrolledSolverLayerArgs = {}) {
    super(args);
    const k = args.iterations ?? 5;
    if (!(Number.isInteger(k) && k >= 1)) {
      throw new ls.LinearSolveError('option', `unrolledSolver: iterations must be an integer ≥ 1, got ${JSON.stringify(args.iterations)}.`);
    }
    this.iterations = k;
  }

  build(inputShape: Shape | Shape[]): void {
    const [a, b] = inputShapes('unrolledSolver', inputShape, 2, '[A, b]');
    checkSystemShapes('unrolledSolver', a, b);
    this.alphas = this.addWeight('alphas', [this.iterations], 'float32', tf.initializers.ones());
    if (this.iterations > 1) this.betas = this.addWeight('betas', [this.iterations - 1], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const [a, b] = inputShapes('unrolledSolver', inputShape, 2, '[A, b]');
    checkSystemShapes('unrolledSolver', a, b);
    return b;
  }

  call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const tensors = tensorsOf(inputs);
      inputShapes('unrolledSolver', tensors.map(t => t.shape), 2, '[A, b]');
      const [A, b] = tensors;
      checkSystemShapes('unrolledSolver', A.shape, b.shape);
      if (this.alphas == null) shapeError('unrolledSolver', 'the layer is not built.');
      const block = b.rank === 2 ? tf.expandDims(b, -1) : b;
      const x = unrolledCG(A, block, this.alphas.read(), this.betas?.read() ?? null, this.iterations);
      return b.rank === 2 ? tf.squeeze(x, [-1]) : x;
    });
  }

  getConfig(): tf.serialization.ConfigDict {
    return {...super.getConfig(), iterations: this.iterations};
  }
}

/** Column-wise dot products of `[B, n, k]` blocks → `[B, 1, k]`. */
function dot(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  return tf.sum(tf.mul(a, b), 1, true);
}

/** a / b where `ok`, else 0, with a gradient free of NaN (the denominator is 1 where not ok). */
function guardedDivide(a: tf.Tensor, b: tf.Tensor, ok: tf.Tensor): tf.Tensor {
  return tf.where(ok, tf.div(a, tf.where(ok, b, tf.onesLike(b))), tf.zerosLike(a));
}

/** k taped CG steps with learned scales from x₀ = 0; A `[B, n, n]`, b `[B, n, m]`. */
function unrolledCG(A: tf.Tensor, b: tf.Tensor, alphas: tf.Tensor, betas: tf.Tensor | null, k: number): tf.Tensor {
  const scales = tf.unstack(alphas);
  const offsets = betas == null ? [] : tf.unstack(betas);
  const floor = tf.mul(dot(b, b), STOP);
  let x = tf.zerosLike(b);
  let r = b;
  let p = b;
  let rr = dot(r, r);
  for (let i = 0; i < k; i++) {
    const ap = tf.matMul(A, p);
    const pap = dot(p, ap);
    const ok = detached(() => tf.logicalAnd(tf.greater(rr, floor), tf.greater(pap, 0)));
    const alpha = tf.mul(guardedDivide(rr, pap, ok), scales[i]);
    x = tf.add(x, tf.mul(alpha, p));
    if (i === k - 1) break;
    r = tf.sub(r, tf.mul(alpha, ap));
    const next = dot(r, r);
    const beta = tf.add(guardedDivide(next, rr, ok), offsets[i]);
    p = tf.add(r, tf.mul(beta, p));
    rr = next;
  }
  return x;
}

/**
 * A layer of k unrolled CG steps with a learned scale and offset per step: `apply([A, b]) → x_k`.
 *
 * Weights `alphas` `[k]` (init 1) scale each step length and `betas` `[k − 1]` (init 0) shift
 * each conjugation coefficient between steps, so an untrained layer is exactly k CG steps; trained, it is a
 * k-step solver tuned to the family of systems it saw. Gradients flow by backpropagation
 * through every step (to the weights, to A and to b); memory grows with k.
 *
 * ```ts
 * const A = tf.input({shape: [n, n]});
 * const b = tf.input({shape: [n]});
 * const x = ls.layers.unrolledSolver({iterations: 4}).apply([A, b]) as tf.SymbolicTensor;
 * const model = tf.model({inputs: [A, b], outputs: x});
 * model.compile({optimizer: 'adam', loss: 'meanSquaredError'});   // fit to exact solutions
 * ```
 */
export function unrolledSolver(config: UnrolledSolverLayerArgs = {}): UnrolledSolverLayer {
  return new UnrolledSolverLayer(config);
}
