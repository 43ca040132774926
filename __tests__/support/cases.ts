import * as tf from '@tensorflow/tfjs';
import * as ls from '../../src';
import {Matrix64, matmul, matrix, randomVector, transpose} from './reference';

export type Method = 'lu' | 'cholesky' | 'cg' | 'bicgstab' | 'gmres' | 'jacobi';

/**
 * One linear system of the property table: its float32 matrix as a float64 reference, how to
 * build it as an operator from differentiable parameters, and the analytic gradient of those
 * parameters given λ and x (∂L/∂θ = −λᵀ(∂A/∂θ)x).
 */
export interface Case {
  name: string;
  n: number;
  /** The matrix exactly as the solver sees it (entries rounded to float32). */
  A: Matrix64;
  methods: Method[];
  /** The differentiable parameters A is built from, as fresh tensors. */
  parameters(): tf.Tensor[];
  /** A (a tensor or an operator) from those parameters, built with differentiable ops. */
  build(parameters: tf.Tensor[]): tf.Tensor | ls.LinearOperator;
  /** Analytic ∂L/∂parameters in float64 from λ (Aᵀλ = ∂L/∂x) and x, both row-major `[n, k]`. */
  gradient(lambda: Float64Array, x: Float64Array, k: number): Float64Array[];
}

const f32 = (v: number) => Math.fround(v);

function denseCase(name: string, A: Matrix64, methods: Method[], tags: ls.OperatorTag[]): Case {
  const {n} = A;
  return {
    name, n, A, methods,
    parameters: () => [tf.tensor2d(Float32Array.from(A.data), [n, n])],
    build: ([m]) => ls.dense(m, {tags}),
    gradient: (lambda, x, k) => [negOuter(lambda, x, n, k)],
  };
}

/** COO triplets from a float64 matrix's nonzeros, in row order. */
export function cooOf(A: Matrix64): {indices: number[][]; values: number[]} {
  const indices: number[][] = [];
  const values: number[] = [];
  for (let i = 0; i < A.n; i++) {
    for (let j = 0; j < A.n; j++) {
      const v = A.data[i * A.n + j];
      if (v !== 0) { indices.push([i, j]); values.push(v); }
    }
  }
  return {indices, values};
}

function sparseCase(name: string, A: Matrix64, methods: Method[], tags: ls.OperatorTag[]): Case {
  const {indices, values} = cooOf(A);
  const {n} = A;
  return {
    name, n, A, methods,
    parameters: () => [tf.tensor1d(values)],
    build: ([v]) => ls.sparse({indices, values: v, shape: [n, n], tags}),
    // Only on the pattern: ∂values[e] = −Σₖ λ[row e, k]·x[col e, k].
    gradient: (lambda, x, k) => [Float64Array.from(indices, ([i, j]) => {
      let s = 0;
      for (let c = 0; c < k; c++) s += lambda[i * k + c] * x[j * k + c];
      return -s;
    })],
  };
}

/**
 * A = A₀ + s·N applied by a closure that reads the scalar parameter s:
 * ∂L/∂s = −λᵀ N x. With `withTranspose`, rmatvec is given; otherwise A must be symmetric.
 */
