/**
 * Regression tests for the library's promise: a result reported 'converged' met its
 * tolerance; every failure is a LinearSolveError with a code; no tensor is left behind.
 */
import * as tf from '@tensorflow/tfjs';
import * as ls from '../src';
import {BACKENDS, describeEachBackend} from './support/backends';
import {nonsymmetric, spd} from '../testing/cases';
import {Matrix64, matmul, norm, relativeError, solve64} from '../testing/reference';
import {NativeOps} from '../src/kernels/node/NativeOps';

/** The error's code, 'none' if fn returned, or the constructor name of any other exception. */
function outcome(fn: () => unknown): string {
  try {
    const r = fn();
    tf.dispose(r as tf.TensorContainer);
    return 'none';
  } catch (e) {
    return e instanceof ls.LinearSolveError ? e.code : `raw ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`;
  }
}

/** numTensors after `fn` minus before, `fn`'s result disposed. */
function leaked(fn: () => unknown): number {
  const before = tf.memory().numTensors;
  outcome(fn);
  return tf.memory().numTensors - before;
}

const tensor = (P: Matrix64) => tf.tensor2d(Float32Array.from(P.data), [P.n, P.n]);
/** ‖b − A x‖/‖b‖ in float64 from the float32 inputs. */
function residual64(P: Matrix64, b: ArrayLike<number>, x: ArrayLike<number>): number {
  const ax = matmul(P, Float64Array.from(x));
  return norm(Array.from(ax, (v, i) => b[i] - v)) / norm(b);
}

describeEachBackend('trust: direct methods report converged only within rtol', () => {
  it("a residual above rtol is 'stagnated' (code notConverged), not 'converged'", () => {
    const P = nonsymmetric(30, 3, 0.5);
    const A = tensor(P);
    const b = tf.ones([30]);
    for (const method of ['lu', 'cholesky'] as const) {
      const M = method === 'lu' ? A : tf.tidy(() => tf.add(tf.matMul(A, A, false, true), tf.eye(30)));
      const result = ls.linearSolve(M, b, {method, rtol: 1e-10, onFailure: 'ignore'});
      expect(result.status).toBe('stagnated');
      result.x.dispose();
      expect(outcome(() => ls.solve(M, b, {method, rtol: 1e-10}))).toBe('notConverged');
      if (M !== A) M.dispose();
    }
    tf.dispose([A, b]);
  });

  it("ordinary systems at the default rtol are 'converged', and meet rtol in float64", () => {
    for (const [P, method] of [[nonsymmetric(60, 4, 8), 'lu'], [spd(60, 5, 0.5), 'cholesky']] as const) {
      const A = tensor(P);
      const bData = Float32Array.from({length: P.n}, (_, i) => Math.sin(i + 1));
      const b = tf.tensor1d(bData);
      const result = ls.linearSolve(A, b, {method});
      expect(result.status).toBe('converged');
      expect(residual64(P, bData, result.x.dataSync())).toBeLessThanOrEqual(1e-5);
      tf.dispose([A, b, result.x]);
    }
  });

  it("'cholesky' (and 'auto' with SPD tags) refuses a nonsymmetric A as 'singular'", () => {
    // SPD plus a 1e-3 nonsymmetric part: reading one triangle leaves a ~1e-3 residual, which the
    // backward-error gate (≈ 100·n²·ε) alone lets through.
    const S0 = spd(20, 8, 1);
    const R = nonsymmetric(20, 9, 0);
    const A = tf.tensor2d(Float32Array.from(S0.data, (v, i) => v + 1e-3 * R.data[i]), [20, 20]);
    const b = tf.ones([20]);
    expect(outcome(() => ls.solve(A, b, {method: 'cholesky'}))).toBe('singular');
    expect(outcome(() => ls.solve(A, b, {tags: ['symmetric', 'positiveDefinite']}))).toBe('singular');
    // A symmetric product X·Xᵀ formed in float32 is accepted.
    const X = tf.randomUniform([8, 8], -1, 1, 'float32', 3);
    const S = tf.tidy(() => tf.add(tf.matMul(X, X, false, true), tf.eye(8)));
    expect(outcome(() => ls.solve(S, tf.ones([8]), {method: 'cholesky'}))).toBe('none');
    tf.dispose([A, b, X, S]);
  });
});

