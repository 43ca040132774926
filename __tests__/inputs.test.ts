/**
 * Inputs as tfjs users pass them: numbers where tensors are expected (converted once, freed
 * after), gallery matrices fed straight to `ls.sparse`, and every bad input a
 * LinearSolveError with a code, with no tensor left behind on any path.
 */
import * as tf from '@tensorflow/tfjs';
import * as ls from '../src';
import * as extend from '../src/extend';
import * as lsLayers from '../src/layers';
import * as core from '../src/coreApi';
import {describeEachBackend} from './support/backends';
import {nonsymmetric, spd} from '../testing/cases';
import {FLOAT32_EPS, Matrix64, condition, relativeError, solve64} from '../testing/reference';

/** The error's code, 'none' if fn returned (its result disposed), or what else was thrown. */
function outcome(fn: () => unknown): string {
  try {
    tf.dispose(fn() as tf.TensorContainer);
    return 'none';
  } catch (e) {
    return e instanceof ls.LinearSolveError ? e.code : `raw ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`;
  }
}

/** [outcome, tensors left] of fn, its result disposed. */
function run(fn: () => unknown): [string, number] {
  const before = tf.memory().numTensors;
  const code = outcome(fn);
  return [code, tf.memory().numTensors - before];
}

/** Rows of a float64 matrix as nested number arrays. */
function rows(P: Matrix64): number[][] {
  return Array.from({length: P.n}, (_, i) => Array.from(P.data.subarray(i * P.n, (i + 1) * P.n)));
}

/** A float32 solve's error bound for κ: a few κ·ε (LU with partial pivoting, small n). */
const bound = (P: Matrix64) => 50 * condition(P) * FLOAT32_EPS;

describeEachBackend('inputs: numbers where tensors are expected', () => {
  const P = nonsymmetric(6, 11, 3);
  const b64 = Float64Array.from({length: 6}, (_, i) => Math.sin(i + 1));
  const want = solve64(P, b64);

  it('nested arrays and typed arrays solve as their tensors do, and leave nothing behind', () => {
    const inputs: Array<[string, () => tf.Tensor]> = [
      ['nested arrays', () => ls.solve(rows(P), Array.from(b64))],
      ['Float32Array rows, Float64Array b', () => ls.solve(rows(P).map(r => Float32Array.from(r)), b64)],
      ['linearSolve', () => ls.linearSolve(rows(P), Array.from(b64)).x],
      ['factorize', () => {
        const lu = ls.factorize(rows(P), {method: 'lu'});
        try { return lu.solve(b64); } finally { lu.dispose(); }
      }],
      ['dense operator', () => {
        const A = ls.dense(rows(P));
        try { return ls.solve(A, Array.from(b64)); } finally { A.dispose(); }
      }],
      ['gmres with x0 as an array', () => ls.solve(rows(P), b64, {method: 'gmres', rtol: 1e-6, x0: new Array(6).fill(0.1)})],
    ];
    for (const [name, solve] of inputs) {
      const before = tf.memory().numTensors;
      const x = solve();
      expect([name, x.shape, x.dtype]).toEqual([name, [6], 'float32']);
      expect([name, relativeError(x.dataSync(), want) <= bound(P)]).toEqual([name, true]);
      x.dispose();
      expect([name, tf.memory().numTensors - before]).toEqual([name, 0]);
    }
  });

  it('b [n, k] and a batch [B, n, n] as nested arrays keep their shapes', () => {
    const B = [rows(spd(3, 1, 1)), rows(spd(3, 2, 1))];
    const bs = [[1, 2, 3], [3, 2, 1]];
    const before = tf.memory().numTensors;
    const x = ls.solve(B, bs);
    expect(x.shape).toEqual([2, 3]);
    const data = x.dataSync();
    for (const m of [0, 1]) {
      const reference = solve64(m === 0 ? spd(3, 1, 1) : spd(3, 2, 1), Float64Array.from(bs[m]));
      expect(relativeError(data.subarray(3 * m, 3 * m + 3), reference)).toBeLessThan(1e-5);
    }
    const block = ls.solve(rows(P), rows(P).map(r => [r[0], 1]));   // b [6, 2]
    expect(block.shape).toEqual([6, 2]);
    tf.dispose([x, block]);
    expect(tf.memory().numTensors - before).toBe(0);
  });

  it('gradients through a solve of arrays are those of the tensors', () => {
    const A = tf.tensor2d(rows(P));
    const b = tf.tensor1d(Array.from(b64));
    const fromArrays = tf.grad((bb: tf.Tensor) => tf.sum(ls.solve(rows(P), bb)))(b);
    const fromTensors = tf.grad((bb: tf.Tensor) => tf.sum(ls.solve(A, bb)))(b);
    expect(relativeError(fromArrays.dataSync(), fromTensors.dataSync())).toBeLessThan(1e-6);
    tf.dispose([A, b, fromArrays, fromTensors]);
  });

  it('gallery matrices feed ls.sparse as they come, and dispose() frees what sparse made', () => {
    const before = tf.memory().numTensors;
    const A = ls.sparse({...ls.poisson2d(5), tags: ['symmetric', 'positiveDefinite']});
    const reference = ls.poisson2dOperator(5);
    const ones = new Array(25).fill(1);
    const x = ls.solve(A, ones, {method: 'cg', rtol: 1e-6});
    const y = ls.solve(reference, ones, {method: 'cg', rtol: 1e-6});
    expect(relativeError(x.dataSync(), y.dataSync())).toBeLessThan(1e-6);
    tf.dispose([x, y, reference.values]);
    reference.dispose();
    A.dispose();
    const flat = ls.sparse({indices: [0, 0, 1, 1, 0, 1], values: [4, 3, 1], shape: [2, 2]});
    const z = ls.solve(flat, [5, 3]);                                  // [[4, 1], [0, 3]] z = [5, 3]
    expect(relativeError(z.dataSync(), [1, 1])).toBeLessThan(1e-6);
    z.dispose();
    flat.dispose();
    const D = ls.diagonal(new Float32Array([2, 4]));
    const d = ls.solve(D, [1, 2]);
    expect(Array.from(d.dataSync())).toEqual([0.5, 0.5]);
    d.dispose();
    D.dispose();
    expect(tf.memory().numTensors - before).toBe(0);
  });

  it('a tensor the caller passed stays the caller\'s', () => {
    const values = tf.tensor1d([4, 3, 1, 1]);
    const A = ls.sparse({indices: [[0, 0], [1, 1], [0, 1], [1, 0]], values, shape: [2, 2]});
    A.dispose();
    const M = tf.tensor2d([[4, 1], [1, 3]]);
    ls.dense(M).dispose();
    expect([values.isDisposed, M.isDisposed]).toEqual([false, false]);
    tf.dispose([values, M]);
  });
});

