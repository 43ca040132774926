/**
 * Property checks of the neurally accelerated solver against its float64 reference
 * (gnnReference.ts): run by jest on every Node backend (learned.test.ts) and, for predict, in
 * headless Chromium on webgl (suites.ts).
 */
import * as tf from '@tensorflow/tfjs';
import * as ls from '../../src';
import {Check} from './properties';
import {rng} from '../../testing/reference';
import {diffusionFamily} from '../../testing/learnedProblems';
import {GnnWeights64, gnnIterates64} from './gnnReference';

const SPD: ls.OperatorTag[] = ['symmetric', 'positiveDefinite'];

/** A tiny batch: 2 log-normal diffusion systems on a 3×3 grid (n = 9), values and b rounded to float32. */
export function tinySystems(m = 3, count = 2, seed = 42) {
  const family = diffusionFamily(m, count, seed);
  const values = family.values.map(v => v.map(Math.fround));
  const b = family.b.map(v => v.map(Math.fround));
  return {...family, values, b};
}

/** Seeded float32-exact weights for H channels and `steps` message-passing layers (readout nonzero). */
export function seededWeights(h: number, steps: number, seed: number): GnnWeights64 {
  const next = rng(seed);
  const uniform = (size: number, scale: number) => Float64Array.from({length: size}, () => Math.fround(scale * (2 * next() - 1)));
  const arrays = [uniform(4 * h, Math.sqrt(6 / (4 + h))), uniform(h, 0.1)];
  for (let s = 0; s < steps; s++) arrays.push(uniform(h * h, Math.sqrt(3 / h)), uniform(h * h, Math.sqrt(3 / h)), uniform(h, 0.1));
  arrays.push(uniform(h, 0.5), uniform(1, 0.1));
  return {h, arrays};
}

/** A built layer for the tiny systems with the given weights. */
export function tinyLayer(system: ReturnType<typeof tinySystems>, weights: GnnWeights64 | null, steps: number,
    iterations: number, mode: ls.NeuralKrylovMode, h = weights?.h ?? 3): ls.layers.NeurallyAcceleratedSolverLayer {
  const layer = ls.layers.neurallyAcceleratedSolver({indices: system.indices, shape: [system.n, system.n], tags: SPD,
    hiddenUnits: h, messagePassingSteps: steps, iterations, mode});
  // Built by a symbolic apply, inside the layer's name scope, as a model would build it (weight names saved with it).
  layer.apply([tf.input({shape: [system.indices.length]}), tf.input({shape: [system.n]})]);
  if (weights != null) {
    const shapes = layer.getWeights().map(w => w.shape);
    tf.tidy(() => layer.setWeights(weights.arrays.map((a, i) => tf.tensor(Float32Array.from(a), shapes[i]))));
  }
  return layer;
}

/** Frees a layer's variables (Layer.dispose refuses layers never applied to symbolic inputs). */
export function freeWeights(layer: tf.layers.Layer): void {
  layer.weights.forEach(w => w.dispose());
}

/** The tiny systems as tensors: values [B, nnz], b [B, n]. */
export function tinyTensors(system: ReturnType<typeof tinySystems>): [tf.Tensor2D, tf.Tensor2D] {
  const flat = (rows: Float64Array[]) => Float32Array.from(rows.flatMap(r => Array.from(r)));
  return [tf.tensor2d(flat(system.values), [system.values.length, system.indices.length]),
    tf.tensor2d(flat(system.b), [system.b.length, system.n])];
}

/** max_i ‖a_i − b_i‖ / ‖b_i‖ over the rows. */
export function worstRelative(a: ArrayLike<number>[], b: ArrayLike<number>[]): number {
  return Math.max(...b.map((row, i) => {
    let num = 0;
    let den = 0;
    for (let j = 0; j < row.length; j++) { num += (a[i][j] - row[j]) ** 2; den += row[j] ** 2; }
    return Math.sqrt(num / den);
  }));
}

function rows(t: tf.Tensor): Float64Array[] {
  const [batch, n] = t.shape;
  const data = t.dataSync();
  return Array.from({length: batch}, (_, i) => Float64Array.from(data.subarray(i * n, (i + 1) * n)));
}

/**
 * Bound on the float32 forward's relative distance from the float64 reference after 4 steps
 * on 9 unknowns through a 3-channel network: rounding of O(100) flops per entry per step,
 * amplified by the line searches; 1e-5 is ~80 ε (cpu measures ~1 ε).
 */
const FORWARD_BOUND = 1e-5;