describeEachBackend('trust: scaling', () => {
  const P = spd(6, 9, 1);
  const bData = Float64Array.from({length: 6}, (_, i) => Math.fround(1 + i / 7));
  const x64 = solve64(P, bData);
  for (const scale of [1e-25, 1e-19, 1e20]) {
    it(`b scaled by ${scale}: every method returns A⁻¹b, not 0 or an overflow`, () => {
      const A = tensor(P);
      const b = tf.tensor1d(Float32Array.from(bData, v => v * scale));
      for (const method of ['cg', 'gmres', 'bicgstab', 'lu', 'cholesky'] as const) {
        const result = ls.linearSolve(A, b, {method});
        expect(result.status).toBe('converged');
        expect(relativeError(Array.from(result.x.dataSync(), v => v / scale), x64)).toBeLessThan(1e-3);
        result.x.dispose();
      }
      tf.dispose([A, b]);
    });
  }
  it('A = 1e20·I, b = 1e20: x = 1, not nonFinite', () => {
    const A = tf.tidy(() => tf.mul(tf.eye(4), 1e20));
    const b = tf.fill([4], 1e20);
    for (const method of ['cg', 'gmres', 'bicgstab', 'jacobi', 'lu', 'cholesky'] as const) {
      const x = ls.solve(A, b, {method});
      expect(relativeError(x.dataSync(), [1, 1, 1, 1])).toBeLessThan(1e-5);
      x.dispose();
    }
    tf.dispose([A, b]);
  });
  it("iterative 'converged' results meet rtol on the float64 residual", () => {
    for (let seed = 0; seed < 3; seed++) {
      const Q = spd(24, 100 + seed, 0.05);
      const A = tensor(Q);
      const bData = Float32Array.from({length: 24}, (_, i) => Math.cos(i * (seed + 1)));
      const b = tf.tensor1d(bData);
      for (const method of ['cg', 'gmres', 'bicgstab'] as const) {
        for (const rtol of [1e-3, 1e-4, 1e-5]) {
          const result = ls.linearSolve(A, b, {method, rtol, onFailure: 'ignore', maxIterations: 2000});
          if (result.status === 'converged') expect(residual64(Q, bData, result.x.dataSync())).toBeLessThanOrEqual(rtol);
          result.x.dispose();
        }
      }
      tf.dispose([A, b]);
    }
  });
});

describeEachBackend('trust: inputs are validated', () => {
  let A: tf.Tensor;
  let b: tf.Tensor;
  beforeAll(() => {
    A = tf.tensor2d([[4, 1], [1, 3]]);
    b = tf.tensor1d([1, 2]);
  });
  afterAll(() => tf.dispose([A, b]));

  it('sparse indices that are not integers in [0, n) are refused', () => {
    const values = tf.ones([2]);
    for (const v of [1.7, NaN, -0.5, 2 ** 32 + 1, 2 ** 31, -1, '1', null]) {
      const code = outcome(() => ls.sparse({indices: [[0, 0], [1, v as number]], values, shape: [2, 2]}));
      expect([v, code]).toEqual([v, typeof v === 'number' && Number.isInteger(v) ? 'shape' : 'dtype']);
    }
    for (const dtype of ['float32', 'bool'] as const) {
      const indices = tf.tensor2d([[0, 0], [1, 1]], [2, 2], dtype);
      expect(outcome(() => ls.sparse({indices, values, shape: [2, 2]}))).toBe('dtype');
      indices.dispose();
    }
    values.dispose();
  });

  it('options of the wrong type are refused', () => {
    const cases: Array<[string, ls.SolveOptions]> = [
      ['fixedIterations', {fixedIterations: 'no' as unknown as boolean, maxIterations: 3}],
      ['tags string', {tags: 'symmetric' as unknown as ls.OperatorTag[]}],
      ['unknown tag', {tags: ['spd' as ls.OperatorTag]}],
      ['rate string', {adjoint: {stochastic: {rate: '0.5' as unknown as number}}}],
      ['stochastic null', {adjoint: {stochastic: null as unknown as {rate: number}}}],
      ['rtol string', {rtol: '1e-5' as unknown as number}],
      ['x0 string', {method: 'cg', x0: 'zeros' as unknown as tf.Tensor}],
      ['backward string', {backward: 'tight' as unknown as ls.SolveOptions['backward']}],
    ];
    for (const [name, options] of cases) expect([name, outcome(() => ls.solve(A, b, options))]).toEqual([name, expect.stringMatching(/^(option|dtype)$/)]);
    expect(outcome(() => ls.matrixFree({shape: [2.5, 2.5], matvec: x => x}))).toBe('shape');
    expect(outcome(() => ls.sparse({indices: [[0, 0]], values: tf.ones([1]), shape: [2.5, 2.5]}))).toBe('shape');
    expect(outcome(() => ls.dense(A, {tags: ['spd' as ls.OperatorTag]}))).toBe('option');
    for (const method of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      expect(outcome(() => ls.solve(A, b, {method: method as ls.MethodName}))).toBe('option');
    }
  });

  it('options null, disposed tensors, a wrong-sized preconditioner, a matvec of the wrong shape', () => {
    const x = ls.solve(A, b, null as unknown as ls.SolveOptions);
    expect(relativeError(x.dataSync(), [1 / 11, 7 / 11])).toBeLessThan(1e-5);
    x.dispose();
    const dead = tf.tensor1d([1, 2]);
    dead.dispose();
    expect(outcome(() => ls.solve(A, dead))).toBe('dtype');
    expect(outcome(() => ls.solve(A, b, {method: 'cg', x0: dead}))).toBe('dtype');
    const M = ls.diagonal(tf.ones([3]));
    expect(outcome(() => ls.solve(A, b, {method: 'cg', preconditioner: M}))).toBe('shape');
    const wrong = ls.matrixFree({shape: [2, 2], tags: ['symmetric'], matvec: v => tf.concat([v, v])});
    expect(outcome(() => ls.solve(wrong, b, {method: 'cg'}))).toBe('shape');
    const notTensor = ls.matrixFree({shape: [2, 2], tags: ['symmetric'], matvec: () => 3 as unknown as tf.Tensor});
    expect(outcome(() => ls.solve(notTensor, b, {method: 'cg'}))).toBe('shape');
    const badT = ls.matrixFree({shape: [2, 2], matvec: v => tf.mul(v, 2), rmatvec: v => tf.concat([v, v])});
    expect(outcome(() => tf.grad((bb: tf.Tensor) => tf.sum(ls.solve(badT, bb, {method: 'gmres'})))(b))).toBe('shape');
  });
});

