/**
 * A solve as a tfjs layer: x = A⁻¹b per sample, differentiable with respect to A and b (and so
 * to every layer upstream that built them) through `ls.solve` and its adjoints.
 */
import * as tf from './tf';
import * as ls from '../index';
import {LayerArgs, SOLVE_KEYS, Shape, SolveConfig, checkSystemShapes, inputShapes, solveConfigOf, tensorsOf} from './solveConfig';

/** `linearSolve`'s config: every serialisable solve option, plus the usual layer arguments. */
export interface LinearSolveLayerArgs extends LayerArgs, SolveConfig {}

/**
 * `apply([A, b]) → x` with A `[batch, n, n]` and b `[batch, n]` or `[batch, n, k]`: one solve
 * of the whole batch (dense batched LU/Cholesky, or a batched Krylov method), x shaped like b.
 * No weights of its own.
 */
export class LinearSolveLayer extends tf.layers.Layer {
  static className = 'LinearSolve';
  readonly solveOptions: SolveConfig;

  constructor(args: LinearSolveLayerArgs = {}) {
    super(args);
    this.solveOptions = solveConfigOf('linearSolve', args);
  }

  computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const [a, b] = inputShapes('linearSolve', inputShape, 2, '[A, b]');
    checkSystemShapes('linearSolve', a, b);
    return b;
  }

  call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const tensors = tensorsOf(inputs);
      inputShapes('linearSolve', tensors.map(t => t.shape), 2, '[A, b]');
      const [A, b] = tensors;
      checkSystemShapes('linearSolve', A.shape, b.shape);
      return ls.solve(A, b, this.solveOptions as ls.SolveOptions);
    });
  }

  getConfig(): tf.serialization.ConfigDict {
    const config: tf.serialization.ConfigDict = {...super.getConfig()};
    for (const key of SOLVE_KEYS) {
      const value = this.solveOptions[key];
      if (value != null) config[key] = value as tf.serialization.ConfigDictValue;
    }
    return config;
  }
}

/**
 * A layer that solves A x = b for each sample: `apply([A, b]) → x`.
 *
 * A is `[batch, n, n]`, b is `[batch, n]` or `[batch, n, k]`; x has b's shape. The config takes
 * every serialisable solve option (`method`, `adjoint`, `rtol`, `atol`, `maxIterations`,
 * `checkEvery`, `preconditioner: 'jacobi'`, `restart`, `fixedIterations`, `onFailure`, `tags`,
 * `backward`), saved with the model. Gradients reach A and b by the chosen adjoint: 'implicit'
 * (default) gives the exact gradient of the exact solution; 'unrolled' and `{truncated: k}`
 * differentiate what the iterations computed.
 *
 * ```ts
 * const features = tf.input({shape: [4]});
 * const A = tf.layers.reshape({targetShape: [3, 3]}).apply(
 *   tf.layers.dense({units: 9}).apply(features));
 * const b = tf.layers.dense({units: 3}).apply(features);
 * const x = ls.layers.linearSolve({method: 'lu'}).apply([A, b]) as tf.SymbolicTensor;
 * const model = tf.model({inputs: features, outputs: x});
 * ```
 */
export function linearSolve(config: LinearSolveLayerArgs = {}): LinearSolveLayer {
  return new LinearSolveLayer(config);
}
