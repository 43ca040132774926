import * as tf from '@tensorflow/tfjs-core';
import {FusedKrylov} from './FusedKrylov';

/**
 * A COO sparsity pattern as kernels see it: the entries, and a cache for index tensors a
 * kernel derives from them (built once per backend and key, freed with the pattern). The
 * operator layer implements it (`SparsePattern`); kernels never import operators.
 */
export interface CooPattern {
  readonly n: number;
  readonly nnz: number;
  readonly rows: Int32Array;
  readonly cols: Int32Array;
  /** `[nnz]` int32 row and column of each entry, on the active backend. */
  readonly rowTensor: tf.Tensor;
  readonly colTensor: tf.Tensor;
  /** `build()` once per active backend and `key`; its tensors live as long as the pattern. */
  memo<T>(key: string, build: () => {value: T; tensors: tf.Tensor[]}): T;
}

/** P A = L U for a batch `[B, n, n]`. */
export interface LUFactors {
  /** L below its diagonal; ones on the diagonal where a kernel reads it (see triangularSolve). */
  lower: tf.Tensor;
  /** U on and above the diagonal (may be the same packed matrix as `lower`). */
  upper: tf.Tensor;
  /** `[B, n]` int32: row i of P·A is row `perm[i]` of A. */
  perm: tf.Tensor;
  /** `[B, n]` the pivots uₖₖ. */
  pivots: tf.Tensor;
}

/** How a triangular system M X = R is posed: M is `t` (or `tᵀ`), `lower` describes M. */
export interface Triangle {
  lower: boolean;
  transposeT?: boolean;
  unitDiagonal?: boolean;
}

/**
 * The backend seam: the operations whose best formulation differs per backend. Each backend
 * registers the ones it does better (`registerKernels`); the rest come from the tf-ops
 * implementation, which runs anywhere.
 *
 * These are raw forward computations with no gradient of their own: callers reach them
 * through `src/kernels/index.ts`, whose wrappers are custom ops with gradients written in
 * differentiable ops (so every order of derivative works on every backend), or off the tape.
 */
export interface Kernels {
  /** Default `checkEvery`: how often iterative solvers read convergence back. */
  checkEvery: number;
  /** LU with partial pivoting of `[B, n, n]`. */
  luFactor(a: tf.Tensor): LUFactors;
  /** `[B, n, n]` → lower L with A = L Lᵀ; NaN on the diagonal from the first non-positive pivot. */
  choleskyFactor(a: tf.Tensor): tf.Tensor;
  /** X = M⁻¹R for `t` `[B, n, n]` (only M's triangle is read), `rhs` `[B, n, k]`. */
  triangularSolve(t: tf.Tensor, rhs: tf.Tensor, triangle: Triangle): tf.Tensor;
  /** `[B, n]` local row permutations → the inverse of their `[B·n]` flattening (with batch offsets). */
  inverseFlatPermutation(perm: tf.Tensor): tf.Tensor;
  /** Rows of `t` `[m, k]` at int32 `index` `[r]` → `[r, k]`. */
  gatherRows(t: tf.Tensor, index: tf.Tensor): tf.Tensor;
  /** Y = A·X (Aᵀ·X when `transposed`) for sparse A = (pattern, values), X `[n, k]`. */
  sparseProduct(pattern: CooPattern, values: tf.Tensor, x: tf.Tensor, transposed: boolean): tf.Tensor;
  /** a / b, 0 where b = 0 (off the tape). */
  divNoNan(a: tf.Tensor, b: tf.Tensor): tf.Tensor;
  /** Fused Krylov iterations, where a backend has them (webgl's custom programs); absent → tf ops. */
  fusedKrylov?: FusedKrylov;
  /** Column-wise 2-norms of `[..., n, k]` → `[..., 1, k]` (off the tape). */
  columnNorm(a: tf.Tensor): tf.Tensor;
  /** max|aᵢⱼ| as a scalar (off the tape). */
  maxAbs(a: tf.Tensor): tf.Tensor;
  /** 2^⌊log₂ max|bⱼ|⌋ per column `[..., 1, k]`, 1 for a zero or non-finite column (off the tape). */
  columnScale(b: tf.Tensor): tf.Tensor;
  /** The values of several tensors, read back together (one readback where readbacks are dear). */
  readAll(tensors: tf.Tensor[]): Float32Array[];
}
