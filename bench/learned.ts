/**
 * The learned solvers against classical ones, measured the same way on systems the training
 * never saw: `npm run bench:learned` (tfjs-node), writes bench/results/learned.{md,json}.
 *
 * Families: `ls.gridProblems({family: 'diffusion'})`, log-normal coefficients.
 * - train: 12×12 grid (n = 144), σ = 1, the 'train' split; validation split for the fit's
 *   validation loss only; no checkpoint selection.
 * - test sets, each from the 'test' split (seeds disjoint from training): (a) the training
 *   distribution, 12×12, σ = 1; (b) twice the grid side, 24×24 (n = 576), σ = 1; (c) an unseen
 *   coefficient distribution, 12×12, σ = 2.5 (contrast e^15 against e^6).
 *
 * Every method solves every system of a set one at a time (batch 1) on tfjs-node, after one
 * warm-up solve; the table gives medians over the set. "iters" and "ms" are to the true relative
 * residual ‖b − Ax‖/‖b‖ ≤ rtol (checked in float64 after the solve; a run that stopped without
 * meeting it counts as not converged, and its iterations are shown as '>' the cap); "res@k" is
 * the true relative residual after exactly k = 10 iterations (the learned methods' training k).
 * Setup (factorisation, preconditioner construction, network features) is timed apart from the
 * solve where the method allows. The network's cost per application is counted in flops and as
 * SpMV-equivalents (flops / 2·nnz), and measured in ms.
 *
 *   npm run bench:learned                      # ~5 minutes on 2 busy cores (training included)
 *   npm run bench:learned -- --epochs 4 --count 6    # a quick look
 */
import * as fs from 'fs';
import * as path from 'path';
import {parseArgs} from 'node:util';
import * as tf from '@tensorflow/tfjs-node';
import * as ls from '../src';
import {DiffusionFamily, apply64, galleryFamily} from '../testing/learnedProblems';
import {logRelativeError, tensorsOf} from '../testing/learnedTraining';
import {median, now} from './lib/measure';

const {values: flags} = parseArgs({options: {
  epochs: {type: 'string', default: '10'},
  count: {type: 'string', default: '6'},
  train: {type: 'string', default: '48'},
  hidden: {type: 'string', default: '16'},
  out: {type: 'string', default: path.join(__dirname, 'results')},
}});

const K = 10;
const TOLERANCES = [1e-3, 1e-5] as const;
const MAX_ITERATIONS = 500;
const SPD: ls.OperatorTag[] = ['symmetric', 'positiveDefinite'];
const TRAIN_GRID = 12;

/** One method's outcome on one system. */
interface Outcome {
  iterations: number;
  converged: boolean;
  ms: number;
}

/** A method: how it solves one system to a tolerance, and how far it gets in K iterations. */
interface Method {
  name: string;
  /** Why it has no row on a set, or null. */
  unavailable(set: DiffusionFamily): string | null;
  setup?(set: DiffusionFamily, s: number): {ms: number; state: unknown};
  solve(set: DiffusionFamily, s: number, rtol: number, state: unknown): {x: Float32Array; iterations: number};
  /** x after exactly K iterations. */
  atK(set: DiffusionFamily, s: number, state: unknown): Float32Array;
  trainingSeconds?: number;
  /** The network's (or preconditioner's) cost per application, as a note. */
  cost?(set: DiffusionFamily): string;
  dispose?(state: unknown): void;
}

function trueResidual(set: DiffusionFamily, s: number, x: ArrayLike<number>): number {
  const ax = apply64(set.indices, set.values[s], x);
  const b = set.b[s];
  let num = 0;
  let den = 0;
  for (let i = 0; i < b.length; i++) { num += (b[i] - ax[i]) ** 2; den += b[i] ** 2; }
  return Math.sqrt(num / den);
}

function operator(set: DiffusionFamily, s: number): ls.SparseOperator {
  return ls.sparse({indices: set.indices, values: tf.tensor1d(Float32Array.from(set.values[s])), shape: [set.n, set.n], tags: SPD});
}