describeEachBackend('trust: n = 0, n = 1, k = 0, B = 0, empty sparse', () => {
  const methods = ['auto', 'lu', 'cholesky', 'cg', 'bicgstab', 'gmres', 'jacobi'] as const;
  it('n = 1: every method solves, and gradients are finite (unrolled too)', () => {
    const A = tf.tensor2d([[2]]);
    const b = tf.tensor1d([4]);
    for (const method of methods) {
      const x = ls.solve(A, b, {method});
      expect(Math.abs(x.dataSync()[0] - 2)).toBeLessThanOrEqual(2e-6);
      x.dispose();
      const adjoints: ls.SolveOptions['adjoint'][] = method === 'lu' || method === 'cholesky' || method === 'auto' ?
        ['implicit'] : ['implicit', 'unrolled', {truncated: 3}];
      for (const adjoint of adjoints) {
        const [gb, gA] = tf.grads((bb: tf.Tensor, aa: tf.Tensor) => tf.sum(ls.solve(aa, bb, {method, adjoint})))([b, A]);
        // k damped steps with ω = 1/(1.1·2): the gradient error is (1 − 1/1.1)³ ≈ 7.5e-4.
        const tolerance = typeof adjoint === 'object' ? 1e-3 : 1e-6;
        expect(Number.isFinite(gb.dataSync()[0])).toBe(true);
        expect(Math.abs(gb.dataSync()[0] - 0.5)).toBeLessThanOrEqual(0.5 * tolerance);
        expect(Math.abs(gA.dataSync()[0] + 1)).toBeLessThanOrEqual(tolerance);
        tf.dispose([gb, gA]);
      }
    }
    tf.dispose([A, b]);
  });

  it('n = 0, k = 0 and B = 0 give empty solutions and zero gradients', () => {
    const cases: Array<[tf.Tensor, tf.Tensor]> = [
      [tf.zeros([0, 0]), tf.zeros([0])], [tf.zeros([0, 0]), tf.zeros([0, 3])],
      [tf.tensor2d([[4, 1], [1, 3]]), tf.zeros([2, 0])], [tf.zeros([0, 2, 2]), tf.zeros([0, 2])],
    ];
    for (const [A, b] of cases) {
      for (const method of methods) {
        const result = ls.linearSolve(A, b, {method});
        expect(result.x.shape).toEqual(b.shape);
        expect(result.status).toBe('converged');
        result.x.dispose();
        const [gb, gA] = tf.grads((bb: tf.Tensor, aa: tf.Tensor) => tf.sum(ls.solve(aa, bb, {method})))([b, A]);
        expect(gA.shape).toEqual(A.shape);
        expect(Array.from(gA.dataSync()).every(v => v === 0)).toBe(true);
        tf.dispose([gb, gA]);
      }
      tf.dispose([A, b]);
    }
  });

  it("an empty sparse matrix (A = 0) is 'singular' or a 'breakdown', not 'nonFinite'", () => {
    const b = tf.ones([3]);
    const A = ls.sparse({indices: [], values: tf.zeros([0]), shape: [3, 3]});
    for (const method of ['lu', 'gmres', 'cg'] as const) {
      const status = ls.linearSolve(A, b, {method, onFailure: 'ignore'});
      expect(['singular', 'breakdown', 'maxIterations', 'stagnated']).toContain(status.status);
      status.x.dispose();
    }
    A.dispose();
    b.dispose();
  });
});

