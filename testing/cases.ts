import * as tf from '@tensorflow/tfjs';
import * as ls from '../src';
import {Matrix64, condition, matmul, matrix, randomVector, transpose} from './reference';

export type Method = 'lu' | 'cholesky' | 'diagonal' | 'cg' | 'bicgstab' | 'gmres' | 'jacobi';

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
  /** What `'auto'` must pick for this case. */
  auto: Method;
  /** κ when known in closed form (large cases, where the float64 inverse would be slow); else computed. */
  kappa?: number;
  /** Only on these backends (absent: every backend). */
  backends?: string[];
  /** Whether float32 central differences can check it (not when κ is so large that they cannot). */
  finiteDifferences?: boolean;
  /** ∂A along a direction V in parameter space (A is linear in its parameters), as a float64 matrix. */
  direction(V: Float64Array[]): Matrix64;
  /**
   * V made admissible: symmetric where A is tagged symmetric (a tag is a promise the solvers
   * rely on, so a perturbation that breaks it is not a derivative they owe).
   */
  admissible(V: Float64Array[]): Float64Array[];
  /** The differentiable parameters A is built from, as fresh tensors. */
  parameters(): tf.Tensor[];
  /** A (a tensor or an operator) from those parameters, built with differentiable ops. */
  build(parameters: tf.Tensor[]): tf.Tensor | ls.LinearOperator;
  /** Analytic ∂L/∂parameters in float64 from λ (Aᵀλ = ∂L/∂x) and x, both row-major `[n, k]`. */
  gradient(lambda: Float64Array, x: Float64Array, k: number): Float64Array[];
}

const f32 = (v: number) => Math.fround(v);

