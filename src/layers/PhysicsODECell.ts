import * as tf from './tf';
import * as ls from '../index';
import {addMlpWeights, MlpWeights, physicsRate, readMlp} from './physicsDynamics';

/** Configuration of `physicsODECell`. */
export interface PhysicsODECellConfig {
  /** The state size n; the input per time step is a forcing of width n. */
  units: number;
  /** Hidden units of the MLP that predicts A(y) (default 128). */
  hiddenUnits?: number;
  /** Integrator of the one step per time step (default 'rk4'). */
  method?: ls.OdeMethod;
  /** Time step per RNN step (default 0.1). */
  stepSize?: number;
  name?: string;
  trainable?: boolean;
}

/**
 * The physics ODE as a `tf.layers.rnn` cell: state y `[batch, n]`, input u `[batch, n]` per time
 * step, one integrator step of `stepSize` on dy/dt = A(y)⁻¹(u − y), A as in
 * `physicsNeuralODE`; the output is the new state.
 *
 * ```ts
 * const rnn = tf.layers.rnn({cell: ls.layers.physicsODECell({units: 4, hiddenUnits: 32}),
 *   returnSequences: true, inputShape: [20, 4]});            // forcings [B, 20, 4] → states [B, 20, 4]
 * ```
 */
export class PhysicsODECell extends tf.layers.Layer {
  static className = 'PhysicsODECell';
  readonly units: number;
  readonly hiddenUnits: number;
  readonly method: ls.OdeMethod;
  readonly stepSize: number;
  readonly stateSize: number;
  /** Unused (no dropout); declared so the cell types as a tf.layers RNNCell. */
  declare dropoutMask: tf.Tensor | tf.Tensor[];
  declare recurrentDropoutMask: tf.Tensor | tf.Tensor[];
  private mlp?: MlpWeights;

  constructor(config: PhysicsODECellConfig) {
    super(config);
    if (!Number.isInteger(config.units) || config.units < 1) {
      throw new ls.LinearSolveError('option', `physicsODECell needs units (the state size) ≥ 1; got ${config.units}.`);
    }
    this.units = config.units;
    this.stateSize = config.units;
    this.hiddenUnits = config.hiddenUnits ?? 128;
    this.method = config.method ?? 'rk4';
    this.stepSize = config.stepSize ?? 0.1;
  }

  build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    if (shape[shape.length - 1] !== this.units) {
      throw new ls.LinearSolveError('shape',
        `physicsODECell's input per step is a forcing of the state's width ${this.units}; got [${shape}].`);
    }
    this.mlp = addMlpWeights((name, s, init) => this.addWeight(name, s, 'float32', init),
      this.units, this.hiddenUnits);
    this.built = true;
  }

  call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor[] {
    return tf.tidy(() => {
      const [u, state] = inputs as tf.Tensor[];
      const weights = readMlp(this.mlp as MlpWeights);
      const f = (t: tf.Scalar, y: tf.Tensor) => physicsRate(y, tf.sub(u, y), weights);
      const y = ls.odeint(f, state, [0, this.stepSize], {method: this.method, stepSize: this.stepSize});
      const next = tf.squeeze(tf.slice(y, [1, 0, 0], [1, -1, -1]), [0]);
      return [next, tf.clone(next)];
    });
  }

  getConfig(): tf.serialization.ConfigDict {
    return {...super.getConfig(), units: this.units, hiddenUnits: this.hiddenUnits, method: this.method,
      stepSize: this.stepSize};
  }
}
tf.serialization.registerClass(PhysicsODECell);

/**
 * Creates a `PhysicsODECell` for `tf.layers.rnn` (see the class).
 *
 * ```ts
 * const cell = ls.layers.physicsODECell({units: 3, hiddenUnits: 16, method: 'rk4', stepSize: 0.05});
 * const model = tf.sequential({layers: [tf.layers.rnn({cell, returnSequences: true, inputShape: [10, 3]})]});
 * ```
 */
export function physicsODECell(config: PhysicsODECellConfig): PhysicsODECell {
  return new PhysicsODECell(config);
}