/** A classical (or learned-M) CG row through ls.linearSolve; `options` may depend on the system. */
function krylovMethod(name: string, options: (set: DiffusionFamily, s: number, state: unknown) => ls.SolveOptions,
    extra: Partial<Method> = {}): Method {
  const run = (set: DiffusionFamily, s: number, state: unknown, solveOptions: ls.SolveOptions) => {
    const A = operator(set, s);
    const b = tf.tensor1d(Float32Array.from(set.b[s]));
    try {
      const result = ls.linearSolve(A, b, {method: 'cg', onFailure: 'ignore', ...options(set, s, state), ...solveOptions});
      const x = result.x.dataSync() as Float32Array;
      result.x.dispose();
      return {x, iterations: result.iterations};
    } finally {
      tf.dispose([A.values, b]);
    }
  };
  return {
    name,
    unavailable: () => null,
    solve: (set, s, rtol, state) => run(set, s, state, {rtol, maxIterations: MAX_ITERATIONS, checkEvery: 1}),
    atK: (set, s, state) => run(set, s, state, {maxIterations: K, fixedIterations: true}).x,
    ...extra,
  };
}

/** Whether the library accepts `preconditioner: name` (a sibling feature that may not be merged). */
function preconditionerAvailable(name: string): boolean {
  const set = galleryFamily({family: 'diffusion', m: 3, split: 'test', count: 1});
  try {
    krylovMethod('probe', () => ({preconditioner: name as 'jacobi'})).solve(set, 0, 1e-3, null);
    return true;
  } catch (error) {
    return false;
  }
}

async function fit(model: tf.LayersModel, inputs: tf.Tensor[], targets: tf.Tensor, epochs: number): Promise<number> {
  model.compile({optimizer: tf.train.adam(0.005), loss: logRelativeError});
  const start = now();
  await model.fit(inputs, targets, {epochs, batchSize: 8, shuffle: true, verbose: 0});
  return (now() - start) / 1000;
}

/** The GNN rows: train at TRAIN_GRID, run on any grid by copying the (size-independent) weights. */
async function gnnMethod(mode: ls.NeuralKrylovMode, train: DiffusionFamily, epochs: number, hidden: number): Promise<Method> {
  const make = (set: DiffusionFamily) => ls.layers.neurallyAcceleratedSolver({
    indices: set.indices, shape: [set.n, set.n], tags: SPD, hiddenUnits: hidden, messagePassingSteps: 2, iterations: K, mode,
  });
  const layer = make(train);
  const v = tf.input({shape: [train.indices.length]});
  const bIn = tf.input({shape: [train.n]});
  const model = tf.model({inputs: [v, bIn], outputs: layer.apply([v, bIn]) as tf.SymbolicTensor});
  const data = tensorsOf(train);
  const seconds = await fit(model, [data.values, data.b], data.solutions, epochs);
  tf.dispose([data.values, data.b, data.solutions]);
  const layers = new Map<number, ls.layers.NeurallyAcceleratedSolverLayer>([[train.n, layer]]);
  const layerFor = (set: DiffusionFamily) => {
    let l = layers.get(set.n);
    if (l == null) {
      l = make(set);
      l.apply([tf.input({shape: [set.indices.length]}), tf.input({shape: [set.n]})]);
      l.setWeights(layer.getWeights());
      layers.set(set.n, l);
    }
    return l;
  };
  const tensors = (set: DiffusionFamily, s: number) => [tf.tensor2d(Float32Array.from(set.values[s]), [1, set.indices.length]),
    tf.tensor2d(Float32Array.from(set.b[s]), [1, set.n])];
  const flops = (set: DiffusionFamily) => {
    const {n} = set;
    const nnz = set.indices.length;
    return 2 * 4 * hidden * n + 2 * (2 * nnz * hidden + 2 * 2 * n * hidden * hidden) + 2 * hidden * n + 12 * n;
  };
  return {
    name: `GNN '${mode}' (H = ${hidden}, 2 message-passing steps)`,
    trainingSeconds: seconds,
    unavailable: () => null,
    setup: (set, s) => {
      const [values, b] = tensors(set, s);
      const start = now();
      const l = layerFor(set);
      const direction = l.directionFunction(values, b);
      const probe = direction(tf.zeros([1, set.n, 1]), tf.expandDims(b, -1), 0);
      probe.dataSync();
      const ms = now() - start;
      tf.dispose([values, b, probe]);
      return {ms, state: l};
    },
    solve: (set, s, rtol, state) => {
      const [values, b] = tensors(set, s);
      const result = (state as ls.layers.NeurallyAcceleratedSolverLayer).solve(values, b, {rtol, maxIterations: MAX_ITERATIONS});
      const x = result.x.dataSync() as Float32Array;
      tf.dispose([values, b, result.x]);
      return {x, iterations: result.iterations};
    },
    atK: (set, s, state) => {
      const [values, b] = tensors(set, s);
      const out = (state as ls.layers.NeurallyAcceleratedSolverLayer).apply([values, b]) as tf.Tensor;
      const x = out.dataSync() as Float32Array;
      tf.dispose([values, b, out]);
      return x;
    },
    cost: set => {
      const f = flops(set);
      const [values, b] = tensors(set, 0);
      const l = layerFor(set);
      const times: number[] = [];
      tf.tidy(() => {
        const direction = l.directionFunction(values, b);
        const r = tf.expandDims(b, -1);
        const x = tf.zerosLike(r);
        for (let i = 0; i < 22; i++) {
          const start = now();
          tf.tidy(() => { direction(x, r, 0).dataSync(); });
          times.push(now() - start);
        }
      });
      tf.dispose([values, b]);
      return `${(f / 1e6).toFixed(2)} Mflop = ${(f / (2 * set.indices.length)).toFixed(0)} SpMV-eq., ${median(times.slice(2)).toFixed(2)} ms`;
    },
  };
}

