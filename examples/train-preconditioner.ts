/**
 * Training a learned preconditioner for CG, M⁻¹ = D⁻¹ + VVᵀ ('inverse') or M = D + UUᵀ
 * ('woodbury'), through k unrolled preconditioned-CG steps, with `model.fit` under tfjs-node;
 * then using it as a fixed preconditioner in `ls.linearSolve` on unseen systems.
 *
 * DATA. `ls.gridProblems({family: 'diffusion', sigma: 1})` on an m×m grid (default m = 12,
 * n = 144), dense A `[batch, n, n]` (the layer's input), train/validation/test from disjoint
 * seeds; float64 exact solutions x*.
 *
 * MODEL. `ls.layers.learnedPreconditioner({rank, iterations: k, form})`; loss: log₁₀ of the
 * relative error after k steps (examples/lib/training.ts says why). D starts at the identity
 * (plain CG), so epoch 0 shows CG's loss. The weights D and V are per unknown: the trained M
 * fits this grid size only.
 *
 * OUTPUT. Progress bar and loss per epoch, TensorBoard logs in <out>/logs, the model in
 * <out>/model, and the test split's CG iterations to rtol 1e-5: unpreconditioned, Jacobi and the
 * learned M.
 *
 * Run: npx ts-node --transpile-only examples/train-preconditioner.ts [--form inverse|woodbury]
 *        [--grid 12] [--rank 8] [--iterations 10] [--epochs 30] [--train 64] [--out DIR]
 */
import * as os from 'os';
import * as path from 'path';
import {parseArgs} from 'node:util';
import * as tf from '@tensorflow/tfjs-node';
import * as ls from '../src';
import {galleryFamily} from '../testing/learnedProblems';
import {denseSolveModel, fitAndSave, median} from './lib/training';

const {values: flags} = parseArgs({options: {
  form: {type: 'string', default: 'inverse'},
  grid: {type: 'string', default: '12'},
  rank: {type: 'string', default: '8'},
  iterations: {type: 'string', default: '10'},
  epochs: {type: 'string', default: '30'},
  train: {type: 'string', default: '64'},
  batch: {type: 'string', default: '16'},
  lr: {type: 'string', default: '0.01'},
  out: {type: 'string', default: path.join(os.tmpdir(), 'tfjs-linsolve-preconditioner')},
}});

async function main(): Promise<void> {
  const m = Number(flags.grid);
  const n = m * m;
  const k = Number(flags.iterations);
  const form = flags.form as ls.layers.PreconditionerForm;
  const family = (split: ls.Split, count: number) => galleryFamily({family: 'diffusion', m, split, count, parameters: {sigma: 1}});
  const train = family('train', Number(flags.train));
  const validation = family('validation', 16);
  const test = family('test', 16);
  console.log(`learned preconditioner (${form}, rank ${flags.rank}): ${m}×${m} grid (n = ${n}), ${train.values.length} training systems, ` +
    `k = ${k} PCG steps; backend ${tf.getBackend()}`);

  const layer = ls.layers.learnedPreconditioner({rank: Number(flags.rank), iterations: k, form,
    factorsInitializer: tf.initializers.randomNormal({stddev: 0.01, seed: 1})});
  const model = denseSolveModel(layer, n, Number(flags.lr));
  await fitAndSave(model, train, validation, {epochs: Number(flags.epochs), batchSize: Number(flags.batch), out: flags.out as string});

  // The trained M⁻¹ in CG on the sparse test systems, one at a time.
  const M = layer.preconditioner();
  const iterations = (options: ls.SolveOptions) => median(test.values.map((v, s) => tf.tidy(() => {
    const A = ls.sparse({indices: test.indices, values: tf.tensor1d(Float32Array.from(v)), shape: [n, n], tags: ['symmetric', 'positiveDefinite']});
    return ls.linearSolve(A, tf.tensor1d(Float32Array.from(test.b[s])), {method: 'cg', rtol: 1e-5, maxIterations: 5000, ...options}).iterations;
  })));
  console.log(`test split, median CG iterations to rtol 1e-5: none ${iterations({})}, Jacobi ${iterations({preconditioner: 'jacobi'})}, ` +
    `learned ${iterations({preconditioner: M})}`);
  M.dispose();
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
