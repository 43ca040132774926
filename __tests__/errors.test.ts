import * as tf from '@tensorflow/tfjs';
import * as ls from '../src';
import {describeEachBackend} from './support/backends';
import {convectionDiffusion} from '../testing/cases';

/** The LinearSolveError `fn` throws (failing the test if it throws anything else or nothing). */
function errorOf(fn: () => unknown, {checkLeaks = true} = {}): ls.LinearSolveError {
  const before = tf.memory().numTensors;
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ls.LinearSolveError);
    // A failed solve frees what it made.
    if (checkLeaks) expect(tf.memory().numTensors).toBe(before);
    return error as ls.LinearSolveError;
  }
  throw new Error('expected a LinearSolveError, but nothing was thrown');
}

describeEachBackend('bad input and failed solves throw LinearSolveError with a code', () => {
  let eye: tf.Tensor;
  let ones: tf.Tensor;
  beforeEach(() => { eye = tf.eye(3); ones = tf.ones([3]); });
  afterEach(() => tf.dispose([eye, ones]));

  it("'shape': A not square", () => {
    const A = tf.ones([3, 4]);
    const e = errorOf(() => ls.solve(A, ones));
    expect(e.code).toBe('shape');
    expect(e.message).toMatch(/square/);
    A.dispose();
  });

  it("'shape': b does not match A", () => {
    const b = tf.ones([4]);
    const e = errorOf(() => ls.solve(eye, b));
    expect(e.code).toBe('shape');
    expect(e.message).toMatch(/b must be \[3\] or \[3, k\]/);
    b.dispose();
  });

  it("'shape': b of the wrong rank, and a batch that does not match", () => {
    const b3 = tf.ones([3, 1, 1]);
    expect(errorOf(() => ls.solve(eye, b3)).code).toBe('shape');
    const batch = tf.ones([2, 3, 3]);
    const b = tf.ones([3, 3]);
    expect(errorOf(() => ls.solve(batch, b)).code).toBe('shape');
    tf.dispose([b3, batch, b]);
  });

  it("'shape': sparse index outside the matrix, values of the wrong length", () => {
    const values = tf.ones([2]);
    expect(errorOf(() => ls.sparse({indices: [[0, 0], [3, 1]], values, shape: [3, 3]})).code).toBe('shape');
    expect(errorOf(() => ls.sparse({indices: [[0, 0]], values, shape: [3, 3]})).code).toBe('shape');
    values.dispose();
  });

  it("'dtype': a bool matrix; int32 is cast", () => {
    const A = tf.tensor2d([[true, false], [false, true]], [2, 2], 'bool');
    const b = tf.ones([2]);
    const e = errorOf(() => ls.solve(A, b));
    expect(e.code).toBe('dtype');
    expect(e.message).toMatch(/tf\.cast/);
    const Ai = tf.tensor2d([[2, 0], [0, 4]], [2, 2], 'int32');
    const before = tf.memory().numTensors;
    const x = ls.solve(Ai, b);
    expect(Array.from(x.dataSync())).toEqual([0.5, 0.25]);
    x.dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([A, Ai, b]);
  });

  it("'nonFinite': NaN in A or Inf in b", () => {
    const A = tf.tensor2d([[1, NaN, 0], [0, 1, 0], [0, 0, 1]]);
    for (const method of ['lu', 'gmres'] as const) {
      expect(errorOf(() => ls.solve(A, ones, {method})).code).toBe('nonFinite');
    }
    const b = tf.tensor1d([1, Infinity, 0]);
    const e = errorOf(() => ls.solve(eye, b, {method: 'cg'}));
    expect(e.code).toBe('nonFinite');
    expect(e.message).toMatch(/NaN or Inf/);
    tf.dispose([A, b]);
  });

  it("'singular': LU on a rank-deficient matrix", () => {
    const A = tf.tensor2d([[1, 2, 3], [2, 4, 6], [1, 0, 1]]);
    const e = errorOf(() => ls.solve(A, ones, {method: 'lu'}));
    expect(e.code).toBe('singular');
    expect(e.message).toMatch(/dependent rows/);
    A.dispose();
  });

  it("'singular': Cholesky on a symmetric matrix that is not positive definite", () => {
    const A = tf.tensor2d([[1, 2, 0], [2, 1, 0], [0, 0, 1]]);
    const e = errorOf(() => ls.solve(A, ones, {method: 'cholesky'}));
    expect(e.code).toBe('singular');
    expect(e.message).toMatch(/not \(numerically\) symmetric positive definite/);
    A.dispose();
  });

  it("'breakdown': CG on an indefinite matrix", () => {
    const A = tf.tensor2d([[1, 0], [0, -1]]);
    const b = tf.ones([2]);
    const e = errorOf(() => ls.solve(A, b, {method: 'cg'}));
    expect(e.code).toBe('breakdown');
    expect(e.message).toMatch(/gmres/);
    tf.dispose([A, b]);
  });

  it("'breakdown': BiCGStab when r̂ᵀAp = 0", () => {
    const A = tf.tensor2d([[0, 1], [-1, 0]]);
    const b = tf.tensor1d([1, 0]);
    expect(errorOf(() => ls.solve(A, b, {method: 'bicgstab'})).code).toBe('breakdown');
    tf.dispose([A, b]);
  });

  it("'notConverged': maxIterations reached, with the residual in the message", () => {
    const P = convectionDiffusion(8, 0);
    const A = tf.tensor2d(Float32Array.from(P.data), [64, 64]);
    const b = tf.ones([64]);
    const e = errorOf(() => ls.solve(A, b, {method: 'cg', maxIterations: 3}));
    expect(e.code).toBe('notConverged');
    expect(e.message).toMatch(/not converged after 3 iterations .* Raise maxIterations/);
    tf.dispose([A, b]);
  });

  it("'notConverged' early, as 'stagnated', when rtol is below what float32 can reach", () => {
    const P = convectionDiffusion(12, 0);
    const A = tf.tensor2d(Float32Array.from(P.data), [144, 144]);
    const b = tf.ones([144]);
    for (const method of ['cg', 'gmres'] as const) {
      // refine: false: the float32 solve alone (by default, refinement takes over from a stagnated solve).
      const r = ls.linearSolve(A, b, {method, rtol: 1e-9, onFailure: 'ignore', refine: false});
      expect(r.status).toBe('stagnated');
      expect(r.iterations).toBeLessThan(1440);   // long before the default cap of 10·n
      r.x.dispose();
      const e = errorOf(() => ls.solve(A, b, {method, rtol: 1e-9, refine: false}));
      expect(e.code).toBe('notConverged');
      expect(e.message).toMatch(/stagnated .* float32 cannot reach this tolerance/);
    }
    tf.dispose([A, b]);
  });

  it("'option': unknown option, method or value", () => {
    expect(errorOf(() => ls.solve(eye, ones, {rtoll: 1} as ls.SolveOptions)).code).toBe('option');
    expect(errorOf(() => ls.solve(eye, ones, {method: 'qr' as 'lu'})).code).toBe('option');
    expect(errorOf(() => ls.solve(eye, ones, {rtol: -1})).code).toBe('option');
    expect(errorOf(() => ls.solve(eye, ones, {maxIterations: 1.5})).code).toBe('option');
  });

  it("'noTranspose': a gradient through a nonsymmetric matrix-free operator without rmatvec", () => {
    const M = tf.tensor2d([[3, 1, 0], [0, 3, 1], [0, 0, 3]]);
    const A = ls.matrixFree({shape: [3, 3], matvec: x => tf.squeeze(tf.matMul(M, tf.expandDims(x, 1)), [1])});
    const x = ls.solve(A, ones, {method: 'gmres'});
    expect(x.shape).toEqual([3]);
    x.dispose();
    expect(errorOf(() => A.transpose()).code).toBe('noTranspose');
    // tfjs 4.22 itself strands tensors when anything throws inside tf.grad (2 for a plain
    // throw after one op), so this one is checked for its code only.
    const e = errorOf(() => tf.grad(b => tf.sum(ls.solve(A, b, {method: 'gmres'})))(ones), {checkLeaks: false});
    expect(e.code).toBe('noTranspose');
    expect(e.message).toMatch(/rmatvec/);
    M.dispose();
  });
});