function denseCase(name: string, A: Matrix64, methods: Method[], tags: ls.OperatorTag[],
    extra: Partial<Case> = {}): Case {
  const {n} = A;
  const spd = tags.includes('positiveDefinite');
  return {
    name, n, A, methods, auto: spd ? 'cholesky' : 'lu', ...extra,
    direction: ([V]) => ({n, data: V}),
    admissible: ([V]) => [tags.includes('symmetric') ? matrix(n, (i, j) => (V[i * n + j] + V[j * n + i]) / 2).data : V],
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

function sparseCase(name: string, A: Matrix64, methods: Method[], tags: ls.OperatorTag[],
    extra: Partial<Case> = {}): Case {
  const {indices, values} = cooOf(A);
  const {n} = A;
  const spd = tags.includes('positiveDefinite');
  return {
    name, n, A, methods, auto: spd ? 'cholesky' : 'lu', ...extra,
    direction: ([V]) => {
      const data = new Float64Array(n * n);
      indices.forEach(([i, j], e) => { data[i * n + j] += V[e]; });
      return {n, data};
    },
    admissible: ([V]) => {
      if (!tags.includes('symmetric')) return [V];
      const at = new Map(indices.map(([i, j], e) => [i * n + j, e]));
      return [Float64Array.from(indices, ([i, j], e) => (V[e] + V[at.get(j * n + i) as number]) / 2)];
    },
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
    name, n, A, methods, auto: tags.includes('positiveDefinite') ? 'cholesky' : 'lu',
    direction: ([V]) => ({n, data: N.data.map(v => v * V[0])}),
    admissible: V => V,
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

/** diag(d): ∂L/∂dᵢ = −Σₖ λᵢₖ xᵢₖ. */
function diagonalCase(name: string, d: Float64Array): Case {
  const n = d.length;
  const A = matrix(n, (i, j) => (i === j ? f32(d[i]) : 0));
  return {
    name, n, A, methods: ['diagonal', 'lu'], auto: 'diagonal',
    direction: ([V]) => matrix(n, (i, j) => (i === j ? V[i] : 0)),
    admissible: V => V,
    parameters: () => [tf.tensor1d(Float32Array.from(d))],
    build: ([v]) => ls.diagonal(v),
    gradient: (lambda, x, k) => [Float64Array.from({length: n}, (_, i) => {
      let s = 0;
      for (let c = 0; c < k; c++) s += lambda[i * k + c] * x[i * k + c];
      return -s;
    })],
  };
}

/** A reflection I − 2uuᵀ/uᵀu from a seeded u: an orthogonal matrix with no small leading entries. */
function householder(n: number, seed: number): Matrix64 {
  const u = randomVector(n, seed);
  const uu = u.reduce((s, v) => s + v * v, 0);
  return matrix(n, (i, j) => (i === j ? 1 : 0) - 2 * u[i] * u[j] / uu);
}

/** Q₁ diag(σ) Q₂ with σ spaced geometrically from 1 to 1/κ: condition ≈ κ by construction. */
export function illConditioned(n: number, seed: number, kappa: number): Matrix64 {
  const [q1, q2] = [householder(n, seed), householder(n, seed + 1)];
  const sigma = Float64Array.from({length: n}, (_, i) => kappa ** (-i / (n - 1)));
  return matrix(n, (i, j) => {
    let s = 0;
    for (let c = 0; c < n; c++) s += q1.data[i * n + c] * sigma[c] * q2.data[c * n + j];
    return f32(s);
  });
}

/**
 * A general matrix whose first pivot is small: LU without row interchanges divides by it and
 * its multipliers and U grow by 1/pivot. With 1e-6 the solver's own pivot check reports
 * 'singular'; with 1e-3 that check passes and the growth (~1e3) shows as an error ~1e3·ε·κ in
 * x and in the gradients, beyond the property bounds (~3nε·κ). Only partial pivoting gets
 * either right.
 */
export function needsPivoting(n: number, seed: number, shift: number, pivot: number): Matrix64 {
  const A = nonsymmetric(n, seed, shift);
  A.data[0] = f32(pivot);
  return A;
}

/** κ₂ of the 5-point Laplacian on an m×m grid (4 on the diagonal, −1 off it), in closed form. */
function poissonKappa(m: number): number {
  const c = Math.cos(Math.PI / (m + 1));
  return (1 + c) / (1 - c);
}

/**
 * The method lists, from the solver registry: every solver for general operators, less Jacobi
 * (it converges only for diagonally dominant A, which the cases that list it have); the SPD
 * ones only where A is SPD.
 */
const GENERIC = ls.solverEntries().filter(e => e.capabilities.operatorKinds == null && e.name !== 'jacobi');
const ALL = GENERIC.map(e => e.name as Method);
const GENERAL = GENERIC.filter(e => !e.capabilities.needsSPD).map(e => e.name as Method);

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
  // Adversarial cases: they fail if pivoting is removed (from any backend's LU) or a sign flips.
  denseCase('dense needs pivoting (leading pivot 1e-6) n=24', needsPivoting(24, 6, 6, 1e-6), GENERAL, []),
  sparseCase('sparse needs pivoting (leading pivot 1e-3) 6×6', (() => {
    const A = convectionDiffusion(6, 0.8);
    A.data[0] = f32(1e-3);
    return A;
  })(), ['lu', 'gmres'], []),
  denseCase('dense ill-conditioned κ≈3e3 n=24', illConditioned(24, 9, 3e3), ['lu'], [], {finiteDifferences: false}),
  denseCase('dense SPD ill-conditioned κ≈1e4 n=24', (() => {
    const B = illConditioned(24, 11, 1e2);
    return matrix(24, (i, j) => {
      let s = 0;
      for (let c = 0; c < 24; c++) s += B.data[i * 24 + c] * B.data[j * 24 + c];
      return f32(s);
    });
  })(), ['cholesky', 'lu'], ['symmetric', 'positiveDefinite'], {finiteDifferences: false}),
  // The tf-ops elimination (wasm, webgl) at a size where a missing pivot search shows.
  // (No finite differences: a step of 1e-2 per entry moves a 200×200 A by more than σ_min.)
  // Not on webgl, where SwiftShader runs ~50 kernels a column slowly: wasm runs the same
  // tf-ops elimination, and webgl runs it on the n=24 cases.
  denseCase('dense needs pivoting (leading pivot 1e-6) n=200', needsPivoting(200, 12, 3, 1e-6), ['lu'], [],
    {finiteDifferences: false, backends: ['cpu', 'wasm', 'tensorflow']}),
  diagonalCase('diagonal n=12', Float64Array.from(randomVector(12, 13), v => v + (v >= 0 ? 0.5 : -0.5))),
  // 'auto' on a large sparse SPD operator: not densified, CG (only the auto check runs it).
  sparseCase('sparse Poisson 32×32 n=1024 (auto: CG)', convectionDiffusion(32, 0), [], ['symmetric', 'positiveDefinite'],
    {auto: 'cg', kappa: poissonKappa(32)}),
];

/** The cases that run on `backend` (all of them when it is not given). */
export function casesFor(backend?: string): Case[] {
  return CASES.filter(c => backend == null || c.backends == null || c.backends.includes(backend));
}

/** κ of a case: given, or the float64 κ₁ (computed once). */
const kappas = new WeakMap<Case, number>();
export function kappaOf(c: Case): number {
  if (c.kappa != null) return c.kappa;
  let k = kappas.get(c);
  if (k == null) {
    k = condition(c.A);
    kappas.set(c, k);
  }
  return k;
}
