/**
 * Factorised sparse approximate inverse (Kolotilina & Yeremin 1993): G lower triangular on
 * the lower pattern of a symmetric positive definite A with A⁻¹ ≈ GᵀG, computed row by row
 * in closed form. Row i on its pattern Pᵢ (columns ≤ i) solves the small system
 * A[Pᵢ, Pᵢ] y = eᵢ and sets G[i, Pᵢ] = y / √yᵢ, so that diag(G A Gᵀ) = 1. This G minimises
 * Kaporin's condition number K(GAGᵀ) = (tr(GAGᵀ)/n)ⁿ / det(GAGᵀ) over all lower triangular G
 * on that pattern: the closed-form optimum of the condition-number loss a learned
 * preconditioner of the form GᵀG is trained on. Applying it is two sparse products, no
 * triangular solve, so it runs in tf ops on every backend.
 */
import * as tf from '@tensorflow/tfjs';
import {BaseOperator, LinearOperator} from '../LinearOperator';
import {SparseOperator} from '../sparse/SparseOperator';
import {SparsePattern} from '../sparse/SparsePattern';
import {LinearSolveError} from '../../core/LinearSolveError';
import {Csr64, asymmetryOf, csrApply, csrFromCoo, csrOfOperator, applyByColumns} from './Csr64';

/** GᵀG ≈ A⁻¹ as an operator: G·x then Gᵀ·(G x), two sparse products in tf ops. */
export class FsaiPreconditioner extends BaseOperator {
  readonly kind = 'preconditioner';
  readonly shape: [number, number];

  /**
   * `factor` is G (lower triangular) as a sparse operator, its values tensor owned by this
   * operator; `host` is G in CSR, for the host engine's typed-array loop on cpu and wasm.
   * @internal Built by `ls.fsai`.
   */
  constructor(readonly factor: SparseOperator, private readonly host: Csr64) {
    super(['symmetric', 'positiveDefinite']);
    this.shape = factor.shape;
  }

  /** GᵀG·X on typed arrays (the host engine's loop on cpu and wasm). */
  applyBlock(from: ArrayLike<number>, fromOffset: number, to: Float32Array, toOffset: number, k: number): void {
    const g = new Float64Array(this.host.rows);
    applyByColumns(this.host.rows, from, fromOffset, to, toOffset, k, y => {
      csrApply(this.host, y, g);
      csrApply(this.host, g, y, true);
    });
  }

  apply(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.factor.transpose().apply(this.factor.apply(x)));
  }

  transpose(): LinearOperator {
    return this;
  }

  toDense(): tf.Tensor {
    return tf.tidy(() => this.apply(tf.eye(this.shape[0])));
  }

  /** Frees G's values and pattern. */
  dispose(): void {
    this.factor.values.dispose();
    this.factor.pattern.dispose();
  }
}

/** Solves the small SPD system S y = e_last by Cholesky in float64; null if S is not positive definite. */
function lastColumnOfInverse(s: Float64Array, k: number): Float64Array | null {
  const l = new Float64Array(k * k);
  for (let j = 0; j < k; j++) {
    let d = s[j * k + j];
    for (let p = 0; p < j; p++) d -= l[j * k + p] ** 2;
    if (!(d > 0)) return null;
    l[j * k + j] = Math.sqrt(d);
    for (let i = j + 1; i < k; i++) {
      let v = s[i * k + j];
      for (let p = 0; p < j; p++) v -= l[i * k + p] * l[j * k + p];
      l[i * k + j] = v / l[j * k + j];
    }
  }
  const y = new Float64Array(k);
  y[k - 1] = 1;
  for (let i = 0; i < k; i++) {
    let v = y[i];
    for (let p = 0; p < i; p++) v -= l[i * k + p] * y[p];
    y[i] = v / l[i * k + i];
  }
  for (let i = k - 1; i >= 0; i--) {
    let v = y[i];
    for (let p = i + 1; p < k; p++) v -= l[p * k + i] * y[p];
    y[i] = v / l[i * k + i];
  }
  return y;
}

/** FSAI's G as COO (rows, cols, values) from the symmetric CSR matrix a. */
export function fsaiFactor(a: Csr64): {rows: Int32Array; cols: Int32Array; values: Float32Array} {
  const n = a.rows;
  const rows: number[] = [];
  const cols: number[] = [];
  const values: number[] = [];
  const entry = (i: number, j: number) => {
    for (let p = a.rowPtr[i]; p < a.rowPtr[i + 1]; p++) if (a.col[p] === j) return a.val[p];
    return 0;
  };
  for (let i = 0; i < n; i++) {
    const pattern: number[] = [];
    for (let p = a.rowPtr[i]; p < a.rowPtr[i + 1]; p++) if (a.col[p] < i) pattern.push(a.col[p]);
    pattern.push(i);
    const k = pattern.length;
    const s = new Float64Array(k * k);
    for (let r = 0; r < k; r++) for (let c = 0; c < k; c++) s[r * k + c] = entry(pattern[r], pattern[c]);
    const y = lastColumnOfInverse(s, k);
    if (y == null || !(y[k - 1] > 0)) {
      throw new LinearSolveError('notApplicable',
        `fsai: the principal submatrix of A on row ${i}'s pattern is not positive definite, so A is not; FSAI needs symmetric positive definite A.`);
    }
    const scale = 1 / Math.sqrt(y[k - 1]);
    for (let r = 0; r < k; r++) { rows.push(i); cols.push(pattern[r]); values.push(y[r] * scale); }
  }
  return {rows: Int32Array.from(rows), cols: Int32Array.from(cols), values: Float32Array.from(values)};
}

/**
 * The FSAI preconditioner M = GᵀG ≈ A⁻¹ of a symmetric positive definite sparse or dense A,
 * G lower triangular on A's lower pattern (Kolotilina–Yeremin), as an operator for
 * `preconditioner`. Setup is one small dense solve per row on the host; each product is two
 * sparse products in tf ops (every backend, no triangular solve). Free it with `dispose()`.
 *
 * G minimises Kaporin's condition number of GAGᵀ on its pattern: a learned GᵀG on the same
 * pattern cannot do better per instance, only save setup.
 *
 * ```ts
 * const M = ls.fsai(A);
 * const x = ls.solve(A, b, {method: 'cg', preconditioner: M});
 * M.dispose();
 * ```
 */
export function fsai(A: LinearOperator): FsaiPreconditioner {
  const a = csrOfOperator(A, 'fsai');
  if (asymmetryOf(a) > 1e-6) {
    throw new LinearSolveError('option', 'fsai: A is not symmetric; FSAI approximates A⁻¹ ≈ GᵀG for symmetric positive definite A.');
  }
  const {rows, cols, values} = fsaiFactor(a);
  const pattern = new SparsePattern(a.rows, rows, cols);
  return new FsaiPreconditioner(new SparseOperator(pattern, tf.tensor1d(values, 'float32')),
    csrFromCoo(a.rows, a.rows, rows, cols, values));
}
