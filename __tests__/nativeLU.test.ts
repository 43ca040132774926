import * as tf from '@tensorflow/tfjs';
import * as ls from '../src';
import {nativeLURuns, useNativeLU} from '../src/kernels/node/nativeLU';
import {nodeKernels} from '../src/kernels/node';
import {columnScale as tfOpsColumnScale} from '../src/kernels/tfops/checkKernels';
import {describeEachBackend} from './support/backends';
import {illConditioned, needsPivoting, nonsymmetric} from '../testing/cases';
import {Matrix64, condition, randomVector, relativeError, solve64, transpose} from '../testing/reference';

interface Outcome {x: number[]; status: string; relativeResidual: number; grads?: number[][]}

/** One LU solve (and, with `w`, the gradients of Σ w·x w.r.t. A and b), natively or on the tf-ops path. */
function solveLU(native: boolean, A: tf.Tensor, b: tf.Tensor, w?: tf.Tensor): Outcome {
  const previous = useNativeLU(native);
  try {
    const r = ls.linearSolve(A, b, {method: 'lu', onFailure: 'ignore'});
    const out: Outcome = {x: Array.from(r.x.dataSync()), status: r.status, relativeResidual: r.relativeResidual};
    r.x.dispose();
    if (w != null) {
      const g = tf.grads((a: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.mul(ls.solve(a, bb, {method: 'lu'}), w)))([A, b]);
      out.grads = g.map(t => Array.from(t.dataSync()));
      tf.dispose(g);
    }
    return out;
  } finally {
    useNativeLU(previous);
  }
}

const tensorOf = (a: Matrix64) => tf.tensor2d(Array.from(a.data), [a.n, a.n]);

