/**
 * @jest-environment ./__tests__/support/sameRealmEnvironment.js
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import * as ls from '../src';
import {describeEachBackend} from './support/backends';
import {
  linearSolveChecks, solveModelFitCheck, sparseSolveChecks, sparseSolveFitCheck, unrolledSolverChecks, unrolledSolverFitCheck,
  learnedPreconditionerChecks, learnedPreconditionerFitChecks, differentiablePreconditionerChecks, differentiablePreconditionerFitCheck,
} from './support/layerProperties';
import {expectSameModel, roundTripInMemory, summaryLines} from './support/layerTraining';

describeEachBackend('solve layers match float64', () => {
  for (const check of [...linearSolveChecks(), ...sparseSolveChecks(), ...unrolledSolverChecks(), ...learnedPreconditionerChecks(),
  ...differentiablePreconditionerChecks()]) it(check.name, check.run);
});

describeEachBackend('solve layers train with model.fit', backend => {
  for (const check of [solveModelFitCheck(), sparseSolveFitCheck(), unrolledSolverFitCheck(), ...learnedPreconditionerFitChecks(),
    differentiablePreconditionerFitCheck()]) it(check.name, check.run);

  it('linearSolve: save/load in memory (and file:// under tfjs-node) keeps predictions and config', async () => {
    const n = 3;
    const A = tf.input({shape: [n, n]});
    const b = tf.input({shape: [n, 2]});
    const x = ls.layers.linearSolve({method: 'gmres', rtol: 1e-6, adjoint: {truncated: 3}, restart: 5}).apply([A, b]) as tf.SymbolicTensor;
    const model = tf.model({inputs: [A, b], outputs: x});
    const inputs = [tf.tensor3d([4, 1, 0, 1, 5, 1, 0, 1, 6, 3, 0, 1, 0, 3, 0, 1, 0, 3], [2, n, n]),
      tf.tensor3d([1, 2, 3, 4, 5, 6, 1, 0, 0, 1, 1, 1], [2, n, 2])];
    const loaded = await roundTripInMemory(model);
    expectSameModel(model, loaded, inputs);
    expect(loaded.layers[2].getConfig()).toMatchObject({method: 'gmres', rtol: 1e-6, adjoint: {truncated: 3}, restart: 5});
    if (backend === 'tensorflow') {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'linsolve-layer-'));
      try {
        await model.save(`file://${dir}`);
        const fromFile = await tf.loadLayersModel(`file://${dir}/model.json`);
        expectSameModel(model, fromFile, inputs);
      } finally {
        fs.rmSync(dir, {recursive: true, force: true});
      }
    }
    tf.dispose(inputs);
  });

  it('sparseSolve weight mode with an initializer instance: save/load (and file:// under tfjs-node) keeps predictions, weights and config', async () => {
    const indices = [[0, 0], [1, 1], [2, 2], [0, 2], [2, 0]];
    const layer = ls.layers.sparseSolve({indices, shape: [3, 3], inputShape: [3],
      valuesInitializer: tf.initializers.randomUniform({minval: 2, maxval: 3, seed: 4})});
    const model = tf.sequential({layers: [layer]});
    const b = tf.tensor2d([[1, 2, 3], [3, 2, 1]]);
    const loaded = await roundTripInMemory(model);
    expectSameModel(model, loaded, b);
    expect(loaded.layers[0].getConfig().valuesInitializer).toEqual({className: 'RandomUniform', config: {minval: 2, maxval: 3, seed: 4}});
    expect(Array.from(loaded.layers[0].getWeights()[0].dataSync())).toEqual(Array.from(layer.getWeights()[0].dataSync()));
    if (backend === 'tensorflow') {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'linsolve-layer-'));
      try {
        await model.save(`file://${dir}`);
        expectSameModel(model, await tf.loadLayersModel(`file://${dir}/model.json`), b);
      } finally {
        fs.rmSync(dir, {recursive: true, force: true});
      }
    }
    b.dispose();
  });

  it('learnedPreconditioner with adjoint {truncated: 2} after 1 step (a large residual): every weight gets a finite, nonzero gradient', () => {
    for (const form of ['inverse', 'woodbury'] as const) {
      const layer = ls.layers.learnedPreconditioner({rank: 2, iterations: 1, form, adjoint: {truncated: 2}});
      const norms = tf.tidy(() => {
        const A = tf.tensor3d([4, -1, 0, -1, 4, -1, 0, -1, 4, 3, -1, 0, -1, 3, -1, 0, -1, 3], [2, 3, 3]);
        const b = tf.tensor2d([[1, 2, 3], [1, 0, 1]]);
        layer.apply([A, b]);
        const vars = layer.trainableWeights.map(v => v.read() as tf.Variable);
        const {grads} = tf.variableGrads(() => tf.sum(tf.square(layer.apply([A, b]) as tf.Tensor)) as tf.Scalar, vars);
        return vars.map(v => tf.norm(grads[v.name]).dataSync()[0]);
      });
      layer.dispose();
      for (const g of norms) expect(Number.isFinite(g) && g > 0).toBe(true);
    }
  });

  it('sparseSolve input mode: save/load keeps predictions and config; summary shows no weights', async () => {
    const indices = [[0, 0], [1, 1], [2, 2], [0, 1], [1, 0]];
    const values = tf.input({shape: [5]});
    const b = tf.input({shape: [3]});
    const x = ls.layers.sparseSolve({indices, shape: [3, 3], method: 'lu', name: 'pde'}).apply([values, b]) as tf.SymbolicTensor;
    const model = tf.model({inputs: [values, b], outputs: x});
    const inputs = [tf.tensor2d([[4, 3, 2, 1, 1], [5, 4, 3, 0, 1]]), tf.tensor2d([[1, 2, 3], [3, 2, 1]])];
    const loaded = await roundTripInMemory(model);
    expectSameModel(model, loaded, inputs);
    expect(loaded.layers[2].getConfig()).toMatchObject({indices, shape: [3, 3], method: 'lu'});
    expect(summaryLines(model).find(l => l.includes('pde'))).toMatch(/\s0\s/);
    tf.dispose(inputs);
  });
});

describe('solve layers reject bad shapes and configs with LinearSolveError', () => {
  const code = (fn: () => unknown) => {
    try { fn(); } catch (e) { return e instanceof ls.LinearSolveError ? `${e.code}: ${e.message}` : `not a LinearSolveError: ${e}`; }
    return 'no error';
  };
  it('linearSolve: mismatched symbolic shapes at apply time', () => {
    const layer = ls.layers.linearSolve();
    expect(code(() => layer.apply([tf.input({shape: [3, 3]}), tf.input({shape: [4]})]))).toMatch(/^shape: linearSolve: b must be/);
    expect(code(() => ls.layers.linearSolve().apply([tf.input({shape: [3, 4]}), tf.input({shape: [3]})]))).toMatch(/^shape: linearSolve: A must be/);
    expect(code(() => ls.layers.linearSolve().apply(tf.input({shape: [3, 3]})))).toMatch(/^shape: linearSolve: takes a list of 2 inputs/);
  });
  it('linearSolve: mismatched eager shapes, no tensor left behind', () => {
    const A = tf.ones([2, 3, 3]);
    const b = tf.ones([2, 4]);
    const before = tf.memory().numTensors;
    expect(code(() => ls.layers.linearSolve().apply([A, b]))).toMatch(/^shape: /);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([A, b]);
  });
  it('configs', () => {
    expect(code(() => ls.layers.linearSolve({method: 'qr' as never}))).toMatch(/^option: linearSolve: method/);
    expect(code(() => ls.layers.linearSolve({adjoint: {truncated: 0}}))).toMatch(/^option: /);
    expect(code(() => ls.layers.linearSolve({rtol: -1}))).toMatch(/^option: /);
    expect(code(() => ls.layers.linearSolve({fixedIterations: true}))).toMatch(/^option: .*maxIterations/);
    expect(code(() => ls.layers.linearSolve({preconditioner: {} as never}))).toMatch(/^option: .*'jacobi'/);
    expect(code(() => ls.layers.sparseSolve({indices: [[0, 3]], shape: [3, 3]}))).toMatch(/^option: .*outside/);
    expect(code(() => ls.layers.sparseSolve({indices: [[0, 0]], shape: [3, 2]}))).toMatch(/^option: .*square/);
    expect(code(() => ls.layers.sparseSolve({indices: [[0, 0]], shape: [1, 1], values: [1, 2]}))).toMatch(/^option: .*values/);
    expect(code(() => ls.layers.sparseSolve({indices: [[0, 0]], shape: [1, 1], valuesInitializer: 'nope'}))).toMatch(/^option: .*initializer/);
    expect(code(() => ls.layers.sparseSolve({indices: [[0, 0]], shape: [1, 1]}).apply(tf.input({shape: [1]})))).toMatch(/^option: .*values/);
    expect(code(() => ls.layers.unrolledSolver({iterations: 0}))).toMatch(/^option: unrolledSolver: iterations/);
    expect(code(() => ls.layers.learnedPreconditioner({form: 'dense' as never}))).toMatch(/^option: .*form/);
    expect(code(() => ls.layers.learnedPreconditioner({adjoint: 'implicit' as never}))).toMatch(/^option: .*adjoint/);
    expect(code(() => ls.layers.learnedPreconditioner({rank: 1.5}))).toMatch(/^option: .*rank/);
    expect(code(() => ls.layers.differentiablePreconditioner({conditionWeight: -1}))).toMatch(/^option: .*conditionWeight/);
  });
  it('unrolledSolver, learnedPreconditioner, differentiablePreconditioner: mismatched shapes at apply time', () => {
    for (const layer of [ls.layers.unrolledSolver(), ls.layers.learnedPreconditioner(), ls.layers.differentiablePreconditioner()]) {
      expect(code(() => layer.apply([tf.input({shape: [3, 3]}), tf.input({shape: [4]})]))).toMatch(/^shape: .*b must be/);
    }
    const unknown = [null, null] as unknown as number[];
    expect(code(() => ls.layers.learnedPreconditioner().apply([tf.input({shape: unknown}), tf.input({shape: [unknown[0]]})])))
      .toMatch(/^shape: learnedPreconditioner: n must be known/);
  });
  it('sparseSolve: mismatched shapes at apply time', () => {
    const weights = ls.layers.sparseSolve({indices: [[0, 0], [1, 1]], shape: [2, 2], values: [1, 2]});
    expect(code(() => weights.apply(tf.input({shape: [3]})))).toMatch(/^shape: sparseSolve: b must be/);
    const inputs = ls.layers.sparseSolve({indices: [[0, 0], [1, 1]], shape: [2, 2]});
    expect(code(() => inputs.apply([tf.input({shape: [3]}), tf.input({shape: [2]})]))).toMatch(/^shape: sparseSolve: values must be/);
  });
});
