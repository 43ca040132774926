/**
 * The neurally accelerated solver (ls.layers.neurallyAcceleratedSolver), its loop
 * (ls.neuralKrylov) and its graph block (ls.graph.messagePassing): forward and gradients
 * against a float64 reference, the line search's guarantee, the untrained layer as the
 * classical method it starts from, training, saving, errors and leaks, on every Node backend.
 */
import * as tf from '@tensorflow/tfjs';
import fc from 'fast-check';
import * as ls from '../src';
import {describeEachBackend} from './support/backends';
import {
  freeWeights, gradientChecks, predictChecks, seededWeights, tinyLayer, tinySystems, tinyTensors, worstRelative,
} from './support/learnedProperties';
import {energyError, gnnIterates64} from './support/gnnReference';
import {expectSameModel, roundTripInMemory} from './support/layerTraining';
import {cg64, diffusionFamily, gridPattern} from '../testing/learnedProblems';

const SPD: ls.OperatorTag[] = ['symmetric', 'positiveDefinite'];

function rowsOf(t: tf.Tensor): Float64Array[] {
  const [batch, n] = t.shape;
  const data = t.dataSync();
  return Array.from({length: batch}, (_, i) => Float64Array.from(data.subarray(i * n, (i + 1) * n)));
}

/** log₁₀ of the relative squared error, averaged over the batch: the training scripts' loss. */
function logRelativeError(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.div(tf.log(tf.add(tf.div(tf.sum(tf.square(tf.sub(yPred, yTrue)), -1),
    tf.sum(tf.square(yTrue), -1)), 1e-14)), Math.LN10)) as tf.Scalar);
}