/** Trains `layer` as a model from dense A and b to the training set's solutions; seconds taken. */
async function fitDense(layer: tf.layers.Layer, train: DiffusionFamily, epochs: number): Promise<number> {
  const a = tf.input({shape: [train.n, train.n]});
  const bIn = tf.input({shape: [train.n]});
  const model = tf.model({inputs: [a, bIn], outputs: layer.apply([a, bIn]) as tf.SymbolicTensor});
  const data = tensorsOf(train, true);
  const seconds = await fit(model, [data.A as tf.Tensor, data.b], data.solutions, epochs);
  tf.dispose([data.values, data.b, data.solutions, data.A as tf.Tensor]);
  return seconds;
}

/** The learned-preconditioner rows (weights per unknown: the training grid only). */
async function preconditionerMethod(form: ls.layers.PreconditionerForm, train: DiffusionFamily, epochs: number): Promise<Method> {
  const rank = 8;
  const layer = ls.layers.learnedPreconditioner({rank, iterations: K, form,
    factorsInitializer: tf.initializers.randomNormal({stddev: 0.01, seed: 1})});
  const seconds = await fitDense(layer, train, epochs);
  return krylovMethod(`learned M (${form === 'inverse' ? 'M⁻¹ = D⁻¹ + VVᵀ' : 'M = D + UUᵀ'}, rank ${rank}) in CG`,
    (_set, _s, state) => ({preconditioner: state as ls.LinearOperator}), {
      trainingSeconds: seconds,
      unavailable: set => (set.n === train.n ? null : `its weights are per unknown of the ${TRAIN_GRID}×${TRAIN_GRID} grid`),
      setup: () => {
        const start = now();
        const M = layer.preconditioner();
        return {ms: now() - start, state: M};
      },
      dispose: state => (state as {dispose(): void}).dispose(),
      cost: set => `${((4 * set.n * rank + set.n) / 1e6).toFixed(3)} Mflop (${form === 'inverse' ? 'n + 2n·rank multiply-adds' : 'Woodbury: 2n·rank + rank² + n'})`,
    });
}

/** The unrolled solver at its k (dense A input; fixed K steps, so no iterations-to-tolerance). */
async function unrolledMethod(train: DiffusionFamily, epochs: number): Promise<Method> {
  const layer = ls.layers.unrolledSolver({iterations: K});
  const seconds = await fitDense(layer, train, epochs);
  const denseOne = (set: DiffusionFamily, s: number) => {
    const data = new Float32Array(set.n * set.n);
    set.indices.forEach(([i, j], e) => { data[i * set.n + j] += set.values[s][e]; });
    return tf.tensor3d(data, [1, set.n, set.n]);
  };
  return {
    name: `unrolled CG, learned α/β (k = ${K}, dense A)`,
    trainingSeconds: seconds,
    unavailable: () => null,
    solve: () => { throw new Error('fixed k'); },
    atK: (set, s) => {
      const A = denseOne(set, s);
      const b = tf.tensor2d(Float32Array.from(set.b[s]), [1, set.n]);
      const out = layer.apply([A, b]) as tf.Tensor;
      const x = out.dataSync() as Float32Array;
      tf.dispose([A, b, out]);
      return x;
    },
  };
}

interface Row {
  set: string;
  method: string;
  note: string | null;
  iterations: Record<string, {median: number; converged: number; total: number; ms: number}>;
  residualAtK: number | null;
  kMs: number | null;
  setupMs: number | null;
  trainingSeconds: number | null;
  cost: string | null;
}