describeEachBackend("onFailure: 'warn' and 'ignore' return the status instead", () => {
  it('reports, warns once, and returns a finite x', () => {
    const A = tf.tensor2d([[1, 0], [0, -1]]);
    const b = tf.ones([2]);
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    const warned = ls.linearSolve(A, b, {method: 'cg', onFailure: 'warn'});
    expect(warned.status).toBe('breakdown');
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0][0])).toMatch(/not positive definite/);
    warn.mockClear();
    const ignored = ls.linearSolve(A, b, {method: 'cg', onFailure: 'ignore'});
    expect(ignored.status).toBe('breakdown');
    expect(warn).not.toHaveBeenCalled();
    warn.mockRestore();
    tf.dispose([A, b, warned.x, ignored.x]);
  });

  it('a capped solve reports maxIterations and its measured residual', () => {
    const P = convectionDiffusion(8, 0);
    const A = tf.tensor2d(Float32Array.from(P.data), [64, 64]);
    const b = tf.ones([64]);
    const r = ls.linearSolve(A, b, {method: 'cg', maxIterations: 3, onFailure: 'ignore'});
    expect(r.status).toBe('maxIterations');
    expect(r.iterations).toBe(3);
    expect(r.relativeResidual).toBeGreaterThan(1e-5);
    tf.dispose([A, b, r.x]);
  });
});
