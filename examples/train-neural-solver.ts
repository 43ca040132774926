/**
 * Training the neurally accelerated solver (a graph network that proposes search directions)
 * on log-normal diffusion, with `model.fit` under tfjs-node.
 *
 * DATA. `ls.gridProblems({family: 'diffusion', sigma: 1})`: 2-D diffusion −∇·(κ∇u) = f on an m×m
 * grid (default m = 12, n = 144), κ = exp(σg) log-normal, Gaussian f; train, validation and test
 * systems from the gallery's disjoint seed ranges. Exact solutions x* by float64 CG.
 *
 * MODEL. `ls.layers.neurallyAcceleratedSolver` with `iterations` k steps from x = 0; the loss is
 * the log₁₀ relative error after k steps (examples/lib/training.ts says why). The layer starts as
 * Jacobi ('flexible': Jacobi-PCG; 'descent': Jacobi steepest descent), so the loss at epoch 0 is
 * the classical method's, and every epoch shows what the network adds.
 *
 * OUTPUT. A progress bar and the loss per epoch; TensorBoard logs in <out>/logs
 * (`tensorboard --logdir <out>/logs`); the trained model in <out>/model (model.json + weights);
 * at the end, the test split's error after k steps against Jacobi-PCG and CG at the same k.
 *
 * Run: npx ts-node --transpile-only examples/train-neural-solver.ts [--mode flexible|descent]
 *        [--grid 12] [--epochs 15] [--train 48] [--iterations 10] [--hidden 16] [--steps 2] [--out DIR]
 */
import * as os from 'os';
import * as path from 'path';
import {parseArgs} from 'node:util';
import * as tf from '@tensorflow/tfjs-node';
import * as ls from '../src';
import {galleryFamily} from '../testing/learnedProblems';
import {logRelativeError, median, outputs, progress, tensorsOf} from './lib/training';

const {values: flags} = parseArgs({options: {
  mode: {type: 'string', default: 'flexible'},
  grid: {type: 'string', default: '12'},
  epochs: {type: 'string', default: '15'},
  train: {type: 'string', default: '48'},
  iterations: {type: 'string', default: '10'},
  hidden: {type: 'string', default: '16'},
  steps: {type: 'string', default: '2'},
  batch: {type: 'string', default: '8'},
  lr: {type: 'string', default: '0.003'},
  seed: {type: 'string', default: '1'},
  out: {type: 'string', default: path.join(os.tmpdir(), 'tfjs-linsolve-neural-solver')},
}});

async function main(): Promise<void> {
  const m = Number(flags.grid);
  const k = Number(flags.iterations);
  const mode = flags.mode as ls.NeuralKrylovMode;
  const family = (split: ls.Split, count: number) => galleryFamily({family: 'diffusion', m, split, count, parameters: {sigma: 1}});
  const train = family('train', Number(flags.train));
  const validation = family('validation', 16);
  const test = family('test', 16);
  const n = m * m;
  const nnz = train.indices.length;
  console.log(`neurally accelerated solver (${mode}): ${m}×${m} grid (n = ${n}), ${train.values.length} training systems, ` +
    `k = ${k} iterations, H = ${flags.hidden}, ${flags.steps} message-passing steps; backend ${tf.getBackend()}`);

  const layer = ls.layers.neurallyAcceleratedSolver({
    indices: train.indices, shape: [n, n], tags: ['symmetric', 'positiveDefinite'],
    hiddenUnits: Number(flags.hidden), messagePassingSteps: Number(flags.steps), iterations: k, mode,
  });
  const vIn = tf.input({shape: [nnz]});
  const bIn = tf.input({shape: [n]});
  const model = tf.model({inputs: [vIn, bIn], outputs: layer.apply([vIn, bIn]) as tf.SymbolicTensor});
  model.compile({optimizer: tf.train.adam(Number(flags.lr)), loss: logRelativeError});
  model.summary();

  const data = tensorsOf(train);
  const val = tensorsOf(validation);
  const epochs = Number(flags.epochs);
  const batchSize = Number(flags.batch);
  const out = outputs(flags.out as string);
  const started = Date.now();
  await model.fit([data.values, data.b], data.solutions, {
    epochs, batchSize, shuffle: true, validationData: [[val.values, val.b], val.solutions],
    callbacks: [progress(epochs, Math.ceil(train.values.length / batchSize)), out.tensorBoard], verbose: 0,
  });
  const trainingSeconds = (Date.now() - started) / 1000;
  await model.save(`file://${out.model}`);
  console.log(`trained in ${trainingSeconds.toFixed(1)} s; model saved to ${out.model}, TensorBoard logs in ${out.logs}`);

  // The test split, once: error after k steps, against Jacobi-PCG and CG at the same k.
  const t = tensorsOf(test);
  const A = ls.sparse({indices: test.indices, values: t.values, shape: [n, n], tags: ['symmetric', 'positiveDefinite']});
  const errorsOf = (x: tf.Tensor) => tf.tidy(() => Array.from(tf.sqrt(tf.div(tf.sum(tf.square(tf.sub(x, t.solutions)), -1),
    tf.sum(tf.square(t.solutions), -1))).dataSync()));
  const learned = errorsOf(model.predict([t.values, t.b]) as tf.Tensor);
  const fixed = (options: ls.SolveOptions) => errorsOf(ls.solve(A, t.b, {method: 'cg', maxIterations: k, fixedIterations: true,
    adjoint: 'unrolled', ...options}));
  const jacobi = fixed({preconditioner: 'jacobi'});
  const cg = fixed({});
  const fmt = (xs: number[]) => median(xs).toExponential(2);
  console.log(`test split, relative error after ${k} iterations (median of ${test.values.length}): ` +
    `learned ${fmt(learned)}, Jacobi-PCG ${fmt(jacobi)}, CG ${fmt(cg)}`);
  const toTol = layer.solve(t.values, t.b, {rtol: 1e-5, maxIterations: 50 * k});
  console.log(`to rtol 1e-5 (whole batch): learned ${toTol.iterations} iterations (${toTol.converged ? 'converged' : 'not converged'}); ` +
    `Jacobi-PCG ${ls.linearSolve(A, t.b, {method: 'cg', preconditioner: 'jacobi', rtol: 1e-5, maxIterations: 10000}).iterations}`);
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
