import * as tf from '@tensorflow/tfjs';
import * as ls from '../src';
import {HOST_BELOW, NativeEngineChoice, nativeEngineRuns, useNativeEngine} from '../src/solvers/krylov/nodeEngine';
import {hostEngineRuns} from '../src/solvers/krylov/hostEngine';
import {kernelsPerIteration, useInPlaceCG} from '../src/kernels/node/nativeCG';
import {describeEachBackend} from './support/backends';
import {RTOL, solutionBound} from '../testing/bounds';
import {convectionDiffusion, spd} from '../testing/cases';
import {Matrix64, randomVector, relativeError, solve64} from '../testing/reference';

function sparseOf(a: Matrix64): ls.SparseOperator {
  const indices: number[][] = [];
  const values: number[] = [];
  for (let i = 0; i < a.n; i++) for (let j = 0; j < a.n; j++) {
    if (a.data[i * a.n + j] !== 0) { indices.push([i, j]); values.push(a.data[i * a.n + j]); }
  }
  return ls.sparse({indices, values: tf.tensor1d(values), shape: [a.n, a.n], tags: ['symmetric', 'positiveDefinite']});
}

interface Run {x: Float32Array; status: string; iterations: number; relativeResidual: number; native: boolean}

function run(native: NativeEngineChoice, A: ls.LinearOperator | tf.Tensor, b: tf.Tensor, options: ls.SolveOptions = {}): Run {
  const previous = useNativeEngine(native);
  const before = nativeEngineRuns().runs;
  try {
    const result = ls.linearSolve(A, b, {method: 'cg', onFailure: 'ignore', ...options});
    const x = Float32Array.from(result.x.dataSync() as Float32Array);
    result.x.dispose();
    return {...result, x, native: nativeEngineRuns().runs > before};
  } finally {
    useNativeEngine(previous);
  }
}

/** A block of k right-hand sides from columns of seeded random vectors, row-major `[n, k]`. */
function block(n: number, k: number, seed: number): {values: number[]; columns: Float64Array[]} {
  const columns = Array.from({length: k}, (_, j) => randomVector(n, seed + j));
  const values: number[] = [];
  for (let i = 0; i < n; i++) for (let j = 0; j < k; j++) values.push(columns[j][i]);
  return {values, columns};
}