describeEachBackend('neurally accelerated solver', backend => {
  for (const check of [...predictChecks(), ...gradientChecks()]) it(check.name, () => check.run());

  it("untrained (zero readout), 'flexible' is Jacobi-PCG, and CG on a matrix with a constant diagonal", () => {
    const k = 5;
    const jacobi = tinySystems(3, 2, 50);
    const poisson = ls.poisson2d(3);
    const pairs = gridPattern(3);
    const constant = {...jacobi, values: [Float64Array.from(poisson.values), Float64Array.from(poisson.values, v => 2 * v)]};
    for (const [system, precondition] of [[jacobi, true], [constant, false]] as const) {
      expect(pairs).toEqual(system.indices);
      const layer = tinyLayer(system, null, 2, k, 'flexible', 4);
      const [values, b] = tinyTensors(system);
      const out = layer.apply([values, b]) as tf.Tensor;
      const got = rowsOf(out);
      out.dispose();
      const want = system.values.map((v, i) => {
        const diag = new Float64Array(system.n);
        system.indices.forEach(([r, c], e) => { if (r === c) diag[r] += v[e]; });
        // PCG (Jacobi) or plain CG, in float64 by the reference loop with a fixed linear direction.
        return gnnIterates64(system.indices, v, system.b[i], null, k, 'flexible',
          (_x, r) => (precondition ? r.map((x, j) => x / diag[j]) : r))[k];
      });
      tf.dispose([values, b]);
      freeWeights(layer);
      expect(worstRelative(got, want)).toBeLessThan(1e-5);
    }
    // And the reference loop itself is CG: after n steps it is the exact solution.
    const s = constant;
    const x = gnnIterates64(s.indices, s.values[0], s.b[0], null, 30, 'flexible', (_x, r) => r)[30];
    expect(worstRelative([x], [cg64(s.indices, s.values[0], s.b[0])])).toBeLessThan(1e-10);
  });

  it("'descent' never increases the A-norm error, over random SPD systems and random networks (fast-check)", () => {
    const k = 6;
    fc.assert(fc.property(
      fc.integer({min: 1, max: 100000}), fc.double({min: 0, max: 3, noNaN: true}), fc.integer({min: 1, max: 100000}),
      (seed, sigma, weightSeed) => {
        const family = diffusionFamily(3, 1, seed, {sigma, passes: 1});
        const system = {...family, values: family.values.map(v => v.map(Math.fround)), b: family.b.map(v => v.map(Math.fround))};
        const layer = tinyLayer(system, seededWeights(3, 1, weightSeed), 1, k, 'descent');
        const [values, b] = tinyTensors(system);
        const A = ls.sparse({indices: system.indices, values, shape: [system.n, system.n], tags: SPD});
        const exact = cg64(system.indices, system.values[0], system.b[0]);
        const errors: number[] = [];
        for (let i = 0; i <= k; i++) {
          const out = ls.neuralKrylov(A, b, layer.directionFunction(values, b), {iterations: i}).x;
        const x = rowsOf(out)[0];
        out.dispose();
          errors.push(energyError(system.indices, system.values[0], x, exact));
        }
        tf.dispose([values, b]);
        freeWeights(layer);
        // Exact arithmetic: non-increasing. float32: within rounding of the iterate, ~10 ε‖e₀‖_A.
        for (let i = 1; i <= k; i++) {
          if (!(errors[i] <= errors[i - 1] + 1e-6 * errors[0])) {
            throw new Error(`‖e‖_A rose at step ${i}: ${errors.map(e => e.toExponential(4)).join(' → ')}`);
          }
        }
        return errors[k] < errors[0];
      }), {numRuns: backend === 'cpu' ? 12 : 6, seed: 20261201});
  });

  it('solve() to a tolerance converges, reports the true state and leaks nothing', () => {
    const system = tinySystems(4, 2, 60);
    const layer = tinyLayer(system, seededWeights(4, 2, 3), 2, 5, 'flexible');
    const [values, b] = tinyTensors(system);
    layer.solve(values, b, {rtol: 1e-4}).x.dispose();
    const before = tf.memory().numTensors;
    const result = layer.solve(values, b, {rtol: 1e-4, maxIterations: 200});
    expect(result.converged).toBe(true);
    expect(result.relativeResidual).toBeLessThanOrEqual(1e-4);
    const x = rowsOf(result.x);
    result.x.dispose();
    expect(tf.memory().numTensors).toBe(before);
    const exact = system.values.map((v, i) => cg64(system.indices, v, system.b[i]));
    // ‖e‖/‖x‖ ≤ κ·rtol; κ of a 4×4 log-normal grid is below 100.
    expect(worstRelative(x, exact)).toBeLessThan(1e-2);
    tf.dispose([values, b]);
    freeWeights(layer);
  });

  it('bad configs and inputs throw LinearSolveError with a code, leaking nothing', () => {
    const system = tinySystems(3, 1, 70);
    const base = {indices: system.indices, shape: [9, 9] as [number, number]};
    const code = (f: () => unknown) => {
      try { f(); } catch (e) { return e instanceof ls.LinearSolveError ? e.code : `not a LinearSolveError: ${e}`; }
      return 'no error';
    };
    expect(code(() => ls.layers.neurallyAcceleratedSolver({...base, mode: 'fast' as never}))).toBe('option');
    expect(code(() => ls.layers.neurallyAcceleratedSolver({...base, hiddenUnits: 0}))).toBe('option');
    expect(code(() => ls.layers.neurallyAcceleratedSolver({...base, shape: [9, 8]}))).toBe('option');
    expect(code(() => ls.layers.neurallyAcceleratedSolver({...base, indices: [[0, 9]]}))).toBe('option');
    const layer = tinyLayer(system, null, 1, 2, 'descent', 2);
    const [values, b] = tinyTensors(system);
    const args = {narrow: tf.zeros([1, 8]), short: tf.zeros([1, 3]), b1: tf.squeeze(b), h: tf.ones([9, 2]),
      self: tf.ones([3, 2]), neighbour: tf.ones([2, 2])};
    const A = ls.sparse({indices: system.indices, values, shape: [9, 9]});
    (layer.apply([values, b]) as tf.Tensor).dispose();
    const before = tf.memory().numTensors;
    expect(code(() => layer.apply([values, args.narrow]))).toBe('shape');
    expect(code(() => layer.apply([args.short, b]))).toBe('shape');
    expect(code(() => ls.neuralKrylov(A, args.b1, r => r, {mode: 'flexible', inner: 'energy'}))).toBe('option');
    expect(code(() => ls.neuralKrylov(A, args.b1, () => tf.zeros([3, 1])))).toBe('shape');
    expect(code(() => ls.neuralKrylov(A, args.b1, () => tf.zeros([3, 1]), {rtol: 1e-3, iterations: 3}))).toBe('shape');
    expect(code(() => ls.graph.messagePassing(A, args.h, {self: args.self, neighbour: args.neighbour}))).toBe('shape');
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([values, b, ...Object.values(args)]);
    freeWeights(layer);
  });

  it('ls.graph.messagePassing equals relu(H·W_s + D⁻¹A·H·W_n + c) in float64, with A\'s values as edge weights', () => {
    const system = tinySystems(3, 1, 80);
    const [values] = tinyTensors(system);
    const A = ls.sparse({indices: system.indices, values: tf.squeeze(values), shape: [9, 9]});
    const w = seededWeights(2, 1, 5).arrays;
    const H = Float64Array.from({length: 18}, (_, i) => Math.fround(Math.cos(i)));
    const got = tf.tidy(() => ls.graph.messagePassing(A, tf.tensor2d(Float32Array.from(H), [9, 2]), {
      self: tf.tensor2d(Float32Array.from(w[2]), [2, 2]), neighbour: tf.tensor2d(Float32Array.from(w[3]), [2, 2]),
      bias: tf.tensor1d(Float32Array.from(w[4])),
    }, {rowScale: ls.graph.jacobiScale(A)}).dataSync());
    const v = system.values[0];
    const diag = new Float64Array(9);
    system.indices.forEach(([r, c], e) => { if (r === c) diag[r] += v[e]; });
    const agg = new Float64Array(18);
    system.indices.forEach(([r, c], e) => { for (let f = 0; f < 2; f++) agg[2 * r + f] += v[e] * H[2 * c + f] / diag[r]; });
    const want = Float64Array.from({length: 18}, (_, k) => {
      const [i, o] = [Math.floor(k / 2), k % 2];
      let s = w[4][o];
      for (let f = 0; f < 2; f++) s += H[2 * i + f] * w[2][2 * f + o] + agg[2 * i + f] * w[3][2 * f + o];
      return Math.max(0, s);
    });
    expect(worstRelative([got], [want])).toBeLessThan(1e-6);
    tf.dispose([values, A.values]);
  });
});

