/**
 * The bench's problems, generated once in JavaScript from seeds and shared byte for byte with
 * the Python peers (written as raw little-endian files that NumPy reads with `fromfile`):
 *
 * - dense n×n: A = 2I + R/√n (R uniform in [−1, 1], seeded), eigenvalues in a disc of radius
 *   ≈ 0.58 around 2, so LU needs no luck; S = (A + Aᵀ)/2, symmetric with eigenvalues in about
 *   [1.2, 2.8], for Cholesky; b and the loss weights w uniform in [−1, 1].
 * - sparse: the 5-point 2-D Poisson matrix on an m×m grid (`ls.poisson2d`, no h² scaling) in
 *   CSR, b = ones.
 */
import * as fs from 'fs';
import * as path from 'path';
import {poisson2d} from '../../src';
import {rng} from '../../testing/reference';

export {rng};

export function uniform(count: number, seed: number, lo = -1, hi = 1): Float32Array {
  const r = rng(seed);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = lo + (hi - lo) * r();
  return out;
}

export interface DenseProblem {
  n: number;
  /** Row-major n×n, general (for LU). */
  A: Float32Array;
  /** Row-major n×n, symmetric positive definite (for Cholesky). */
  S: Float32Array;
  b: Float32Array;
  /** Weights of the loss Σ wᵢxᵢ whose gradient the forward + backward cases compute. */
  w: Float32Array;
}

export function denseProblem(n: number): DenseProblem {
  const A = uniform(n * n, 1000 + n);
  const scale = 1 / Math.sqrt(n);
  for (let i = 0; i < n * n; i++) A[i] *= scale;
  for (let i = 0; i < n; i++) A[i * n + i] += 2;
  const S = new Float32Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) S[i * n + j] = (A[i * n + j] + A[j * n + i]) / 2;
  }
  return {n, A, S, b: uniform(n, 2000 + n), w: uniform(n, 3000 + n)};
}

/** Compressed sparse rows; column indices ascending within a row. */
export interface CsrMatrix {
  n: number;
  indptr: Int32Array;
  indices: Int32Array;
  data: Float32Array;
}

export interface PoissonProblem {
  m: number;
  n: number;
  csr: CsrMatrix;
  /** The COO form `ls.sparse` takes ([nnz·2] row, column pairs). */
  coo: {indices: Int32Array; values: Float32Array; shape: [number, number]};
  b: Float32Array;
  /** Weights of the loss Σ wᵢxᵢ (the backward solve's right-hand side). */
  w: Float32Array;
}

export function poissonProblem(m: number): PoissonProblem {
  const coo = poisson2d(m);
  const n = coo.shape[0];
  const nnz = coo.values.length;
  const indptr = new Int32Array(n + 1);
  const indices = new Int32Array(nnz);
  for (let e = 0; e < nnz; e++) {
    indptr[coo.indices[2 * e] + 1]++;
    indices[e] = coo.indices[2 * e + 1];
  }
  for (let i = 0; i < n; i++) indptr[i + 1] += indptr[i];
  // poisson2d lists entries row by row, columns ascending: the values are already in CSR order.
  const csr = {n, indptr, indices, data: Float32Array.from(coo.values)};
  return {m, n, csr, coo, b: new Float32Array(n).fill(1), w: uniform(n, 4000 + m, 0, 1)};
}

/** ‖b − A·x‖ / ‖b‖ in float64 (what a solver actually achieved, whatever it reports). */
export function trueRelativeResidual(A: CsrMatrix, x: ArrayLike<number>, b: ArrayLike<number>): number {
  let rr = 0;
  let bb = 0;
  for (let i = 0; i < A.n; i++) {
    let s = 0;
    for (let e = A.indptr[i]; e < A.indptr[i + 1]; e++) s += A.data[e] * x[A.indices[e]];
    rr += (b[i] - s) ** 2;
    bb += b[i] ** 2;
  }
  return Math.sqrt(rr / bb);
}

/**
 * ‖b − A·fl32(x*)‖/‖b‖: the exact solution (float64 CG to 1e-12) rounded to float32. No float32
 * solver can promise a smaller true relative residual.
 */
export function float32Floor(A: CsrMatrix, b: Float32Array): number {
  const n = A.n;
  const apply = (v: Float64Array, out: Float64Array) => {
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let e = A.indptr[i]; e < A.indptr[i + 1]; e++) s += A.data[e] * v[A.indices[e]];
      out[i] = s;
    }
  };
  const x = new Float64Array(n);
  const r = Float64Array.from(b);
  const p = Float64Array.from(r);
  const ap = new Float64Array(n);
  const bb = r.reduce((s, v) => s + v * v, 0);
  let rr = bb;
  for (let it = 0; it < 10 * n && rr > 1e-24 * bb; it++) {
    apply(p, ap);
    let pap = 0;
    for (let i = 0; i < n; i++) pap += p[i] * ap[i];
    const alpha = rr / pap;
    let next = 0;
    for (let i = 0; i < n; i++) { x[i] += alpha * p[i]; r[i] -= alpha * ap[i]; next += r[i] * r[i]; }
    const beta = next / rr;
    for (let i = 0; i < n; i++) p[i] = r[i] + beta * p[i];
    rr = next;
  }
  return trueRelativeResidual(A, Float32Array.from(x), b);
}

/** Where the Python peers find each problem's arrays (paths of raw little-endian files). */
export interface ProblemFiles {
  dense: {n: number; A: string; S: string; b: string; w: string}[];
  poisson: {m: number; n: number; indptr: string; indices: string; data: string; b: string}[];
}

function write(dir: string, name: string, data: Float32Array | Int32Array): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  return file;
}

/** Writes every problem's arrays into `dir` (float32 as `.f32`, int32 as `.i32`). */
export function writeProblemFiles(dir: string, dense: DenseProblem[], poisson: PoissonProblem[]): ProblemFiles {
  fs.mkdirSync(dir, {recursive: true});
  return {
    dense: dense.map(d => ({n: d.n, A: write(dir, `dense${d.n}-A.f32`, d.A), S: write(dir, `dense${d.n}-S.f32`, d.S),
      b: write(dir, `dense${d.n}-b.f32`, d.b), w: write(dir, `dense${d.n}-w.f32`, d.w)})),
    poisson: poisson.map(p => ({m: p.m, n: p.n, indptr: write(dir, `poisson${p.m}-indptr.i32`, p.csr.indptr),
      indices: write(dir, `poisson${p.m}-indices.i32`, p.csr.indices), data: write(dir, `poisson${p.m}-data.f32`, p.csr.data),
      b: write(dir, `poisson${p.m}-b.f32`, p.b)})),
  };
}
