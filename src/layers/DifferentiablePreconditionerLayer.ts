/**
 * A left preconditioner learned to lower κ₂(MA): M = diag(d) + L·R, and the layer solves
 * (MA)x = Mb. The solution equals A⁻¹b for any nonsingular M, so the data loss alone gives M
 * (in exact arithmetic) no gradient: M learns from log κ₂(MA) (`conditionNumberLoss`), which
 * the layer adds to the model's training loss, weighted by `conditionWeight`.
 */
import * as tf from './tf';
import * as ls from '../index';
import {detached} from './detached';
import {LayerArgs, SOLVE_KEYS, Shape, SolveConfig, checkSystemShapes, inputShapes, shapeError, solveConfigOf, tensorsOf} from './solveConfig';

/** `differentiablePreconditioner`'s config. */
export interface DifferentiablePreconditionerLayerArgs extends LayerArgs, SolveConfig {
  /** Rank of the correction L·R (default 2). */
  rank?: number;
  /**
   * Weight λ of λ·log κ₂(MA) in the training loss, for the last batch seen (default 0.1;
   * 0 turns it off, and then `fit` leaves M essentially unchanged).
   */
  conditionWeight?: number;
}

/**
 * The κ₂ estimate of the penalty, once per training step: 50 power iterations (stopping at
 * tol 1e-5) track slowly moving weights well enough; the exact value is `ls.conditionNumber`.
 */
const PENALTY_ESTIMATE = {iterations: 50, tol: 1e-5};

/** `apply([A, b]) → x` with A `[batch, n, n]`, b `[batch, n]` or `[batch, n, k]`. */
export class DifferentiablePreconditionerLayer extends tf.layers.Layer {
  static className = 'DifferentiablePreconditioner';
  readonly rank: number;
  readonly conditionWeight: number;
  readonly solveOptions: SolveConfig;
  private d: tf.LayerVariable | null = null;
  private left: tf.LayerVariable | null = null;
  private right: tf.LayerVariable | null = null;
  /** The last batch's A, without a gradient path, for the condition penalty. */
  private lastA: tf.Tensor | null = null;

  constructor(args: DifferentiablePreconditionerLayerArgs = {}) {
    super(args);
    const layer = 'differentiablePreconditioner';
    this.rank = args.rank ?? 2;
    this.conditionWeight = args.conditionWeight ?? 0.1;
    if (!(Number.isInteger(this.rank) && this.rank >= 1)) {
      throw new ls.LinearSolveError('option', `${layer}: rank must be an integer ≥ 1, got ${JSON.stringify(args.rank)}.`);
    }
    if (!(Number.isFinite(this.conditionWeight) && this.conditionWeight >= 0)) {
      throw new ls.LinearSolveError('option', `${layer}: conditionWeight must be a finite number ≥ 0, got ${JSON.stringify(args.conditionWeight)}.`);
    }
    this.solveOptions = solveConfigOf(layer, args);
  }

  build(inputShape: Shape | Shape[]): void {
    const [a, b] = inputShapes('differentiablePreconditioner', inputShape, 2, '[A, b]');
    const n = checkSystemShapes('differentiablePreconditioner', a, b);
    if (n == null) shapeError('differentiablePreconditioner', 'n must be known from the input shape [batch, n, n].');
    // Both factors nonzero: the product L·R has no gradient at L = R = 0.
    this.d = this.addWeight('diagonal', [n], 'float32', tf.initializers.ones());
    this.left = this.addWeight('left', [n, this.rank], 'float32', tf.initializers.randomNormal({stddev: 0.05}));
    this.right = this.addWeight('right', [this.rank, n], 'float32', tf.initializers.randomNormal({stddev: 0.05}));
    if (this.conditionWeight > 0) {
      this.addLoss(() => tf.tidy(() => (this.lastA == null ? tf.scalar(0) :
        tf.mul(this.conditionWeight, this.conditionNumberLoss(this.lastA))) as tf.Scalar));
    }
    this.built = true;
  }

  computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const [a, b] = inputShapes('differentiablePreconditioner', inputShape, 2, '[A, b]');
    checkSystemShapes('differentiablePreconditioner', a, b);
    return b;
  }

  /** M = diag(d) + L·R `[n, n]`, differentiable in the weights. */
  matrix(): tf.Tensor {
    if (this.d == null || this.left == null || this.right == null) {
      shapeError('differentiablePreconditioner', 'build or apply the layer first.');
    }
    const [d, left, right] = [this.d.read(), this.left.read(), this.right.read()];
    return tf.tidy(() => tf.add(tf.mul(tf.eye(d.shape[0]), d), tf.matMul(left, right)));
  }

  /** M·X for X `[n, k]` or `[B, n, k]` (M broadcast so that its gradient sums over the batch). */
  private precondition(M: tf.Tensor, x: tf.Tensor): tf.Tensor {
    return tf.matMul(x.rank === 3 ? tf.broadcastTo(M, [x.shape[0], ...M.shape]) : M, x);
  }

  /**
   * log κ₂(MA), averaged over a batch A `[B, n, n]` (or one A `[n, n]`): a scalar
   * differentiable in the layer's weights through `ls.conditionNumber`. κ₂ = σmax/σmin is
   * defined for any nonsingular MA (an eigenvalue ratio is not, for non-normal MA).
   */
  conditionNumberLoss(A: tf.Tensor): tf.Scalar {
    return tf.tidy(() => tf.mean(tf.log(ls.conditionNumber(this.precondition(this.matrix(), A), PENALTY_ESTIMATE))) as tf.Scalar);
  }

  call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const tensors = tensorsOf(inputs);
      inputShapes('differentiablePreconditioner', tensors.map(t => t.shape), 2, '[A, b]');
      const [A, b] = tensors;
      const n = checkSystemShapes('differentiablePreconditioner', A.shape, b.shape);
      if (this.d != null && n !== this.d.shape[0]) {
        shapeError('differentiablePreconditioner', `the layer was built for n = ${this.d.shape[0]}, got A [${A.shape}].`);
      }
      this.lastA?.dispose();
      this.lastA = tf.keep(detached(() => tf.clone(A)));
      const M = this.matrix();
      const block = b.rank === 2 ? tf.expandDims(b, -1) : b;
      const x = ls.solve(this.precondition(M, A), this.precondition(M, block), this.solveOptions as ls.SolveOptions);
      return b.rank === 2 ? tf.squeeze(x, [-1]) : x;
    });
  }

  dispose(): ReturnType<tf.layers.Layer['dispose']> {
    this.lastA?.dispose();
    this.lastA = null;
    return super.dispose();
  }

  getConfig(): tf.serialization.ConfigDict {
    const config: tf.serialization.ConfigDict = {...super.getConfig(), rank: this.rank, conditionWeight: this.conditionWeight};
    for (const key of SOLVE_KEYS) {
      const value = this.solveOptions[key];
      if (value != null) config[key] = value as tf.serialization.ConfigDictValue;
    }
    return config;
  }
}

/**
 * A layer that solves the left-preconditioned system (MA)x = Mb with a learned
 * M = diag(d) + L·R: `apply([A, b]) → x`.
 *
 * Mathematically x = A⁻¹b whatever M is; what M changes is how well the solve behaves:
 * κ₂(MA), the rate of iterative methods on MA and the float32 error. The layer adds
 * `conditionWeight`·log κ₂(MA) (for the batch it last saw) to the training loss, so
 * `model.fit` trains M toward a better-conditioned MA; `layer.conditionNumberLoss(A)` gives the
 * same term for custom loops. κ₂ = σmax/σmin via `ls.conditionNumber` (an eigenvalue ratio is
 * undefined for non-normal MA). Weights: `diagonal` `[n]` (init 1), `left` `[n, rank]`,
 * `right` `[rank, n]`. Solve options as in `linearSolve` (default method 'auto': LU here).
 *
 * ```ts
 * const A = tf.input({shape: [n, n]});
 * const b = tf.input({shape: [n]});
 * const layer = ls.layers.differentiablePreconditioner({rank: 2, conditionWeight: 0.1});
 * const model = tf.model({inputs: [A, b], outputs: layer.apply([A, b]) as tf.SymbolicTensor});
 * ```
 */
export function differentiablePreconditioner(config: DifferentiablePreconditionerLayerArgs = {}): DifferentiablePreconditionerLayer {
  return new DifferentiablePreconditionerLayer(config);
}
