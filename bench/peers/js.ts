/**
 * The peers that run in this Node process:
 *
 * - `ml-matrix` (pure JavaScript, float64): LuDecomposition and CholeskyDecomposition, what a JS
 *   user reaches for without tfjs;
 * - a plain conjugate gradient on CSR typed arrays, once with Float32Array storage and once with
 *   Float64Array: the floor a JS user could write by hand. It stops like SciPy's cg, on the
 *   recursive residual ‖r‖ < rtol·‖b‖ checked before each iteration, or runs a fixed count;
 * - TensorFlow's own `MatrixSolve` kernel through tfjs-node (what our LU competes with there).
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import {CsrMatrix} from '../lib/problems';
import {Mode} from './python';

// ---------------------------------------------------------------------------------------------
// ml-matrix

type MlMatrix = typeof import('ml-matrix');

export function loadMlMatrix(): {ml: MlMatrix | null; version?: string; reason?: string} {
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const ml = require('ml-matrix') as MlMatrix;
    // Its package.json is not in its "exports": find it beside the resolved entry point.
    let dir = path.dirname(require.resolve('ml-matrix'));
    while (!fs.existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
    const version = (JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as {version?: string}).version;
    return {ml, version};
  } catch (error) {
    return {ml: null, reason: `require('ml-matrix') failed: ${String((error as Error).message).split('\n')[0]} ` +
      '(it is a devDependency: npm install)'};
  }
}

function toMatrix(ml: MlMatrix, a: Float32Array, n: number): InstanceType<MlMatrix['Matrix']> {
  const rows: number[][] = [];
  for (let i = 0; i < n; i++) rows.push(Array.from(a.subarray(i * n, (i + 1) * n)));
  return new ml.Matrix(rows);
}

/** One run = factorise (ml-matrix copies the matrix first) and solve for one right-hand side. */
export function mlMatrixSolver(ml: MlMatrix, method: 'lu' | 'cholesky', a: Float32Array, b: Float32Array,
    n: number): () => {x: Float64Array} {
  const M = toMatrix(ml, a, n);
  const rhs = ml.Matrix.columnVector(Array.from(b));
  return method === 'lu' ?
    () => ({x: Float64Array.from(new ml.LuDecomposition(M).solve(rhs).getColumn(0))}) :
    () => ({x: Float64Array.from(new ml.CholeskyDecomposition(M).solve(rhs).getColumn(0))});
}

// ---------------------------------------------------------------------------------------------
// Plain CSR CG. Two copies on purpose: one function fed both array types would run slower than
// either (polymorphic property access), and a user writes the one they need.

export interface JsCgResult {x: Float32Array | Float64Array; iterations: number; stop: string}

function limits(mode: Mode, n: number): {threshold2: (bb: number) => number; maxIterations: number} {
  return mode.kind === 'fixed' ?
    {threshold2: () => -1, maxIterations: mode.iterations} :
    {threshold2: bb => mode.rtol * mode.rtol * bb, maxIterations: 10 * n};
}

/** CG with every vector and the matrix values in Float32Array (sums accumulate in doubles). */
export function csrCg32(A: CsrMatrix, b: Float32Array, mode: Mode): JsCgResult {
  const n = A.n;
  const {indptr, indices} = A;
  const data = A.data;
  const x = new Float32Array(n);
  const r = Float32Array.from(b);
  const p = Float32Array.from(b);
  const q = new Float32Array(n);
  let rr = 0;
  for (let i = 0; i < n; i++) rr += r[i] * r[i];
  const {threshold2, maxIterations} = limits(mode, n);
  const stop2 = threshold2(rr);
  let it = 0;
  for (; it < maxIterations; it++) {
    if (rr < stop2) break;
    let pq = 0;
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let e = indptr[i]; e < indptr[i + 1]; e++) s += data[e] * p[indices[e]];
      q[i] = s;
      pq += p[i] * s;
    }
    const alpha = rr / pq;
    let next = 0;
    for (let i = 0; i < n; i++) {
      x[i] += alpha * p[i];
      r[i] -= alpha * q[i];
      next += r[i] * r[i];
    }
    const beta = next / rr;
    for (let i = 0; i < n; i++) p[i] = r[i] + beta * p[i];
    rr = next;
  }
  return {x, iterations: it, stop: mode.kind === 'fixed' ? 'fixed iterations' :
    rr < stop2 ? 'converged (recursive residual)' : 'maxIterations'};
}

/**
 * The same CG with Float64Array vectors and values. A copy, not a generic over the array
 * type: each stays monomorphic for the JIT, which is the point of a hand-written floor.
 */
export function csrCg64(A: CsrMatrix, b: Float32Array, mode: Mode, data: Float64Array): JsCgResult {
  const n = A.n;
  const {indptr, indices} = A;
  const x = new Float64Array(n);
  const r = Float64Array.from(b);
  const p = Float64Array.from(b);
  const q = new Float64Array(n);
  let rr = 0;
  for (let i = 0; i < n; i++) rr += r[i] * r[i];
  const {threshold2, maxIterations} = limits(mode, n);
  const stop2 = threshold2(rr);
  let it = 0;
  for (; it < maxIterations; it++) {
    if (rr < stop2) break;
    let pq = 0;
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let e = indptr[i]; e < indptr[i + 1]; e++) s += data[e] * p[indices[e]];
      q[i] = s;
      pq += p[i] * s;
    }
    const alpha = rr / pq;
    let next = 0;
    for (let i = 0; i < n; i++) {
      x[i] += alpha * p[i];
      r[i] -= alpha * q[i];
      next += r[i] * r[i];
    }
    const beta = next / rr;
    for (let i = 0; i < n; i++) p[i] = r[i] + beta * p[i];
    rr = next;
  }
  return {x, iterations: it, stop: mode.kind === 'fixed' ? 'fixed iterations' :
    rr < stop2 ? 'converged (recursive residual)' : 'maxIterations'};
}

// ---------------------------------------------------------------------------------------------
// TensorFlow's MatrixSolve through tfjs-node

interface NativeBackend {
  binding: {TF_ATTR_TYPE: number; TF_ATTR_BOOL: number; TF_FLOAT: number};
  executeSingleOutput(name: string, attrs: {name: string; type: number; value: unknown}[], inputs: tf.Tensor[]): tf.Tensor;
}

/**
 * A run of `MatrixSolve` (LU with partial pivoting and the two triangular solves, in C++) on
 * the active tfjs-node backend, with the readback, as tfjs-linsolve's runs have; null when the
 * active backend is not tfjs-node. Call `dispose` when done.
 */
export function nativeMatrixSolve(a: Float32Array, b: Float32Array, n: number):
    {run: () => {x: Float32Array}; dispose: () => void} | null {
  const backend = tf.backend() as unknown as NativeBackend;
  if (tf.getBackend() !== 'tensorflow' || typeof backend.executeSingleOutput !== 'function') return null;
  const A = tf.tensor2d(a, [n, n]);
  const B = tf.tensor2d(b, [n, 1]);
  const attrs = [{name: 'adjoint', type: backend.binding.TF_ATTR_BOOL, value: false},
    {name: 'T', type: backend.binding.TF_ATTR_TYPE, value: backend.binding.TF_FLOAT}];
  return {
    run: () => {
      const x = backend.executeSingleOutput('MatrixSolve', attrs, [A, B]);
      const data = x.dataSync() as Float32Array;
      x.dispose();
      return {x: data};
    },
    dispose: () => tf.dispose([A, B]),
  };
}
