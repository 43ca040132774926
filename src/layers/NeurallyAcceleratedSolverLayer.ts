/**
 * A neurally accelerated sparse solver (the GNN-direction idea of Kaneda et al., "A deep
 * conjugate direction method", ICML 2023, on a matrix's graph rather than an image grid; the
 * flexible form after Rudikov et al., FCG-NO, 2024): a graph network over A's sparsity pattern
 * proposes each iteration's direction, and the exact line search of `ls.neuralKrylov` makes any
 * proposal safe.
 *
 * The network: node features [x̂, r̂, b̂, d̃] (x, r, b each scaled to unit RMS, the scale differentiated too, d̃ = diag(A) over
 * its mean |·|), a dense input layer to H channels, `messagePassingSteps` graph layers
 * h ← relu(h·W_self + D⁻¹A·h·W_neighbour + c) (A's values as edge weights), a linear readout N,
 * and the direction z = D̃⁻¹(r̂ + N). The readout starts at zero, so an untrained layer is Jacobi:
 * Jacobi-preconditioned steepest descent ('descent') or Jacobi-PCG ('flexible').
 */
import * as tf from './tf';
import * as ls from '../index';
import {LayerArgs, Shape, inputShapes, sameDim, shapeError, tensorsOf} from './solveConfig';

/** `neurallyAcceleratedSolver`'s config. */
export interface NeurallyAcceleratedSolverLayerArgs extends LayerArgs {
  /** The pattern: `[nnz, 2]` (row, column) pairs, the graph the network passes messages on. */
  indices: number[][];
  /** `[n, n]`. */
  shape: [number, number];
  /** Tags of A; `['symmetric', 'positiveDefinite']` selects the energy line search (else minimal residual). */
  tags?: ls.OperatorTag[];
  /** Channels H of the graph network (default 64). */
  hiddenUnits?: number;
  /** Message-passing layers per direction (default 2): each direction sees that many hops of the graph. */
  messagePassingSteps?: number;
  /** Solver iterations per call (default 20). */
  iterations?: number;
  /** 'descent' (default): d = z; 'flexible': z as a nonlinear preconditioner in flexible CG. */
  mode?: ls.NeuralKrylovMode;
}

/** The weights of the network, as tensors (reads of the layer's variables). */
interface NetworkWeights {
  inputKernel: tf.Tensor;
  inputBias: tf.Tensor;
  steps: ls.graph.MessagePassingWeights[];
  outputKernel: tf.Tensor;
  outputBias: tf.Tensor;
}

const FEATURES = 4;
const TAGS = ['symmetric', 'positiveDefinite'];

/** v scaled to unit RMS per member (`[B, n, 1]` → same), 0 where v = 0; differentiable, scale included. */
function unitRms(v: tf.Tensor): tf.Tensor {
  const n = v.shape[v.rank - 2] as number;
  const ms = tf.div(tf.sum(tf.square(v), -2, true), n);
  const ok = untaped(() => tf.greater(ms, 0));
  return tf.mul(v, tf.where(ok, tf.rsqrt(tf.where(ok, ms, tf.onesLike(ms))), tf.zerosLike(ms)));
}

/** `fn()` as a tensor cut from the tape (a custom op without inputs). */
function untaped(fn: () => tf.Tensor): tf.Tensor {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const op = tf.customGrad((() => ({value: fn(), gradFunc: () => []})) as any) as unknown as () => tf.Tensor;
  return op();
}

/** `apply([values, b]) → x`: values `[batch, nnz]` (one matrix per sample on the pattern), b `[batch, n]`. */
export class NeurallyAcceleratedSolverLayer extends tf.layers.Layer {
  static className = 'NeurallyAcceleratedSolver';
  readonly indices: number[][];
  readonly matrixShape: [number, number];
  readonly matrixTags: ls.OperatorTag[];
  readonly hiddenUnits: number;
  readonly messagePassingSteps: number;
  readonly iterations: number;
  readonly mode: ls.NeuralKrylovMode;
  private variables: {input: tf.LayerVariable[]; steps: tf.LayerVariable[][]; output: tf.LayerVariable[]} | null = null;