describeEachBackend('native CG engine (tfjs-node)', () => {
  const m = 10;
  const poisson = convectionDiffusion(m, 0);
  const n = poisson.n;
  // κ of the 5-point Laplacian on an m×m grid.
  const eig = (i: number) => 4 - 4 * Math.cos(i * Math.PI / (m + 1));
  const kappa = eig(m) / eig(1);

  it('solves a block of right-hand sides on the native engine, each column to its bound', () => {
    const A = sparseOf(poisson);
    const k = 5;
    const {values, columns} = block(n, k, 11);
    const b = tf.tensor2d(values, [n, k]);
    run(true, A, b, {maxIterations: 1, fixedIterations: true});   // builds the pattern's native indices once
    const before = tf.memory().numTensors;
    const result = run(true, A, b, {rtol: RTOL});
    expect(tf.memory().numTensors).toBe(before);
    expect(result.native).toBe(true);
    expect(result.status).toBe('converged');
    for (let j = 0; j < k; j++) {
      const x = Array.from({length: n}, (_, i) => result.x[i * k + j]);
      expect(relativeError(x, solve64(poisson, columns[j]))).toBeLessThan(solutionBound(n, kappa, true));
    }
    tf.dispose(b);
    A.dispose();
  });

  it('matches the tf-ops loop: status, iterations and x, dense and sparse, Jacobi or not', () => {
    const A = sparseOf(poisson);
    const dense = tf.tensor2d(Array.from(poisson.data), [n, n]);
    const {values} = block(n, 3, 21);
    const b = tf.tensor2d(values, [n, 3]);
    const b1 = tf.tensor2d(Array.from(randomVector(n, 5)), [n, 1]);
    for (const op of [A, dense]) {
      for (const rhs of [b, b1]) {
        for (const options of [{rtol: 1e-4}, {rtol: 1e-4, preconditioner: 'jacobi' as const}, {maxIterations: 7, fixedIterations: true}]) {
          const native = run('native', op, rhs, options);
          const ops = run(false, op, rhs, options);
          expect(native.native).toBe(true);
          expect(ops.native).toBe(false);
          expect(native.status).toBe(ops.status);
          expect(native.iterations).toBe(ops.iterations);
          const scale = Math.max(...Array.from(ops.x, Math.abs));
          native.x.forEach((v, i) => expect(Math.abs(v - ops.x[i])).toBeLessThan(1e-4 * scale));
        }
      }
    }
    tf.dispose([dense, b, b1]);
    A.dispose();
  });

  it('reports breakdown on an indefinite A and nonFinite on NaN input, as the tf-ops loop does', () => {
    // pᵀAp = bᵀAb < 0 on the first step for both columns.
    const indefinite = tf.tensor2d([[1, 0, 0], [0, -3, 0], [0, 0, 1]]);
    const b = tf.tensor2d([[1, 1], [1, 2], [1, 1]]);
    // Checked every step: by the fifth, CG on a 3×3 system has converged whatever A is.
    const native = run('native', indefinite, b, {checkEvery: 1});
    expect(native.native).toBe(true);
    expect(native.status).toBe('breakdown');
    expect(run(false, indefinite, b, {checkEvery: 1}).status).toBe('breakdown');
    const bad = tf.tensor2d([[1, NaN], [1, 2], [1, 3]]);
    expect(run('native', tf.eye(3), bad).status).toBe('nonFinite');
    tf.dispose([indefinite, b, bad]);
  });

  it('gives the implicit gradient through the native forward and backward', () => {
    const a = spd(8, 3, 1);
    const A = tf.tensor2d(Array.from(a.data), [8, 8]);
    const b = tf.tensor2d(block(8, 2, 31).values, [8, 2]);
    const grads = (native: NativeEngineChoice) => {
      const previous = useNativeEngine(native);
      try {
        const g = tf.grads((aa: tf.Tensor, bb: tf.Tensor) =>
          tf.sum(tf.square(ls.solve(aa, bb, {method: 'cg', rtol: 1e-6, onFailure: 'ignore'}))))([A, b]);
        const out = g.map(t => Array.from(t.dataSync()));
        tf.dispose(g);
        return out;
      } finally {
        useNativeEngine(previous);
      }
    };
    const before = nativeEngineRuns().runs;
    const [dA, db] = grads('native');
    expect(nativeEngineRuns().runs - before).toBe(2);   // forward and the transposed backward
    const [dA0, db0] = grads(false);
    const close = (u: number[], v: number[]) => {
      const scale = Math.max(...v.map(Math.abs));
      u.forEach((x, i) => expect(Math.abs(x - v[i])).toBeLessThan(1e-3 * scale));
    };
    close(dA, dA0);
    close(db, db0);
    tf.dispose([A, b]);
  });

  it('picks the engine by shape: the host loop for one right-hand side on a small grid, native for a block', () => {
    expect(n).toBeLessThan(HOST_BELOW);
    const A = sparseOf(poisson);
    const b1 = tf.ones([n, 1]);
    const b4 = tf.ones([n, 4]);
    const host = hostEngineRuns('cg');
    const one = run(true, A, b1);
    expect(one.native).toBe(false);
    expect(hostEngineRuns('cg')).toBe(host + 1);
    expect(one.status).toBe('converged');
    expect(run(true, A, b4).native).toBe(true);
    expect(hostEngineRuns('cg')).toBe(host + 1);
    expect(run('native', A, b1).native).toBe(true);
    tf.dispose([b1, b4]);
    A.dispose();
  });

  it('updates one right-hand side in place as the tensor form does: status, iterations, x; x0, breakdown, NaN; no leaks', () => {
    const A = sparseOf(poisson);
    const dense = tf.tensor2d(Array.from(poisson.data), [n, n]);
    const b1 = tf.tensor2d(Array.from(randomVector(n, 7)), [n, 1]);
    const x0 = tf.tensor2d(Array.from(randomVector(n, 8)), [n, 1]);
    const inPlace = (on: boolean, op: ls.LinearOperator | tf.Tensor, rhs: tf.Tensor, options: ls.SolveOptions) => {
      const previous = useInPlaceCG(on);
      try {
        return run('native', op, rhs, options);
      } finally {
        useInPlaceCG(previous);
      }
    };
    inPlace(true, A, b1, {maxIterations: 1, fixedIterations: true});
    const before = tf.memory().numTensors;
    for (const op of [A, dense]) {
      for (const options of [{rtol: 1e-5}, {rtol: 1e-5, x0}, {rtol: 1e-5, checkEvery: 1}, {maxIterations: 9, fixedIterations: true}]) {
        const fast = inPlace(true, op, b1, options);
        expect(nativeEngineRuns().kernelsPerIteration).toBe(15);
        const reference = inPlace(false, op, b1, options);
        expect(nativeEngineRuns().kernelsPerIteration).toBe(16);
        expect(fast.native).toBe(true);
        expect(fast.status).toBe(reference.status);
        expect(fast.iterations).toBe(reference.iterations);
        const scale = Math.max(...Array.from(reference.x, Math.abs));
        fast.x.forEach((v, i) => expect(Math.abs(v - reference.x[i])).toBeLessThan(1e-5 * scale));
        // And the answer itself, against float64.
        if (!('fixedIterations' in options)) {
          expect(relativeError(fast.x, solve64(poisson, Float64Array.from(b1.dataSync())))).toBeLessThan(solutionBound(n, kappa, true));
        }
      }
    }
    expect(tf.memory().numTensors).toBe(before);
    const indefinite = tf.tensor2d([[1, 0, 0], [0, -3, 0], [0, 0, 1]]);
    const b = tf.tensor2d([[1], [2], [1]]);
    expect(inPlace(true, indefinite, b, {checkEvery: 1}).status).toBe('breakdown');
    const bad = tf.tensor2d([[1], [NaN], [3]]);
    expect(inPlace(true, tf.eye(3), bad, {}).status).toBe('nonFinite');
    tf.dispose([dense, b1, x0, indefinite, b, bad]);
    A.dispose();
  });

  it('counts its kernels per iteration: 16 (15 for one right-hand side in place)', () => {
    expect(kernelsPerIteration(1, false)).toBe(16);
    expect(kernelsPerIteration(8, false)).toBe(16);
    expect(kernelsPerIteration(8, true)).toBe(19);
    expect(kernelsPerIteration(1, false, true)).toBe(15);
    const A = sparseOf(poisson);
    const b = tf.ones([n, 4]);
    run(true, A, b, {maxIterations: 3, fixedIterations: true});
    expect(nativeEngineRuns().kernelsPerIteration).toBe(16);
    tf.dispose(b);
    A.dispose();
  });
}, {backends: ['tensorflow']});