describeEachBackend('inputs: bad input is a LinearSolveError, and leaks nothing', () => {
  const A = () => [[4, 1], [1, 3]];
  it('arrays that are ragged or not numbers', () => {
    const cases: Array<[string, () => unknown, string]> = [
      ['ragged A', () => ls.solve([[4, 1], [1]], [1, 2]), 'shape'],
      ['ragged b', () => ls.solve(A(), [[1], [2, 3]]), 'shape'],
      ['a string in A', () => ls.solve([[4, 1], [1, '3' as unknown as number]], [1, 2]), 'dtype'],
      ['a boolean in b', () => ls.solve(A(), [1, true as unknown as number]), 'dtype'],
      ['b an object', () => ls.solve(A(), {length: 2} as unknown as number[]), 'dtype'],
      ['b null', () => ls.solve(A(), null as unknown as number[]), 'dtype'],
      ['A a vector', () => ls.solve([1, 2], [1, 2]), 'shape'],
      ['A fine, b the wrong length', () => ls.solve(A(), [1, 2, 3]), 'shape'],
      ['x0 the wrong length', () => ls.solve(A(), [1, 2], {method: 'cg', x0: [0, 0, 0]}), 'shape'],
      ['x0 a string', () => ls.solve(A(), [1, 2], {method: 'cg', x0: 'zeros' as unknown as number[]}), 'dtype'],
      ['factorize: b ragged', () => {
        const lu = ls.factorize(A());
        try { return lu.solve([[1], [2, 3]]); } finally { lu.dispose(); }
      }, 'shape'],
      ['dense: ragged', () => ls.dense([[1, 2], [3]]), 'shape'],
      ['diagonal: a matrix of strings', () => ls.diagonal(['a'] as unknown as number[]), 'dtype'],
      ['sparse: odd flat indices', () => ls.sparse({indices: [0, 0, 1], values: [1], shape: [2, 2]}), 'shape'],
      ['sparse: values of the wrong length', () => ls.sparse({indices: [[0, 0]], values: [1, 2], shape: [2, 2]}), 'shape'],
    ];
    for (const [name, fn, code] of cases) expect([name, ...run(fn)]).toEqual([name, code, 0]);
  });

  it('options null, ls.sparse() and ls.matrixFree() with no argument, a matvec of the wrong shape', () => {
    const b = tf.tensor1d([1, 2]);
    const cases: Array<[string, () => unknown, string]> = [
      ['options null', () => ls.solve(A(), b, null as unknown as ls.SolveOptions), 'none'],
      ['factorize options null', () => ls.factorize(A(), null as unknown as ls.SolveOptions).dispose(), 'none'],
      ['options an array', () => ls.solve(A(), b, [] as unknown as ls.SolveOptions), 'option'],
      ['sparse()', () => (ls.sparse as unknown as () => unknown)(), 'option'],
      ['sparse(null)', () => ls.sparse(null as unknown as ls.SparseSpec), 'option'],
      ['matrixFree()', () => (ls.matrixFree as unknown as () => unknown)(), 'shape'],
      ['matvec [n, 1] for one right-hand side', () => ls.solve(ls.matrixFree({shape: [2, 2], tags: ['symmetric', 'positiveDefinite'],
        matvec: x => tf.reshape(tf.mul(x, 2), [2, 1])}), b, {method: 'cg'}), 'shape'],
      ['matvec of the wrong length', () => ls.solve(ls.matrixFree({shape: [2, 2], tags: ['symmetric'],
        matvec: x => tf.concat([x, x])}), b, {method: 'cg'}), 'shape'],
    ];
    for (const [name, fn, code] of cases) expect([name, ...run(fn)]).toEqual([name, code, 0]);
    b.dispose();
  });

  it("'noTranspose' leaks nothing, for every adjoint and method that needs Aᵀ", () => {
    const M = tf.tensor2d([[4, 1], [0, 3]]);
    const b = tf.tensor1d([1, 2]);
    const diagonal = tf.tensor1d([4, 3]);
    const op = () => ls.matrixFree({shape: [2, 2], diagonal, matvec: x => tf.squeeze(tf.matMul(M, tf.reshape(x, [2, -1])), x.rank === 1 ? [1] : [])});
    const gradient = (options: ls.SolveOptions) => () => tf.grad((bb: tf.Tensor) => tf.sum(ls.solve(op(), bb, options)))(b);
    const cases: Array<[string, () => unknown]> = [
      ['gmres, implicit', gradient({method: 'gmres'})],
      ['bicgstab, implicit', gradient({method: 'bicgstab'})],
      ['gmres, truncated', gradient({method: 'gmres', adjoint: {truncated: 2}})],
      ['lu, implicit', gradient({method: 'lu'})],
      ['gmres, stochastic', gradient({method: 'gmres', adjoint: {stochastic: {rate: 1, seed: 1}}})],
      ['factorize then grad', () => {
        const f = ls.factorize(op(), {method: 'gmres'});
        try { return tf.grad((bb: tf.Tensor) => tf.sum(f.solve(bb)))(b); } finally { f.dispose(); }
      }],
    ];
    for (const [name, fn] of cases) {
      const [code, left] = run(fn);
      expect([name, left]).toEqual([name, 0]);
      expect([name, code]).toEqual([name, name.startsWith('lu') ? 'none' : 'noTranspose']);
    }
    tf.dispose([M, b, diagonal]);
  });
});