function matrixFreeCase(name: string, A0: Matrix64, N: Matrix64, s: number, methods: Method[],
    tags: ls.OperatorTag[], withTranspose: boolean): Case {
  const {n} = A0;
  const A = matrix(n, (i, j) => f32(A0.data[i * n + j] + f32(s) * N.data[i * n + j]));
  let constants: tf.Tensor[] | undefined;
  return {
    name, n, A, methods,
    parameters: () => [tf.scalar(s)],
    build: ([scale]) => {
      // Tensors a matvec reads must outlive tfjs's forward tidy: made once, outside any gradient.
      constants ??= [A0, N].map(m => tf.keep(tf.tensor2d(Float32Array.from(m.data), [n, n])));
      const [a0, nn] = constants;
      const apply = (x: tf.Tensor, t: boolean) => tf.tidy(() => {
        const column = x.rank === 1 ? tf.expandDims(x, 1) : x;
        const y = tf.add(tf.matMul(a0, column, t), tf.mul(scale, tf.matMul(nn, column, t)));
        return x.rank === 1 ? tf.squeeze(y, [1]) : y;
      });
      return ls.matrixFree({
        shape: [n, n], tags,
        matvec: x => apply(x, false),
        rmatvec: withTranspose ? x => apply(x, true) : undefined,
      });
    },
    gradient: (lambda, x, k) => {
      const nx = matmul(N, x, k);
      let g = 0;
      for (let i = 0; i < n * k; i++) g -= lambda[i] * nx[i];
      return [Float64Array.of(g)];
    },
  };
}

function negOuter(lambda: Float64Array, x: Float64Array, n: number, k: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    let s = 0;
    for (let c = 0; c < k; c++) s += lambda[i * k + c] * x[j * k + c];
    out[i * n + j] = -s;
  }
  return out;
}

/** Random nonsymmetric A = R + shift·I, entries of R uniform in [−1, 1). */
export function nonsymmetric(n: number, seed: number, shift: number): Matrix64 {
  const r = randomVector(n * n, seed);
  return matrix(n, (i, j) => f32(r[i * n + j] + (i === j ? shift : 0)));
}

/** Symmetric positive definite A = R Rᵀ / n + shift·I. */
export function spd(n: number, seed: number, shift: number): Matrix64 {
  const r = {n, data: randomVector(n * n, seed)};
  const rt = transpose(r);
  const product = matrix(n, (i, j) => {
    let s = 0;
    for (let c = 0; c < n; c++) s += r.data[i * n + c] * rt.data[c * n + j];
    return s / n;
  });
  return matrix(n, (i, j) => f32(product.data[i * n + j] + (i === j ? shift : 0)));
}

/** The 5-point 2-D Laplacian on an m×m grid plus first-order upwind convection of strength c. */
export function convectionDiffusion(m: number, c: number): Matrix64 {
  const n = m * m;
  return matrix(n, (p, q) => {
    const [i, j] = [Math.floor(p / m), p % m];
    const [k, l] = [Math.floor(q / m), q % m];
    if (p === q) return f32(4 + c);
    if (i === k && l === j - 1) return f32(-1 - c);
    if (i === k && l === j + 1) return -1;
    if (j === l && Math.abs(i - k) === 1) return -1;
    return 0;
  });
}

const ALL: Method[] = ['lu', 'cholesky', 'cg', 'bicgstab', 'gmres'];
const GENERAL: Method[] = ['lu', 'bicgstab', 'gmres'];

/** The property table: every test runs over these cases, on every backend. */
export const CASES: Case[] = [
  denseCase('dense nonsymmetric n=24', nonsymmetric(24, 1, 6), GENERAL, []),
  denseCase('dense SPD n=24', spd(24, 2, 0.5), ALL, ['symmetric', 'positiveDefinite']),
  sparseCase('sparse Poisson 6×6 (SPD)', convectionDiffusion(6, 0), [...ALL, 'jacobi'], ['symmetric', 'positiveDefinite']),
  sparseCase('sparse convection-diffusion 6×6', convectionDiffusion(6, 0.8), [...GENERAL, 'jacobi'], []),
  matrixFreeCase('matrix-free SPD A₀ + s·I n=16', spd(16, 3, 0.2),
    matrix(16, (i, j) => (i === j ? 1 : 0)), 0.7, ['lu', 'cg', 'gmres'], ['symmetric', 'positiveDefinite'], false),
  matrixFreeCase('matrix-free nonsymmetric A₀ + s·N n=16 (rmatvec)', nonsymmetric(16, 4, 5),
    nonsymmetric(16, 5, 0), 0.3, GENERAL, [], true),
];