function evaluate(method: Method, setName: string, set: DiffusionFamily, fixedOnly: boolean): Row {
  const row: Row = {set: setName, method: method.name, note: method.unavailable(set), iterations: {}, residualAtK: null,
    kMs: null, setupMs: null, trainingSeconds: method.trainingSeconds ?? null, cost: null};
  if (row.note != null) return row;
  const count = set.values.length;
  const setups: number[] = [];
  const states: unknown[] = [];
  for (let s = 0; s < count; s++) {
    const made = method.setup?.(set, s) ?? {ms: NaN, state: null};
    setups.push(made.ms);
    states.push(made.state);
  }
  row.setupMs = method.setup == null ? null : median(setups);
  // Warm-up: one K-step run and one solve on system 0 (kernels, pattern layouts, JIT).
  method.atK(set, 0, states[0]);
  const residuals: number[] = [];
  const kTimes: number[] = [];
  for (let s = 0; s < count; s++) {
    const start = now();
    const x = method.atK(set, s, states[s]);
    kTimes.push(now() - start);
    residuals.push(trueResidual(set, s, x));
  }
  row.residualAtK = median(residuals);
  row.kMs = median(kTimes);
  if (!fixedOnly) {
    method.solve(set, 0, TOLERANCES[0], states[0]);
    for (const rtol of TOLERANCES) {
      const outcomes: Outcome[] = [];
      for (let s = 0; s < count; s++) {
        const start = now();
        const {x, iterations} = method.solve(set, s, rtol, states[s]);
        const ms = now() - start;
        outcomes.push({iterations, converged: trueResidual(set, s, x) <= rtol, ms});
      }
      row.iterations[String(rtol)] = {
        median: median(outcomes.map(o => (o.converged ? o.iterations : Infinity))),
        converged: outcomes.filter(o => o.converged).length, total: count, ms: median(outcomes.map(o => o.ms)),
      };
    }
  }
  if (method.cost != null) row.cost = method.cost(set);
  states.forEach(st => method.dispose?.(st));
  return row;
}

