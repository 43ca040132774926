/**
 * Training an unrolled CG solver with learned step scales (k steps, αₖ = aₖ·αₖ^CG,
 * βₖ = βₖ^CG + bₖ) on a family of systems, with `model.fit` under tfjs-node.
 *
 * DATA. `ls.gridProblems({family: 'diffusion', sigma: 1})` on an m×m grid (default m = 12), dense
 * A `[batch, n, n]` (the layer's input), train/validation/test from disjoint seeds.
 *
 * MODEL. `ls.layers.unrolledSolver({iterations: k})`, 2k − 1 weights, starting as exactly k CG
 * steps. Loss: log₁₀ relative error after k steps. What to expect (and what this shows): CG
 * already minimises ‖e‖_A over the same Krylov space, so learned scalars cannot beat it in that
 * norm per system; they can only trade the A-norm for the 2-norm of the loss, on average.
 *
 * OUTPUT. Progress bar and loss per epoch, TensorBoard logs in <out>/logs, the model in
 * <out>/model, and the test split's error after k steps, learned against CG.
 *
 * Run: npx ts-node --transpile-only examples/train-unrolled-solver.ts [--grid 12] [--iterations 10]
 *        [--epochs 40] [--train 64] [--out DIR]
 */
import * as os from 'os';
import * as path from 'path';
import {parseArgs} from 'node:util';
import * as tf from '@tensorflow/tfjs-node';
import * as ls from '../src';
import {galleryFamily} from '../testing/learnedProblems';
import {denseSolveModel, fitAndSave, median, tensorsOf} from './lib/training';

const {values: flags} = parseArgs({options: {
  grid: {type: 'string', default: '12'},
  iterations: {type: 'string', default: '10'},
  epochs: {type: 'string', default: '40'},
  train: {type: 'string', default: '64'},
  batch: {type: 'string', default: '16'},
  lr: {type: 'string', default: '0.01'},
  out: {type: 'string', default: path.join(os.tmpdir(), 'tfjs-linsolve-unrolled-solver')},
}});

async function main(): Promise<void> {
  const m = Number(flags.grid);
  const n = m * m;
  const k = Number(flags.iterations);
  const family = (split: ls.Split, count: number) => galleryFamily({family: 'diffusion', m, split, count, parameters: {sigma: 1}});
  const train = family('train', Number(flags.train));
  const validation = family('validation', 16);
  const test = family('test', 16);
  console.log(`unrolled solver: ${m}×${m} grid (n = ${n}), ${train.values.length} training systems, k = ${k}; backend ${tf.getBackend()}`);
  const layer = ls.layers.unrolledSolver({iterations: k});
  const model = denseSolveModel(layer, n, Number(flags.lr));
  await fitAndSave(model, train, validation, {epochs: Number(flags.epochs), batchSize: Number(flags.batch), out: flags.out as string});
  console.log(`learned step scales a = [${Array.from(layer.getWeights()[0].dataSync(), v => v.toFixed(3)).join(', ')}]`);

  const t = tensorsOf(test, true);
  const errors = (x: tf.Tensor) => tf.tidy(() => Array.from(tf.sqrt(tf.div(tf.sum(tf.square(tf.sub(x, t.solutions)), -1),
    tf.sum(tf.square(t.solutions), -1))).dataSync()));
  const learned = errors(model.predict([t.A as tf.Tensor, t.b]) as tf.Tensor);
  const cg = errors(ls.layers.unrolledSolver({iterations: k}).apply([t.A as tf.Tensor, t.b]) as tf.Tensor);
  const better = learned.filter((e, i) => e < cg[i]).length;
  console.log(`test split, relative error after ${k} steps (median of ${test.values.length}): learned ${median(learned).toExponential(2)}, ` +
    `CG ${median(cg).toExponential(2)}; learned better on ${better}/${learned.length} systems`);
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