  constructor(args: NeurallyAcceleratedSolverLayerArgs) {
    super(args);
    const layer = 'neurallyAcceleratedSolver';
    const fail = (m: string): never => { throw new ls.LinearSolveError('option', `${layer}: ${m}`); };
    if (args == null || !Array.isArray(args.indices) || args.indices.some(p => !Array.isArray(p) || p.length !== 2 ||
        !p.every(Number.isInteger))) {
      fail('indices must be [nnz, 2] integer (row, column) pairs.');
    }
    const [m, n] = args.shape ?? [];
    if (!(Number.isInteger(n) && n > 0 && m === n)) fail(`shape must be square [n, n] with n > 0, got ${JSON.stringify(args.shape)}.`);
    const bad = args.indices.findIndex(([i, j]) => !(i >= 0 && i < n && j >= 0 && j < n));
    if (bad >= 0) fail(`entry ${bad} (${args.indices[bad]}) lies outside the ${n}×${n} shape.`);
    if (args.tags != null && !(Array.isArray(args.tags) && args.tags.every(t => TAGS.includes(t)))) {
      fail(`tags must be a list of ${TAGS.map(t => `'${t}'`).join(', ')}, got ${JSON.stringify(args.tags)}.`);
    }
    const positive = (key: string, value: unknown, fallback: number, min: number): number => {
      const v = value ?? fallback;
      if (!(Number.isInteger(v) && (v as number) >= min)) fail(`${key} must be an integer ≥ ${min}, got ${JSON.stringify(value)}.`);
      return v as number;
    };
    this.hiddenUnits = positive('hiddenUnits', args.hiddenUnits, 64, 1);
    this.messagePassingSteps = positive('messagePassingSteps', args.messagePassingSteps, 2, 0);
    this.iterations = positive('iterations', args.iterations, 20, 1);
    this.mode = args.mode ?? 'descent';
    if (this.mode !== 'descent' && this.mode !== 'flexible') fail(`mode must be 'descent' or 'flexible', got ${JSON.stringify(args.mode)}.`);
    this.indices = args.indices.map(p => [p[0], p[1]]);
    this.matrixShape = [n, n];
    this.matrixTags = [...(args.tags ?? [])];
  }

  get nnz(): number {
    return this.indices.length;
  }

  build(inputShape: Shape | Shape[]): void {
    this.checkShapes(inputShape);
    const h = this.hiddenUnits;
    const glorot = () => tf.initializers.glorotUniform({});
    const input = [
      this.addWeight('inputKernel', [FEATURES, h], 'float32', glorot()),
      this.addWeight('inputBias', [h], 'float32', tf.initializers.zeros()),
    ];
    const steps: tf.LayerVariable[][] = [];
    for (let s = 0; s < this.messagePassingSteps; s++) {
      steps.push([
        this.addWeight(`messagePassing${s}Self`, [h, h], 'float32', glorot()),
        this.addWeight(`messagePassing${s}Neighbour`, [h, h], 'float32', glorot()),
        this.addWeight(`messagePassing${s}Bias`, [h], 'float32', tf.initializers.zeros()),
      ]);
    }
    // A zero readout: the untrained layer is Jacobi, and training departs from it.
    const output = [
      this.addWeight('outputKernel', [h, 1], 'float32', tf.initializers.zeros()),
      this.addWeight('outputBias', [1], 'float32', tf.initializers.zeros()),
    ];
    this.variables = {input, steps, output};
    this.built = true;
  }

  computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return this.checkShapes(inputShape);
  }

  call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const [values, b] = this.systemOf(inputs);
      return ls.neuralKrylov(this.operator(values), b, this.directionFunction(values, b), {
        iterations: this.iterations, mode: this.mode,
      }).x;
    });
  }

  /**
   * Solves to a tolerance instead of a fixed count (inference; nothing is taped): the same
   * iterations, stopped once every member's residual is ≤ rtol·‖b‖ or after `maxIterations`
   * (default 10·iterations). values `[batch, nnz]`, b `[batch, n]`.
   */
  solve(values: tf.Tensor, b: tf.Tensor, options: {rtol: number; maxIterations?: number; checkEvery?: number}): ls.NeuralKrylovResult {
    if (this.variables == null) this.build([values.shape, b.shape]);
    const [v, rhs] = this.systemOf([values, b]);
    let result: ls.NeuralKrylovResult | null = null;
    // One scope for the features the direction closes over; the loop's steps tidy themselves.
    const x = tf.tidy(() => {
      result = ls.neuralKrylov(this.operator(v), rhs, this.directionFunction(v, rhs), {
        iterations: options.maxIterations ?? 10 * this.iterations, mode: this.mode, rtol: options.rtol, checkEvery: options.checkEvery,
      });
      return result.x;
    });
    return {...(result as unknown as ls.NeuralKrylovResult), x};
  }

  /**
   * The direction function `(x, r) → z` for one batch of systems, as `ls.neuralKrylov` takes it:
   * the layer's graph network applied to [x̂, r̂, b̂, d̃] (see the layer's description).
   */
  directionFunction(values: tf.Tensor, b: tf.Tensor): ls.DirectionFunction {
    if (this.variables == null) shapeError('neurallyAcceleratedSolver', 'the layer is not built.');
    const A = this.operator(values);
    const weights = this.weightTensors();
    const inverseDiagonal = tf.expandDims(ls.graph.jacobiScale(A), -1);
    // d̃ = diag / mean|diag|, so D̃⁻¹ = inverseDiagonal · mean|diag|.
    const meanDiagonal = tf.mean(tf.abs(tf.reciprocal(inverseDiagonal)), -2, true);
    const scaledInverse = tf.mul(inverseDiagonal, meanDiagonal);
    const diagonalFeature = tf.reciprocal(scaledInverse);
    const bFeature = unitRms(tf.expandDims(b, -1));
    const rowScale = tf.squeeze(inverseDiagonal, [-1]);
    return (x, r) => {
      const rHat = unitRms(r);
      const features = tf.concat([unitRms(x), rHat, bFeature, diagonalFeature], -1);
      let h = tf.relu(tf.add(ls.graph.project(features, weights.inputKernel), weights.inputBias));
      for (const w of weights.steps) h = ls.graph.messagePassing(A, h, w, {rowScale});
      const correction = tf.add(ls.graph.project(h, weights.outputKernel), weights.outputBias);
      return tf.mul(scaledInverse, tf.add(rHat, correction));
    };
  }

  /** The weights as tensors (`read()` of each variable: the taped ops of the call see them as inputs). */
  private weightTensors(): NetworkWeights {
    const v = this.variables as NonNullable<NeurallyAcceleratedSolverLayer['variables']>;
    return {
      inputKernel: v.input[0].read(), inputBias: v.input[1].read(),
      steps: v.steps.map(([self, neighbour, bias]) => ({self: self.read(), neighbour: neighbour.read(), bias: bias.read()})),
      outputKernel: v.output[0].read(), outputBias: v.output[1].read(),
    };
  }

  /** A batch of sparse matrices on the layer's pattern. */
  private operator(values: tf.Tensor): ls.SparseOperator {
    return ls.sparse({indices: this.indices, values, shape: this.matrixShape, tags: this.matrixTags});
  }

  private systemOf(inputs: tf.Tensor | tf.Tensor[]): [tf.Tensor, tf.Tensor] {
    const tensors = tensorsOf(inputs);
    this.checkShapes(tensors.map(t => t.shape));
    return [tensors[0], tensors[1]];
  }

  private checkShapes(inputShape: Shape | Shape[]): Shape {
    const layer = 'neurallyAcceleratedSolver';
    const [values, b] = inputShapes(layer, inputShape, 2, '[values, b]');
    const n = this.matrixShape[0];
    if (values.length !== 2 || !sameDim(values[1], this.nnz)) {
      shapeError(layer, `values must be [batch, nnz] = [batch, ${this.nnz}], got [${values.map(String)}].`);
    }
    if (b.length !== 2 || !sameDim(b[1], n) || !sameDim(values[0], b[0])) {
      shapeError(layer, `b must be [batch, n] = [batch, ${n}] with the batch of values, got [${b.map(String)}].`);
    }
    return b;
  }

  getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(), indices: this.indices, shape: this.matrixShape, tags: this.matrixTags,
      hiddenUnits: this.hiddenUnits, messagePassingSteps: this.messagePassingSteps, iterations: this.iterations, mode: this.mode,
    };
  }
}

/**
 * A sparse solver whose search directions a graph network proposes: `apply([values, b]) → x`
 * after `iterations` steps from x₀ = 0, with values `[batch, nnz]` on the fixed pattern
 * `indices` (one matrix per sample) and b `[batch, n]`.
 *
 * Each iteration the network reads node features [x, r, b, diag(A)] (each scaled to unit size)
 * and passes `messagePassingSteps` rounds of messages along A's sparsity graph, A's values as
 * edge weights (`ls.graph.messagePassing`), to propose z = D̃⁻¹(r̂ + N(·)); `ls.neuralKrylov` then
 * takes the exact line-search step along it (`mode: 'descent'`) or uses it as the nonlinear
 * preconditioner of flexible CG (`mode: 'flexible'`), so the error ‖e‖_A (for A tagged SPD;
 * otherwise ‖r‖) never grows. The readout starts at zero: untrained, the layer is Jacobi.
 * Gradients reach every weight, the values and b by backpropagation through the iterations.
 *
 * Cost per iteration: one product with A, plus the network: `messagePassingSteps` products with
 * H = `hiddenUnits` columns and about 4·n·H²·messagePassingSteps flops — far more than a CG step.
 *
 * ```ts
 * const {indices, values, shape} = ls.poisson2d(8);
 * const pairs = Array.from({length: values.length}, (_, e) => [indices[2 * e], indices[2 * e + 1]]);
 * const layer = ls.layers.neurallyAcceleratedSolver({indices: pairs, shape, tags: ['symmetric', 'positiveDefinite'],
 *   hiddenUnits: 16, iterations: 10, mode: 'flexible'});
 * const v = tf.input({shape: [pairs.length]});
 * const b = tf.input({shape: [shape[0]]});
 * const model = tf.model({inputs: [v, b], outputs: layer.apply([v, b]) as tf.SymbolicTensor});
 * // model.fit([valuesBatch, bBatch], exactSolutions, …); then layer.solve(values, b, {rtol: 1e-5})
 * ```
 */
export function neurallyAcceleratedSolver(config: NeurallyAcceleratedSolverLayerArgs): NeurallyAcceleratedSolverLayer {
  return new NeurallyAcceleratedSolverLayer(config);
}