describe('neurally accelerated solver: training and saving', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  function model(system: ReturnType<typeof tinySystems>, mode: ls.NeuralKrylovMode) {
    const layer = tinyLayer(system, seededWeights(6, 2, 9), 2, 4, mode);
    const v = tf.input({shape: [system.indices.length]});
    const b = tf.input({shape: [system.n]});
    return tf.model({inputs: [v, b], outputs: layer.apply([v, b]) as tf.SymbolicTensor});
  }

  it('a short seeded model.fit lowers the loss (log relative error after k steps) and moves every weight', async () => {
    const system = tinySystems(4, 8, 1000);
    const m = model(system, 'flexible');
    const [values, b] = tinyTensors(system);
    const x = tf.tensor2d(Float32Array.from(system.solutions.flatMap(s => Array.from(s))), [8, system.n]);
    m.compile({optimizer: tf.train.adam(0.01), loss: logRelativeError});
    const before = m.trainableWeights.map(w => w.read().dataSync().slice());
    const history = await m.fit([values, b], x, {epochs: 4, batchSize: 8, shuffle: false, verbose: 0});
    const losses = history.history.loss as number[];
    expect(losses[losses.length - 1]).toBeLessThan(losses[0] - 0.1);
    m.trainableWeights.forEach((w, i) => expect(w.read().dataSync()).not.toEqual(before[i]));
    tf.dispose([values, b, x]);
  });

  it('saves and loads with the model (config and weights), predicting the same', async () => {
    const system = tinySystems(3, 2, 90);
    for (const mode of ['descent', 'flexible'] as const) {
      const m = model(system, mode);
      const loaded = await roundTripInMemory(m);
      const [values, b] = tinyTensors(system);
      expectSameModel(m, loaded, [values, b]);
      expect(loaded.layers[2].getClassName()).toBe('NeurallyAcceleratedSolver');
      tf.dispose([values, b]);
    }
  });
});