describeEachBackend('dense LU in TensorFlow kernels by name (tfjs-node)', () => {
  it('solves like float64 and like the tf-ops path, gradients included, without leaking', () => {
    const n = 40;
    const k = 3;
    const a = needsPivoting(n, 5, 0.5, 1e-3);
    const A = tensorOf(a);
    const bValues = Array.from({length: n * k}, (_, i) => Math.sin(i + 1));
    const b = tf.tensor2d(bValues, [n, k]);
    const w = tf.tensor2d(Array.from({length: n * k}, (_, i) => Math.cos(2 * i)), [n, k]);
    solveLU(true, A, b, w);   // warm-up: what the first call builds
    const before = tf.memory().numTensors;
    const runs = nativeLURuns();
    const native = solveLU(true, A, b, w);
    expect(tf.memory().numTensors).toBe(before);
    // Forward: a factorisation and a solve; the backward: one more solve with the same factors.
    expect(nativeLURuns().factorizations - runs.factorizations).toBe(2);
    expect(nativeLURuns().solves - runs.solves).toBe(3);
    const reference = solveLU(false, A, b, w);
    expect(native.status).toBe('converged');
    expect(native.status).toBe(reference.status);
    expect(Math.abs(native.relativeResidual - reference.relativeResidual)).toBeLessThan(1e-6);
    // x against float64 (the reference takes and gives row-major [n, k], as tfjs does).
    const x64 = solve64(a, Float64Array.from(bValues), k);
    expect(relativeError(native.x, x64)).toBeLessThan(1e-4);
    native.x.forEach((v, i) => expect(v).toBeCloseTo(reference.x[i], 5));
    // ∂/∂b = λ = A⁻ᵀw, ∂/∂A = −λxᵀ summed over the columns, against float64.
    const lambda = solve64(transpose(a), Float64Array.from(w.dataSync()), k);
    expect(relativeError(native.grads![1], lambda)).toBeLessThan(1e-4);
    const dA = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
      for (let c = 0; c < k; c++) dA[i * n + j] -= lambda[i * k + c] * x64[j * k + c];
    }
    expect(relativeError(native.grads![0], dA)).toBeLessThan(1e-4);
    native.grads!.forEach((g, m) => g.forEach((v, i) => expect(Math.abs(v - reference.grads![m][i]))
      .toBeLessThan(1e-5 * Math.max(1, Math.abs(reference.grads![m][i])))));
    tf.dispose([A, b, w]);
  });

  it('solves a batch as one factorisation, each member like float64', () => {
    const n = 6;
    const members = [nonsymmetric(n, 1, 3), nonsymmetric(n, 2, 3), needsPivoting(n, 3, 0.5, 1e-2)];
    const A = tf.tensor3d(members.flatMap(m => Array.from(m.data)), [members.length, n, n]);
    const rhs = members.map((_, m) => randomVector(n, 40 + m));
    const b = tf.tensor3d(rhs.flatMap(v => Array.from(v)), [members.length, n, 1]);
    const runs = nativeLURuns();
    const native = solveLU(true, A, b);
    expect(nativeLURuns().factorizations - runs.factorizations).toBe(1);
    const reference = solveLU(false, A, b);
    expect(native.status).toBe(reference.status);
    members.forEach((m, i) => {
      const x = native.x.slice(i * n, (i + 1) * n);
      // A backward-stable float32 solve: forward error ≲ n·ε·κ (Higham, Thm 7.2), with room 10×.
      expect(relativeError(x, solve64(m, rhs[i]))).toBeLessThan(10 * n * 1.2e-7 * condition(m));
      native.x.slice(i * n, (i + 1) * n).forEach((v, j) => expect(v).toBeCloseTo(reference.x[i * n + j], 5));
    });
    tf.dispose([A, b]);
  });

  it('reports singular and ill-conditioned systems as the tf-ops path does, with the same error codes', () => {
    const b = tf.ones([4, 1]);
    const cases = [
      tf.tensor2d([[1, 2, 3, 4], [2, 4, 6, 8], [0, 1, 0, 1], [1, 0, 1, 0]]),   // rank 3: TensorFlow refuses it
      tensorOf(illConditioned(4, 3, 1e12)),                                    // backward error or pivot check
      tf.tensor2d([[1, 0, 0, 0], [0, 1e-30, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]]),
    ];
    for (const A of cases) {
      const native = solveLU(true, A, b);
      const reference = solveLU(false, A, b);
      expect(native.status).toBe(reference.status);
      expect(native.status).not.toBe('converged');
      const codeOf = (on: boolean) => {
        const previous = useNativeLU(on);
        try {
          ls.solve(A, b, {method: 'lu'}).dispose();
          return 'none';
        } catch (error) {
          return (error as ls.LinearSolveError).code;
        } finally {
          useNativeLU(previous);
        }
      };
      const before = tf.memory().numTensors;
      const code = codeOf(true);
      expect(tf.memory().numTensors).toBe(before);
      expect(code).not.toBe('none');
      expect(code).toBe(codeOf(false));
    }
    const nan = tf.tensor2d([[1, NaN], [0, 1]]);
    const b2 = tf.ones([2, 1]);
    expect(solveLU(true, nan, b2).status).toBe(solveLU(false, nan, b2).status);
    tf.dispose([b, b2, nan, ...cases]);
  });

  it('computes the column scale to the bit of the tf-ops form, extreme columns included', () => {
    const b = tf.tensor2d([
      [1e-40, 0, 3, NaN, 1e30, -5, 2, Infinity],
      [-2e-41, 0, -0.7, 1, -3e35, 4, 1, 1],
    ], [2, 8]);
    const native = nodeKernels.columnScale!(b);
    const reference = tfOpsColumnScale(b);
    expect(native.shape).toEqual(reference.shape);
    expect(Array.from(native.dataSync())).toEqual(Array.from(reference.dataSync()));
    const batched = tf.reshape(tf.concat([b, tf.mul(b, 3)], 0), [2, 2, 8]);
    const nb = nodeKernels.columnScale!(batched);
    const rb = tfOpsColumnScale(batched);
    expect(nb.shape).toEqual([2, 1, 8]);
    expect(Array.from(nb.dataSync())).toEqual(Array.from(rb.dataSync()));
    tf.dispose([b, native, reference, batched, nb, rb]);
  });
}, {backends: ['tensorflow']});