describeEachBackend('trust: failures leave no tensor behind', () => {
  it('errors raised inside tf.grad (forward and backward) strand nothing', () => {
    const A = tf.tensor2d([[1, 2], [3, 4.1]]);
    const Z = tf.zeros([2, 2]);
    const indefinite = tf.tensor2d([[1, 0], [0, -1]]);
    const b = tf.tensor1d([1, 2]);
    const throwing = ls.matrixFree({shape: [2, 2], matvec: v => tf.matMul(A, v.rank === 1 ? v.expandDims(1) : v).reshape(v.shape),
      rmatvec: () => { throw new ls.LinearSolveError('option', 'rmatvec failed'); }});
    const noRmatvec = ls.matrixFree({shape: [2, 2], matvec: v => tf.mul(v, 0.3)});
    const cases: Array<[string, () => unknown, string]> = [
      ['backward not converged', () => tf.grads((bb: tf.Tensor, aa: tf.Tensor) =>
        tf.sum(ls.solve(aa, bb, {method: 'gmres', backward: {maxIterations: 1}})))([b, A]), 'notConverged'],
      ['rmatvec throws', () => tf.grad((bb: tf.Tensor) => tf.sum(ls.solve(throwing, bb, {method: 'gmres'})))(b), 'option'],
      ['matrix-free M without rmatvec', () => tf.grad((bb: tf.Tensor) =>
        tf.sum(ls.solve(A, bb, {method: 'gmres', preconditioner: noRmatvec})))(b), 'noTranspose'],
      // (No op of the caller's own on the tape: tfjs itself strands what those save.)
      ['forward fails inside tf.grad', () => tf.grads((bb: tf.Tensor, aa: tf.Tensor) =>
        tf.sum(ls.solve(aa, bb, {method: 'lu'})))([b, Z]), 'singular'],
      ['bad option inside tf.grad', () => tf.grad((bb: tf.Tensor) =>
        tf.sum(ls.solve(A, bb, {method: 'gmres', rtol: -1})))(b), 'option'],
      ['truncated with a matrix-free M without rmatvec', () => tf.grad((bb: tf.Tensor) =>
        tf.sum(ls.solve(A, bb, {method: 'gmres', preconditioner: noRmatvec, adjoint: {truncated: 4}})))(b), 'noTranspose'],
      ['CG breakdown inside tf.grad', () => tf.grads((bb: tf.Tensor, aa: tf.Tensor) =>
        tf.sum(ls.solve(aa, bb, {method: 'cg'})))([b, indefinite]), 'breakdown'],
    ];
    for (const [name, fn, code] of cases) {
      outcome(fn);  // first call: lazily built layouts
      expect([name, outcome(fn)]).toEqual([name, code]);
      expect([name, leaked(fn)]).toEqual([name, 0]);
    }
    // A later gradient still works and strands nothing.
    expect(leaked(() => tf.grad((bb: tf.Tensor) => tf.sum(ls.solve(A, bb)))(b))).toBe(0);
    tf.dispose([A, b, Z, indefinite]);
  });

  it('solve failures outside tf.grad leave nothing either', () => {
    const A = tf.zeros([3, 3]);
    const b = tf.ones([3]);
    for (const method of ['lu', 'cholesky', 'cg', 'gmres', 'bicgstab', 'jacobi'] as const) {
      expect(leaked(() => ls.solve(A, b, {method}))).toBe(0);
    }
    tf.dispose([A, b]);
  });
});

(BACKENDS.includes('tensorflow') ? describe : describe.skip)('trust: out of memory is not singularity [tensorflow]', () => {
  beforeAll(async () => { await tf.setBackend('tensorflow'); });
  it("an exception from TensorFlow's Lu other than 'not invertible' is not reported as 'singular'", () => {
    const spy = jest.spyOn(NativeOps.prototype, 'lu').mockImplementation(() => {
      throw new Error('OOM when allocating tensor with shape[4,4]');
    });
    try {
      const A = tf.eye(4);
      const b = tf.ones([4]);
      expect(outcome(() => ls.solve(A, b, {method: 'lu'}))).toMatch(/OOM/);
      tf.dispose([A, b]);
    } finally {
      spy.mockRestore();
    }
  });
});
