/**
 * A learned preconditioner for CG, trained through the iterations: `apply([A, b])` runs a
 * fixed number of preconditioned-CG steps (Saad 2003, Alg. 9.1) with M⁻¹ built from the
 * layer's weights, differentiated by unrolling (or a truncated adjoint) so that M⁻¹ gets a
 * gradient — the implicit gradient of the exact solution does not depend on M at all.
 */
import * as tf from './tf';
import * as ls from '../index';
import {LayerArgs, Shape, checkAdjoint, checkSystemShapes, inputShapes, shapeError, tensorsOf} from './solveConfig';
import {InitializerConfig, Initializer, initializerOf, serializeInitializer} from './initializers';
import {LowRankPreconditioner, PreconditionerForm, lowRankPreconditioner} from './LowRankPreconditioner';

/** `learnedPreconditioner`'s config. */
export interface LearnedPreconditionerLayerArgs extends LayerArgs {
  /** Columns of the low-rank factor (default 4). */
  rank?: number;
  /** Preconditioned-CG steps per solve (default 10). */
  iterations?: number;
  /** 'inverse' (default): M⁻¹ = D⁻¹ + VVᵀ; 'woodbury': M = D + UUᵀ. */
  form?: PreconditionerForm;
  /** 'unrolled' (default) or {truncated: k}; the implicit adjoint would give M no gradient. */
  adjoint?: 'unrolled' | {truncated: number};
  /** Initialiser of the factor V or U (default randomNormal, stddev 0.05: a zero factor gets no gradient). */
  factorsInitializer?: InitializerConfig;
}

/** softplus(d) = 1 at d = log(e − 1): D starts as the identity. */
const UNIT_SOFTPLUS = Math.log(Math.E - 1);

/** `apply([A, b]) → x_k`: A `[batch, n, n]` symmetric positive definite, b `[batch, n]` or `[batch, n, k]`. */
export class LearnedPreconditionerLayer extends tf.layers.Layer {
  static className = 'LearnedPreconditioner';
  readonly rank: number;
  readonly iterations: number;
  readonly form: PreconditionerForm;
  readonly adjoint: 'unrolled' | {truncated: number};
  readonly factorsInitializer: InitializerConfig | null;
  private d: tf.LayerVariable | null = null;
  private factors: tf.LayerVariable | null = null;

  constructor(args: LearnedPreconditionerLayerArgs = {}) {
    super(args);
    const layer = 'learnedPreconditioner';
    const fail = (m: string) => { throw new ls.LinearSolveError('option', `${layer}: ${m}`); };
    this.rank = args.rank ?? 4;
    this.iterations = args.iterations ?? 10;
    this.form = args.form ?? 'inverse';
    if (!(Number.isInteger(this.rank) && this.rank >= 1)) fail(`rank must be an integer ≥ 1, got ${JSON.stringify(args.rank)}.`);
    if (!(Number.isInteger(this.iterations) && this.iterations >= 1)) fail(`iterations must be an integer ≥ 1, got ${JSON.stringify(args.iterations)}.`);
    if (this.form !== 'inverse' && this.form !== 'woodbury') fail(`form must be 'inverse' or 'woodbury', got ${JSON.stringify(args.form)}.`);
    checkAdjoint(layer, args.adjoint, ['unrolled', 'truncated']);
    this.adjoint = args.adjoint == null ? 'unrolled' : JSON.parse(JSON.stringify(args.adjoint));
    if (args.factorsInitializer != null) initializerOf(layer, args.factorsInitializer);
    this.factorsInitializer = args.factorsInitializer ?? null;
  }

  build(inputShape: Shape | Shape[]): void {
    const [a, b] = inputShapes('learnedPreconditioner', inputShape, 2, '[A, b]');
    const n = checkSystemShapes('learnedPreconditioner', a, b);
    if (n == null) shapeError('learnedPreconditioner', 'n must be known from the input shape [batch, n, n].');
    const factors = this.factorsInitializer != null ? initializerOf('learnedPreconditioner', this.factorsInitializer) :
      tf.initializers.randomNormal({stddev: 0.05});
    this.d = this.addWeight('diagonal', [n], 'float32', tf.initializers.constant({value: UNIT_SOFTPLUS}));
    this.factors = this.addWeight('factors', [n, this.rank], 'float32', factors as Initializer);
    this.built = true;
  }

  computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const [a, b] = inputShapes('learnedPreconditioner', inputShape, 2, '[A, b]');
    checkSystemShapes('learnedPreconditioner', a, b);
    return b;
  }

  call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const tensors = tensorsOf(inputs);
      inputShapes('learnedPreconditioner', tensors.map(t => t.shape), 2, '[A, b]');
      const [A, b] = tensors;
      const n = checkSystemShapes('learnedPreconditioner', A.shape, b.shape);
      if (this.d == null || this.factors == null) shapeError('learnedPreconditioner', 'the layer is not built.');
      if (n !== this.d.shape[0]) shapeError('learnedPreconditioner', `the layer was built for n = ${this.d.shape[0]}, got A [${A.shape}].`);
      // The weights' reads are taped ops of the unrolled (or truncated) CG steps: no custom op
      // closes over them.
      const M = lowRankPreconditioner(this.form, this.d.read(), this.factors.read());
      return ls.solve(A, b, {method: 'cg', preconditioner: M, maxIterations: this.iterations, fixedIterations: true,
        adjoint: this.adjoint, tags: ['symmetric', 'positiveDefinite']});
    });
  }

  /**
   * The trained M⁻¹ as a LinearOperator, for `ls.solve(A, b, {method: 'cg', preconditioner})`;
   * it holds its own tensors (free them with `dispose()`).
   */
  preconditioner(): LowRankPreconditioner {
    if (this.d == null || this.factors == null) shapeError('learnedPreconditioner', 'build or apply the layer before asking for its preconditioner.');
    const d = this.d;
    const factors = this.factors;
    // A copy of the factors: the operator owns all its tensors, and training on keeps it as it is.
    return lowRankPreconditioner(this.form, d.read(), tf.clone(factors.read()));
  }

  getConfig(): tf.serialization.ConfigDict {
    const config: tf.serialization.ConfigDict = {
      ...super.getConfig(), rank: this.rank, iterations: this.iterations, form: this.form,
      adjoint: this.adjoint as tf.serialization.ConfigDictValue,
    };
    if (this.factorsInitializer != null) config.factorsInitializer = serializeInitializer(this.factorsInitializer);
    return config;
  }
}

/**
 * A layer of preconditioned-CG steps whose preconditioner is learned: `apply([A, b]) → x_k`.
 *
 * Two forms, both symmetric positive definite by construction (CG needs SPD):
 * - `form: 'inverse'` (default): M⁻¹ = D⁻¹ + VVᵀ, D = softplus(d), applied in O(n·rank) with
 *   no inner solve. Adding VVᵀ *raises* chosen eigenvalues of M⁻¹A, which is what helps on
 *   diffusion problems, whose small eigenvalues slow CG.
 * - `form: 'woodbury'`: M = D + UUᵀ ≈ A, M⁻¹ by the Woodbury identity (a rank×rank Cholesky
 *   solve). Since M ⪰ D, no generalised eigenvalue of M⁻¹A can rise above D's: it cannot lift
 *   the small eigenvalues, and on diffusion problems it barely improves on a diagonal.
 *
 * Weights `diagonal` `[n]` (D = I at init) and `factors` `[n, rank]`. Train it on exact
 * solutions of a problem family; `layer.preconditioner()` then returns M⁻¹ as an operator.
 * `adjoint: 'unrolled'` (default) backpropagates through the k steps; `{truncated: j}` solves
 * off the tape and backpropagates through j Richardson steps x ← x + M⁻¹(b − Ax) (memory j steps;
 * M's gradient then comes from the residual the k steps left, so keep k small with it).
 *
 * ```ts
 * const A = tf.input({shape: [n, n]});
 * const b = tf.input({shape: [n]});
 * const layer = ls.layers.learnedPreconditioner({rank: 8, iterations: 10});
 * const model = tf.model({inputs: [A, b], outputs: layer.apply([A, b]) as tf.SymbolicTensor});
 * // … model.fit([As, bs], exactSolutions) …
 * const x = ls.solve(A0, b0, {method: 'cg', preconditioner: layer.preconditioner()});
 * ```
 */
export function learnedPreconditioner(config: LearnedPreconditionerLayerArgs = {}): LearnedPreconditionerLayer {
  return new LearnedPreconditionerLayer(config);
}

