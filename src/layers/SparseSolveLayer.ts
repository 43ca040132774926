/**
 * A sparse solve as a tfjs layer, on a fixed pattern: the values are a trainable weight (the
 * layer that learns a PDE's coefficients) or an input `[batch, nnz]` from upstream layers.
 * Gradients reach the values on the pattern only.
 */
import * as tf from './tf';
import * as ls from '../index';
import {
  LayerArgs, SOLVE_KEYS, Shape, SolveConfig, checkSystemShapes, inputShapes, sameDim, shapeError, solveConfigOf, tensorsOf,
} from './solveConfig';
import {Initializer, InitializerConfig, initializerOf, serializeInitializer} from './initializers';

/** `sparseSolve`'s config. */
export interface SparseSolveLayerArgs extends LayerArgs, SolveConfig {
  /** The pattern: `[nnz, 2]` (row, column) pairs. Duplicates are summed. */
  indices: number[][];
  /** `[n, n]`. */
  shape: [number, number];
  /** Initial values `[nnz]` of the trainable weight (weight mode). */
  values?: number[];
  /**
   * Initialiser of the values weight: a tf.initializers name ('ones', 'zeros', 'glorotUniform',
   * …) or instance; default: `values`.
   */
  valuesInitializer?: InitializerConfig;
}

/**
 * `apply(b) → x` with the values a trainable weight `values` `[nnz]` (one matrix for the
 * batch: its samples are right-hand sides of one solve), or `apply([values, b]) → x` with
 * values `[batch, nnz]` (one matrix per sample, solved together as a batched sparse operator).
 * b is `[batch, n]` or `[batch, n, k]`.
 */
export class SparseSolveLayer extends tf.layers.Layer {
  static className = 'SparseSolve';
  readonly indices: number[][];
  readonly matrixShape: [number, number];
  readonly initialValues: number[] | null;
  readonly valuesInitializer: InitializerConfig | null;
  readonly solveOptions: SolveConfig;
  private valuesWeight: tf.LayerVariable | null = null;

  constructor(args: SparseSolveLayerArgs) {
    super(args);
    const layer = 'sparseSolve';
    if (args == null || !Array.isArray(args.indices) || args.indices.some(p => !Array.isArray(p) || p.length !== 2 ||
        !p.every(Number.isInteger))) {
      throw new ls.LinearSolveError('option', `${layer}: indices must be [nnz, 2] integer (row, column) pairs.`);
    }
    const [m, n] = args.shape ?? [];
    if (!(Number.isInteger(n) && n > 0 && m === n)) {
      throw new ls.LinearSolveError('option', `${layer}: shape must be square [n, n] with n > 0, got ${JSON.stringify(args.shape)}.`);
    }
    const bad = args.indices.findIndex(([i, j]) => !(i >= 0 && i < n && j >= 0 && j < n));
    if (bad >= 0) throw new ls.LinearSolveError('option', `${layer}: entry ${bad} (${args.indices[bad]}) lies outside the ${n}×${n} shape.`);
    if (args.values != null && (!Array.isArray(args.values) || args.values.length !== args.indices.length ||
        !args.values.every(Number.isFinite))) {
      throw new ls.LinearSolveError('option', `${layer}: values must be ${args.indices.length} finite numbers, one per index pair.`);
    }
    if (args.valuesInitializer != null) initializerOf(layer, args.valuesInitializer);
    this.indices = args.indices.map(p => [p[0], p[1]]);
    this.matrixShape = [n, n];
    this.initialValues = args.values == null ? null : [...args.values];
    this.valuesInitializer = args.valuesInitializer ?? null;
    this.solveOptions = solveConfigOf(layer, args);
  }

  get nnz(): number {
    return this.indices.length;
  }

  build(inputShape: Shape | Shape[]): void {
    if (!Array.isArray(inputShape[0])) {
      if (this.initialValues == null && this.valuesInitializer == null) {
        throw new ls.LinearSolveError('option',
          'sparseSolve: apply(b) learns the values as a weight: give `values` or `valuesInitializer`, or apply([values, b]).');
      }
      const initializer = this.valuesInitializer != null ? initializerOf('sparseSolve', this.valuesInitializer) :
        {apply: () => tf.tensor1d(this.initialValues as number[])};
      this.valuesWeight = this.addWeight('values', [this.nnz], 'float32', initializer as Initializer);
    }
    this.built = true;
  }

  computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return this.checkShapes(inputShape).b;
  }

  call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const tensors = tensorsOf(inputs);
      const shapes = tensors.map(t => t.shape);
      this.checkShapes(tensors.length === 1 ? shapes[0] : shapes);
      const [n] = this.matrixShape;
      const options = this.solveOptions as ls.SolveOptions;
      if (tensors.length === 2) {
        // One matrix per sample: a batched sparse operator, values [batch, nnz].
        const [values, b] = tensors;
        return ls.solve(ls.sparse({indices: this.indices, values, shape: this.matrixShape, tags: options.tags}), b, options);
      }
      if (this.valuesWeight == null) {
        throw new ls.LinearSolveError('shape', 'sparseSolve: this layer was built for apply([values, b]); it has no values weight.');
      }
      // The weight enters the solve as an input of its custom op (read(), not a closure).
      const A = ls.sparse({indices: this.indices, values: this.valuesWeight.read(), shape: this.matrixShape, tags: options.tags});
      const [b] = tensors;
      const batch = b.shape[0];
      const k = b.rank === 3 ? b.shape[2] as number : 1;
      // The batch's right-hand sides as the columns of one block [n, batch·k].
      const columns = tf.reshape(tf.transpose(tf.reshape(b, [batch, n, k]), [1, 0, 2]), [n, batch * k]);
      const x = ls.solve(A, columns, options);
      return tf.reshape(tf.transpose(tf.reshape(x, [n, batch, k]), [1, 0, 2]), b.shape);
    });
  }

  private checkShapes(inputShape: Shape | Shape[]): {b: Shape} {
    const layer = 'sparseSolve';
    const n = this.matrixShape[0];
    const asList = Array.isArray(inputShape[0]);
    if (!asList) {
      if (this.built && this.valuesWeight == null) shapeError(layer, 'this layer was built for apply([values, b]); call it with both.');
      const b = inputShape as Shape;
      checkSystemShapes(layer, [null, n, n], b);
      return {b};
    }
    const [values, b] = inputShapes(layer, inputShape, 2, '[values, b]');
    if (this.valuesWeight != null) shapeError(layer, 'this layer holds its values as a weight; call it with b alone.');
    if (values.length !== 2 || !sameDim(values[1], this.nnz) || !sameDim(values[0], b[0])) {
      shapeError(layer, `values must be [batch, nnz] = [batch, ${this.nnz}] with the batch of b, got [${values.map(String)}].`);
    }
    checkSystemShapes(layer, [values[0], n, n], b);
    return {b};
  }

  getConfig(): tf.serialization.ConfigDict {
    const config: tf.serialization.ConfigDict = {
      ...super.getConfig(),
      indices: this.indices,
      shape: this.matrixShape,
    };
    if (this.initialValues != null) config.values = this.initialValues;
    if (this.valuesInitializer != null) config.valuesInitializer = serializeInitializer(this.valuesInitializer);
    for (const key of SOLVE_KEYS) {
      const value = this.solveOptions[key];
      if (value != null) config[key] = value as tf.serialization.ConfigDictValue;
    }
    return config;
  }
}

/**
 * A layer that solves A(values) x = b on a fixed sparsity pattern.
 *
 * Weight mode, `apply(b)`: the values `[nnz]` are a trainable weight (initialised from
 * `values` or `valuesInitializer`) — fit them to data and the layer learns a PDE's
 * coefficients; b `[batch, n]` (or `[batch, n, k]`) are right-hand sides of one solve.
 * Input mode, `apply([values, b])`: values `[batch, nnz]` come from upstream layers, one matrix
 * per sample. Either way ∂L/∂values lives on the pattern only. Solve options as in `linearSolve`;
 * `tags` also tag the matrix (e.g. `['symmetric', 'positiveDefinite']` for CG or Cholesky).
 *
 * ```ts
 * const {indices, values, shape} = ls.poisson2d(8);         // a 64×64 Laplacian, flat COO
 * const pairs = Array.from(values, (_, e) => [indices[2 * e], indices[2 * e + 1]]);
 * const layer = ls.layers.sparseSolve({indices: pairs, values: Array.from(values), shape,
 *   tags: ['symmetric', 'positiveDefinite'], method: 'cg'});
 * const model = tf.sequential({layers: [layer]});    // b [batch, 64] → x [batch, 64]
 * ```
 */
export function sparseSolve(config: SparseSolveLayerArgs): SparseSolveLayer {
  return new SparseSolveLayer(config);
}
