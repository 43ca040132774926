/**
 * The 2-D Poisson matrix: the standard test problem of sparse solvers (Saad, Iterative Methods
 * for Sparse Linear Systems, 2nd ed., §2.2; SciPy's and MATLAB's `gallery('poisson', m)`).
 */
import * as tf from '@tensorflow/tfjs-core';
import {sparse, SparseOperator} from '../operators/sparse/SparseOperator';
import {LinearSolveError} from '../core/LinearSolveError';

/** COO triplets of a sparse matrix: `indices` holds (row, column) pairs, flat. */
export interface CooMatrix {
  /** `[nnz·2]` (row, column) pairs, row-major and sorted by row then column. */
  indices: Int32Array;
  /** `[nnz]` values, in the order of `indices`. */
  values: Float32Array;
  /** `[n, n]`. */
  shape: [number, number];
}

/**
 * The 5-point 2-D Poisson matrix (the negative Laplacian) on an m×m grid, as COO triplets.
 *
 * Unknown (i, j) of the grid, 0 ≤ i, j < m, is row i·m + j of the n×n matrix, n = m². Row
 * i·m + j holds 4 on the diagonal and −1 at each of the up to four neighbours (i±1, j),
 * (i, j±1) that lie inside the grid (homogeneous Dirichlet boundary: outside neighbours are 0):
 *
 *     (A u)ᵢⱼ = 4 uᵢⱼ − uᵢ₋₁,ⱼ − uᵢ₊₁,ⱼ − uᵢ,ⱼ₋₁ − uᵢ,ⱼ₊₁
 *
 * so A = T ⊗ I + I ⊗ T with T = tridiag(−1, 2, −1) of size m. A is symmetric positive definite,
 * with eigenvalues 4 − 2cos(kπ/(m+1)) − 2cos(lπ/(m+1)), k, l = 1…m, and condition number
 * ≈ 4(m+1)²/π² (CG needs O(m) iterations).
 *
 * No h² scaling: this is h²·(−Δₕ) with h = 1/(m+1). To solve −Δu = f on the unit square,
 * pass b = h²·f (or divide A's values by h²).
 *
 * Entries are listed row by row, columns ascending within a row; nnz = 5m² − 4m.
 *
 * ```ts
 * const {indices, values, shape} = ls.poisson2d(3);   // 9×9, nnz = 33
 * // row 4 (the centre of the 3×3 grid): columns 1, 3, 4, 5, 7 with values −1, −1, 4, −1, −1
 * ```
 */
export function poisson2d(m: number): CooMatrix {
  if (!Number.isInteger(m) || m < 1) {
    throw new LinearSolveError('shape', `poisson2d: m must be an integer ≥ 1, got ${m}.`);
  }
  const n = m * m;
  const nnz = 5 * n - 4 * m;
  const indices = new Int32Array(2 * nnz);
  const values = new Float32Array(nnz);
  let e = 0;
  const put = (row: number, col: number, value: number) => {
    indices[2 * e] = row;
    indices[2 * e + 1] = col;
    values[e] = value;
    e++;
  };
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < m; j++) {
      const row = i * m + j;
      if (i > 0) put(row, row - m, -1);
      if (j > 0) put(row, row - 1, -1);
      put(row, row, 4);
      if (j < m - 1) put(row, row + 1, -1);
      if (i < m - 1) put(row, row + m, -1);
    }
  }
  return {indices, values, shape: [n, n]};
}

/**
 * The 2-D Poisson matrix of `poisson2d(m)` as a sparse operator tagged symmetric positive
 * definite, ready for `method: 'cg'` (or `'auto'`, which picks CG above n = 1000).
 *
 * A = T ⊗ I + I ⊗ T, T = tridiag(−1, 2, −1) of size m, n = m² (see `poisson2d` for the
 * ordering, the spectrum and the missing h² scaling).
 *
 * The operator's `values` (a `[nnz]` float32 tensor) is created here and belongs to the
 * caller: free both with `tf.dispose(A.values); A.dispose()`. For gradients with respect to
 * the values, build the operator yourself with `ls.sparse` from `poisson2d(m)` and your own
 * values tensor or variable.
 *
 * ```ts
 * const A = ls.poisson2dOperator(64);                  // n = 4096
 * const {x, iterations} = ls.linearSolve(A, tf.ones([4096]), {method: 'cg', rtol: 1e-6});
 * tf.dispose([x, A.values]);
 * A.dispose();
 * ```
 */
export function poisson2dOperator(m: number): SparseOperator {
  const {indices, values, shape} = poisson2d(m);
  const nnz = values.length;
  const indexTensor = tf.tensor2d(indices, [nnz, 2], 'int32');
  const valueTensor = tf.tensor1d(values, 'float32');
  try {
    return sparse({indices: indexTensor, values: valueTensor, shape, tags: ['symmetric', 'positiveDefinite']});
  } catch (error) {
    valueTensor.dispose();
    throw error;
  } finally {
    // `sparse` reads the indices once into its pattern; the tensor is not kept.
    indexTensor.dispose();
  }
}
