import * as tf from './tf';
import * as ls from '../index';
import {addMlpWeights, MlpWeights, physicsRate, readMlp} from './physicsDynamics';

/** Configuration of `physicsNeuralODE`. */
export interface PhysicsNeuralODEConfig {
  /** Output times, increasing; the input is the state at times[0]. */
  times: number[];
  /** Hidden units of the MLP that predicts A(y) (default 128). */
  hiddenUnits?: number;
  /** Integrator (default 'dopri5'); see `ls.odeint`. */
  method?: ls.OdeMethod;
  stepSize?: number;
  rtol?: number;
  atol?: number;
  /** Gradient mode (default 'direct'); 'adjoint' and {checkpoints: k} get the weights passed explicitly. */
  adjoint?: ls.OdeAdjoint;
  inputShape?: number[];
  batchInputShape?: number[];
  name?: string;
  trainable?: boolean;
}

/**
 * A neural ODE with physics structure: dy/dt = A(y)⁻¹ f(t, y), where an MLP N gives
 * A(y) = ½(N(y) + N(y)ᵀ) + (‖N(y)‖_F + 1)·I (symmetric positive definite) and the forces are
 * f(t, y) = −y + sin t unless a subclass overrides `externalForces`. Input y0 `[batch, n]`,
 * output the trajectory at `times`, `[batch, T, n]`. Each evaluation is one batched Cholesky
 * `ls.solve`; gradients reach the MLP weights in every adjoint mode (they are passed to
 * `odeint` as `params`).
 *
 * ```ts
 * const model = tf.sequential();
 * model.add(ls.layers.physicsNeuralODE({inputShape: [4], times: [0, 0.5, 1], method: 'rk4', stepSize: 0.1}));
 * model.compile({optimizer: 'adam', loss: 'meanSquaredError'});
 * await model.fit(y0s, trajectories, {epochs: 20});          // y0s [B, 4], trajectories [B, 3, 4]
 * ```
 */
export class PhysicsNeuralODELayer extends tf.layers.Layer {
  static className = 'PhysicsNeuralODE';
  readonly times: number[];
  readonly hiddenUnits: number;
  readonly method: ls.OdeMethod;
  readonly stepSize?: number;
  readonly rtol?: number;
  readonly atol?: number;
  readonly adjoint: ls.OdeAdjoint;
  private mlp?: MlpWeights;

  constructor(config: PhysicsNeuralODEConfig) {
    super(config);
    if (!Array.isArray(config.times) || config.times.length < 1) {
      throw new ls.LinearSolveError('option', 'physicsNeuralODE needs times: an increasing array of output times.');
    }
    this.times = config.times.slice();
    this.hiddenUnits = config.hiddenUnits ?? 128;
    this.method = config.method ?? 'dopri5';
    this.stepSize = config.stepSize ?? undefined;
    this.rtol = config.rtol ?? undefined;
    this.atol = config.atol ?? undefined;
    this.adjoint = config.adjoint ?? 'direct';
  }

  build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    if (shape.length !== 2 || shape[1] == null) {
      throw new ls.LinearSolveError('shape', `physicsNeuralODE takes y0 [batch, n]; got [${shape}].`);
    }
    const n = shape[1];
    this.mlp = addMlpWeights((name, s, init) => this.addWeight(name, s, 'float32', init),
      n, this.hiddenUnits);
    this.built = true;
  }

  /** The forces f(t, y) [batch, n]; override in a subclass for other physics. */
  externalForces(t: tf.Scalar, y: tf.Tensor): tf.Tensor {
    return tf.add(tf.neg(y), tf.sin(t));
  }

  call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const y0 = Array.isArray(inputs) ? inputs[0] : inputs;
      const weights = readMlp(this.mlp as MlpWeights);
      const f = (t: tf.Scalar, y: tf.Tensor) => physicsRate(y, this.externalForces(t, y), weights);
      const y = ls.odeint(f, y0, this.times, {
        method: this.method, stepSize: this.stepSize, rtol: this.rtol, atol: this.atol,
        adjoint: this.adjoint, params: weights,
      });
      return tf.transpose(y, [1, 0, 2]);
    });
  }

  computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    return [shape[0], this.times.length, shape[1]];
  }

  getConfig(): tf.serialization.ConfigDict {
    const config: tf.serialization.ConfigDict = {
      ...super.getConfig(), times: this.times, hiddenUnits: this.hiddenUnits, method: this.method,
      adjoint: this.adjoint as unknown as tf.serialization.ConfigDictValue,
    };
    if (this.stepSize != null) config.stepSize = this.stepSize;
    if (this.rtol != null) config.rtol = this.rtol;
    if (this.atol != null) config.atol = this.atol;
    return config;
  }
}
tf.serialization.registerClass(PhysicsNeuralODELayer);

/**
 * Creates a `PhysicsNeuralODELayer`: y0 `[batch, n]` → trajectory `[batch, T, n]` of
 * dy/dt = A(y)⁻¹(−y + sin t) with A from an MLP (see the class).
 *
 * ```ts
 * const layer = ls.layers.physicsNeuralODE({times: [0, 1, 2], hiddenUnits: 32, method: 'rk4', stepSize: 0.1});
 * const traj = layer.apply(tf.zeros([8, 3])) as tf.Tensor;   // [8, 3, 3]
 * ```
 */
export function physicsNeuralODE(config: PhysicsNeuralODEConfig): PhysicsNeuralODELayer {
  return new PhysicsNeuralODELayer(config);
}
