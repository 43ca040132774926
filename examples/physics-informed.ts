/**
 * A physics-informed network whose last layer is a linear solve, trained with model.fit.
 *
 * THE PHYSICS. Steady 1-D diffusion −(k(s) u′)′ = f on (0, 1), u(0) = u(1) = 0, discretised on
 * n = 8 interior points (h = 1/9) with the 3-point stencil: A(θ)u = h²f, A tridiagonal, SPD.
 * Each sample has its own conductivity k(s) = 1 + ½·tanh(Σⱼ θⱼ sin(jπs)) and source
 * f(s) = 1 + θ₁ s, both set by four physical parameters θ. The data are (θ, u) pairs: u
 * solved exactly in float64, in units of its root mean square.
 *
 * THE MODEL. θ → dense(32, tanh) → dense(n²) → reshape [n, n] → A (shifted by 2·I so that an
 * untrained network already gives a well-conditioned matrix) and θ → dense(n) → b; then
 * `ls.layers.linearSolve` → x = A⁻¹b. The network does not learn u directly: it learns an
 * operator and a right-hand side whose solution is u, and the gradient reaches every dense
 * weight through the implicit adjoint of the solve (∂A = −λxᵀ, ∂b = λ with Aᵀλ = ∂L/∂x).
 *
 * Run: `npx ts-node --transpile-only examples/physics-informed.ts` (tfjs-node; about half a
 * minute). It prints tfjs-node's progress bar and the loss per epoch, writes TensorBoard logs
 * (`tensorboard --logdir <printed folder>`), saves the model with `file://`, reloads it and
 * checks that the reloaded model predicts the same.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-node';
import * as ls from '../src';

const N = 8;
const FEATURES = 4;
const SAMPLES = 512;
const EPOCHS = 40;

/** A + shift·I: the only custom piece, so that an untrained A is far from singular. */
class ShiftDiagonal extends tf.layers.Layer {
  static className = 'ShiftDiagonal';
  readonly shift: number;

  constructor(config: {shift: number; name?: string}) {
    super(config);
    this.shift = config.shift;
  }

  call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const a = Array.isArray(inputs) ? inputs[0] : inputs;
    return tf.tidy(() => tf.add(a, tf.mul(tf.eye(a.shape[1] as number), this.shift)));
  }

  getConfig(): tf.serialization.ConfigDict {
    return {...super.getConfig(), shift: this.shift};
  }
}
tf.serialization.registerClass(ShiftDiagonal);

/** A(θ) u = h² f for one sample, solved in float64 (Thomas algorithm). */
function exactSolution(theta: Float32Array): Float64Array {
  const h = 1 / (N + 1);
  const k = (s: number) => 1 + 0.5 * Math.tanh(theta.reduce((t, th, j) => t + th * Math.sin((j + 1) * Math.PI * s), 0));
  const lower = new Float64Array(N);
  const diag = new Float64Array(N);
  const rhs = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    const [kl, kr] = [k((i + 0.5) * h), k((i + 1.5) * h)];
    diag[i] = kl + kr;
    lower[i] = -kl;
    rhs[i] = h * h * (1 + theta[0] * (i + 1) * h);
  }
  // Forward sweep, back substitution; the matrix is symmetric with off-diagonals −k between cells.
  const c = new Float64Array(N);
  const d = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    const a = i > 0 ? lower[i] : 0;
    const m = diag[i] - a * (i > 0 ? c[i - 1] : 0);
    c[i] = i < N - 1 ? lower[i + 1] / m : 0;
    d[i] = (rhs[i] - a * (i > 0 ? d[i - 1] : 0)) / m;
  }
  const u = new Float64Array(N);
  for (let i = N - 1; i >= 0; i--) u[i] = d[i] - c[i] * (i < N - 1 ? u[i + 1] : 0);
  return u;
}

function syntheticData(): {theta: tf.Tensor2D; u: tf.Tensor2D} {
  const theta = tf.randomUniform([SAMPLES, FEATURES], -1, 1, 'float32', 42) as tf.Tensor2D;
  const values = theta.dataSync() as Float32Array;
  const u = new Float32Array(SAMPLES * N);
  for (let s = 0; s < SAMPLES; s++) u.set(exactSolution(values.subarray(s * FEATURES, (s + 1) * FEATURES)), s * N);
  // Targets in units of their root mean square, so that the loss reads as a relative error².
  const rms = Math.sqrt(u.reduce((t, v) => t + v * v, 0) / u.length);
  return {theta, u: tf.tensor2d(u.map(v => v / rms), [SAMPLES, N])};
}

function buildModel(): tf.LayersModel {
  const theta = tf.input({shape: [FEATURES], name: 'theta'});
  const hidden = tf.layers.dense({units: 32, activation: 'tanh', name: 'hidden'}).apply(theta);
  const raw = tf.layers.dense({units: N * N, kernelInitializer: tf.initializers.randomNormal({stddev: 0.05}), name: 'operator'}).apply(hidden);
  const A = new ShiftDiagonal({shift: 2, name: 'shift'}).apply(tf.layers.reshape({targetShape: [N, N]}).apply(raw));
  const b = tf.layers.dense({units: N, name: 'source'}).apply(hidden);
  const x = ls.layers.linearSolve({method: 'lu', name: 'solve'}).apply([A as tf.SymbolicTensor, b as tf.SymbolicTensor]);
  return tf.model({inputs: theta, outputs: x as tf.SymbolicTensor});
}

async function main(): Promise<void> {
  const {theta, u} = syntheticData();
  const model = buildModel();
  model.compile({optimizer: tf.train.adam(0.01), loss: 'meanSquaredError'});
  model.summary();
  const lossOf = () => tf.tidy(() => (model.evaluate(theta, u) as tf.Scalar).dataSync()[0]);
  const before = lossOf();
  const logdir = fs.mkdtempSync(path.join(os.tmpdir(), 'linsolve-physics-tb-'));
  const start = Date.now();
  await model.fit(theta, u, {
    epochs: EPOCHS, batchSize: 32, validationSplit: 0.2, verbose: 1,
    callbacks: [tf.node.tensorBoard(logdir, {updateFreq: 'epoch'})],
  });
  const after = lossOf();
  console.log(`mean squared error on all ${SAMPLES} samples: ${before.toExponential(3)} before, ${after.toExponential(3)} after ` +
    `${EPOCHS} epochs (${((Date.now() - start) / 1000).toFixed(1)} s); mean u² = ${tf.tidy(() => tf.mean(tf.square(u)).dataSync()[0]).toExponential(3)}`);
  console.log(`TensorBoard logs: tensorboard --logdir ${logdir}`);

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'linsolve-physics-model-'));
  await model.save(`file://${dir}`);
  const reloaded = await tf.loadLayersModel(`file://${dir}/model.json`);
  const [p, q] = [model, reloaded].map(m => tf.tidy(() => (m.predict(theta) as tf.Tensor).dataSync()));
  const identical = p.every((v, i) => v === q[i]);
  console.log(`saved to ${dir} and reloaded: predictions ${identical ? 'identical' : 'DIFFER'}`);
  if (!identical || !(after < before)) process.exitCode = 1;
}

main().catch(error => {
  console.error(error);
  process.exitCode = 1;
});