describe('public surface', () => {
  it('the main entry holds what applications use and ls.layers; tfjs-linsolve/core the same without the layers; the building blocks are in tfjs-linsolve/extend', () => {
    const internals = ['BaseOperator', 'DenseOperator', 'MatrixFreeOperator', 'DiagonalOperator', 'chooseSolver',
      'registerSolver', 'LUSolver', 'CholeskySolver', 'DiagonalSolver', 'CGSolver', 'BiCGStabSolver', 'GMRESSolver',
      'JacobiSolver', 'ImplicitAdjoint', 'UnrolledAdjoint', 'TruncatedAdjoint', 'StochasticAdjoint'];
    expect(internals.filter(name => name in ls)).toEqual([]);
    expect(internals.filter(name => !(name in extend))).toEqual([]);
    expect(extend.SparseOperator).toBe(ls.SparseOperator);
    for (const name of ['solve', 'linearSolve', 'factorize', 'dense', 'sparse', 'matrixFree', 'diagonal',
      'LinearSolveError', 'isLinearOperator', 'solverEntries', 'poisson2d']) {
      expect([name, name in ls]).toEqual([name, true]);
    }
    expect(typeof lsLayers.linearSolve).toBe('function');
    expect(ls.layers).toBe(lsLayers);
    expect(Object.keys(core).sort()).toEqual(Object.keys(ls).filter(name => name !== 'layers').sort());
  });

  it('a solver subclassed through tfjs-linsolve/extend is used by solve', () => {
    class CountingCG extends extend.CGSolver {
      calls = 0;
      compute(state: ls.SolverState, b: tf.Tensor, options: ls.SolverOptions): ls.SolverResult {
        this.calls++;
        return super.compute(state, b, options);
      }
    }
    const solver = new CountingCG();
    const x = ls.solve([[4, 1], [1, 3]], [1, 2], {method: solver, tags: ['symmetric', 'positiveDefinite']});
    expect(relativeError(x.dataSync(), [1 / 11, 7 / 11])).toBeLessThan(1e-5);
    expect(solver.calls).toBe(1);
    x.dispose();
  });
});