/** The layer's output through `model.predict` equals the float64 reference, both modes, batched. */
export function predictChecks(): Check[] {
  return (['descent', 'flexible'] as const).map(mode => ({
    name: `predict (${mode}) matches the float64 reference, batch of 2`,
    run: () => {
      const system = tinySystems();
      const weights = seededWeights(3, 2, 7);
      const k = 4;
      const layer = tinyLayer(system, weights, 2, k, mode);
      const [values, b] = tinyTensors(system);
      const vIn = tf.input({shape: [system.indices.length]});
      const bIn = tf.input({shape: [system.n]});
      const model = tf.model({inputs: [vIn, bIn], outputs: layer.apply([vIn, bIn]) as tf.SymbolicTensor});
      // The first call lays out the pattern's index tensors (cached with the pattern, not leaked).
      tf.dispose(model.predict([values, b]) as tf.Tensor);
      const before = tf.memory().numTensors;
      const out = model.predict([values, b]) as tf.Tensor;
      const got = rows(out);
      out.dispose();
      const leaked = tf.memory().numTensors - before;
      const want = system.values.map((v, i) => gnnIterates64(system.indices, v, system.b[i], weights, k, mode)[k]);
      tf.dispose([values, b]);
      freeWeights(layer);
      const err = worstRelative(got, want);
      if (!(err <= FORWARD_BOUND)) throw new Error(`relative distance ${err.toExponential(3)} from the reference exceeds ${FORWARD_BOUND}`);
      if (leaked !== 0) throw new Error(`predict leaked ${leaked} tensors`);
    },
  }));
}

/**
 * Bound on the float32 gradient's distance from the float64 central difference, relative to
 * each weight's gradient norm: float32 rounding through 3 steps of forward and backward, ~800 ε.
 */
const GRADIENT_BOUND = 1e-4;

/** Central differences of the float64 reference's functional, one per entry of `arrays[index]`. */
function referenceGradient(f: (arrays: Float64Array[]) => number, arrays: Float64Array[], index: number): Float64Array {
  return arrays[index].map((v, e) => {
    const step = 1e-6 * Math.max(1, Math.abs(v));
    const at = (delta: number) => {
      const copy = arrays.map(a => Float64Array.from(a));
      copy[index][e] = v + delta;
      return f(copy);
    };
    return (at(step) - at(-step)) / (2 * step);
  });
}

/**
 * ∂L/∂(every weight, the values, b) for L = Σᵢ cᵢ·xᵢ after 3 steps equals the float64 central
 * difference of the reference, both modes; every gradient is nonzero.
 */
export function gradientChecks(): Check[] {
  return (['descent', 'flexible'] as const).map(mode => ({
    name: `gradients (${mode}) reach every weight, the values and b, and match float64 finite differences`,
    run: () => {
      const system = tinySystems(3, 1, 43);
      const weights = seededWeights(3, 2, 11);
      const k = 3;
      const layer = tinyLayer(system, weights, 2, k, mode);
      const [values, b] = tinyTensors(system);
      const c = Float64Array.from({length: system.n}, (_, i) => Math.fround(Math.sin(1 + i)));
      const cT = tf.tensor2d(Float32Array.from(c), [1, system.n]);
      const variables = layer.trainableWeights.map(w => w.read() as tf.Variable);
      const loss = (v: tf.Tensor, rhs: tf.Tensor) => tf.sum(tf.mul(layer.apply([v, rhs]) as tf.Tensor, cT)) as tf.Scalar;
      const {grads} = tf.variableGrads(() => loss(values, b), variables);
      const [gValues, gB] = tf.grads((v: tf.Tensor, rhs: tf.Tensor) => loss(v, rhs))([values, b]);
      const got = [...variables.map(v => grads[v.name].dataSync()), gValues.dataSync(), gB.dataSync()];
      tf.dispose([values, b, cT, gValues, gB, ...Object.values(grads)]);
      const names = [...layer.trainableWeights.map(w => w.name), 'values', 'b'];
      freeWeights(layer);
      // The reference's functional of (weights…, values, b).
      const count = weights.arrays.length;
      const f = (arrays: Float64Array[]) => {
        const x = gnnIterates64(system.indices, arrays[count], arrays[count + 1], {h: 3, arrays: arrays.slice(0, count)}, k, mode)[k];
        return x.reduce((s, v, i) => s + v * c[i], 0);
      };
      const all = [...weights.arrays, system.values[0], system.b[0]];
      const failures: string[] = [];
      names.forEach((name, index) => {
        const want = referenceGradient(f, all, index);
        const scale = Math.hypot(...want);
        const distance = Math.hypot(...want.map((w, e) => got[index][e] - w));
        if (!(scale > 0)) failures.push(`${name}: the reference gradient is zero`);
        else if (!(distance <= GRADIENT_BOUND * scale)) failures.push(`${name}: relative distance ${(distance / scale).toExponential(3)}`);
      });
      if (failures.length > 0) throw new Error(failures.join('; '));
    },
  }));
}