function markdown(rows: Row[], sets: {name: string; set: DiffusionFamily}[], config: string): string {
  const fmtIt = (r: Row, rtol: number) => {
    const it = r.iterations[String(rtol)];
    if (it == null) return '—';
    const med = Number.isFinite(it.median) ? String(it.median) : `>${MAX_ITERATIONS}`;
    return `${med}${it.converged < it.total ? ` (${it.converged}/${it.total} conv.)` : ''}`;
  };
  const fmtMs = (r: Row, rtol: number) => (r.iterations[String(rtol)] == null ? '—' : r.iterations[String(rtol)].ms.toFixed(1));
  const lines = [
    '# Learned solvers against classical ones (tfjs-node)', '',
    `Command: \`npm run bench:learned\` (${config}). Generated ${new Date().toISOString()} on ${process.platform}/${process.arch}, ` +
    `tfjs ${tf.version.tfjs}, backend ${tf.getBackend()}. Medians over each set; every system of a set is in the median ` +
    '(no selection). Iterations and ms to the true relative residual; a system that did not reach it counts as ∞ in the median.',
    '',
  ];
  for (const {name, set} of sets) {
    lines.push(`## ${name} (n = ${set.n}, nnz = ${set.indices.length}, ${set.values.length} systems, seeds ${set.seeds[0]}…)`, '');
    lines.push('| method | iters 1e-3 | ms 1e-3 | iters 1e-5 | ms 1e-5 | res@k=10 | ms k=10 | setup ms | training s | cost per application |');
    lines.push('|---|---|---|---|---|---|---|---|---|---|');
    for (const r of rows.filter(x => x.set === name)) {
      if (r.note != null) {
        lines.push(`| ${r.method} | not available: ${r.note} | | | | | | | ${r.trainingSeconds?.toFixed(0) ?? ''} | |`);
        continue;
      }
      lines.push(`| ${r.method} | ${fmtIt(r, 1e-3)} | ${fmtMs(r, 1e-3)} | ${fmtIt(r, 1e-5)} | ${fmtMs(r, 1e-5)} | ` +
        `${r.residualAtK?.toExponential(2)} | ${r.kMs?.toFixed(1)} | ${r.setupMs == null ? 'in solve' : r.setupMs.toFixed(1)} | ` +
        `${r.trainingSeconds == null ? '—' : r.trainingSeconds.toFixed(0)} | ${r.cost ?? '—'} |`);
    }
    lines.push('');
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  await tf.setBackend('tensorflow');
  const epochs = Number(flags.epochs);
  const count = Number(flags.count);
  const hidden = Number(flags.hidden);
  const diffusion = (m: number, split: ls.Split, n: number, sigma: number) =>
    galleryFamily({family: 'diffusion', m, split, count: n, parameters: {sigma}});
  const train = diffusion(TRAIN_GRID, 'train', Number(flags.train), 1);
  const sets = [
    {name: `test split, training distribution (${TRAIN_GRID}×${TRAIN_GRID}, σ = 1)`, set: diffusion(TRAIN_GRID, 'test', count, 1)},
    {name: `twice the grid side (${2 * TRAIN_GRID}×${2 * TRAIN_GRID}, σ = 1)`, set: diffusion(2 * TRAIN_GRID, 'test', count, 1)},
    {name: `unseen coefficient distribution (${TRAIN_GRID}×${TRAIN_GRID}, σ = 2.5)`, set: diffusion(TRAIN_GRID, 'test', count, 2.5)},
  ];
  const classical: Method[] = [
    krylovMethod('CG', () => ({})),
    krylovMethod('Jacobi-PCG', () => ({preconditioner: 'jacobi'})),
  ];
  for (const [name, label] of [['ssor', 'SSOR-PCG'], ['ic0', 'IC(0)-PCG']] as const) {
    classical.push(preconditionerAvailable(name) ? krylovMethod(label, () => ({preconditioner: name as 'jacobi'})) :
      {...krylovMethod(label, () => ({})), unavailable: () => `preconditioner '${name}' is not in this build`});
  }
  const multigrid = (ls as unknown as Record<string, unknown>).multigrid;
  classical.push(typeof multigrid === 'function' ? multigridMethod(multigrid as MultigridFactory) :
    {...krylovMethod('multigrid-PCG (V-cycle)', () => ({})), unavailable: () => 'ls.multigrid is not in this build'});
  const fsai = (ls as unknown as Record<string, unknown>).fsai;
  classical.push(typeof fsai === 'function' ? operatorMethod('FSAI-PCG (A⁻¹ ≈ GᵀG on A\'s lower pattern)', fsai as MultigridFactory) :
    {...krylovMethod('FSAI-PCG', () => ({})), unavailable: () => 'ls.fsai is not in this build'});
  console.log('training the learned methods…');
  const learned: Method[] = [];
  for (const form of ['inverse', 'woodbury'] as const) learned.push(await preconditionerMethod(form, train, epochs));
  learned.push(await unrolledMethod(train, epochs));
  for (const mode of ['descent', 'flexible'] as const) learned.push(await gnnMethod(mode, train, epochs, hidden));
  learned.forEach(m => console.log(`  ${m.name}: ${m.trainingSeconds?.toFixed(1)} s`));
  const rows: Row[] = [];
  for (const {name, set} of sets) {
    for (const method of [...classical, ...learned]) {
      const start = now();
      rows.push(evaluate(method, name, set, method.name.startsWith('unrolled')));
      console.log(`  ${name} · ${method.name}: ${((now() - start) / 1000).toFixed(1)} s`);
    }
  }
  const config = `epochs ${epochs}, ${train.values.length} training systems, ${count} per test set, GNN H = ${hidden}`;
  fs.mkdirSync(flags.out as string, {recursive: true});
  fs.writeFileSync(path.join(flags.out as string, 'learned.md'), markdown(rows, sets, config) + '\n');
  fs.writeFileSync(path.join(flags.out as string, 'learned.json'), JSON.stringify({config, rows}, null, 1) + '\n');
  console.log(markdown(rows, sets, config));
}

/** `ls.multigrid(A, options?)` → a preconditioner operator, as the sibling feature names it. */
type MultigridFactory = (A: ls.LinearOperator, options?: object) => ls.LinearOperator & {dispose?(): void};

function multigridMethod(factory: MultigridFactory): Method {
  return operatorMethod('multigrid-PCG (geometric V-cycle)', factory);
}

/** A preconditioner built per system by a factory (setup timed apart), then used in CG. */
function operatorMethod(name: string, factory: MultigridFactory): Method {
  return krylovMethod(name, (_set, _s, state) => ({preconditioner: state as ls.LinearOperator}), {
    setup: (set, s) => {
      const start = now();
      const M = factory(operator(set, s), {m: set.m});
      return {ms: now() - start, state: M};
    },
    dispose: state => (state as {dispose?(): void}).dispose?.(),
  });
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
