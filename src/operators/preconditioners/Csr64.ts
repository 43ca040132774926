/**
 * Compressed sparse rows in float64 on the host: the form in which preconditioners are set up
 * (incomplete factorisations, FSAI, Galerkin coarsening), read once from an operator's
 * entries. Rows are sorted by column, duplicates summed (as `ls.sparse` sums them).
 */
import * as tf from '@tensorflow/tfjs';
import {LinearOperator} from '../LinearOperator';
import {SparseOperator} from '../sparse/SparseOperator';
import {DenseOperator} from '../DenseOperator';
import {DiagonalOperator} from '../DiagonalOperator';
import {LinearSolveError} from '../../core/LinearSolveError';

/** A rows×cols sparse matrix: row i's entries are `[rowPtr[i], rowPtr[i + 1])`, columns ascending. */
export interface Csr64 {
  rows: number;
  cols: number;
  rowPtr: Int32Array;
  col: Int32Array;
  val: Float64Array;
}

/** CSR of COO triplets, duplicates summed, columns sorted within each row. */
export function csrFromCoo(rows: number, cols: number, r: ArrayLike<number>, c: ArrayLike<number>,
    v: ArrayLike<number>): Csr64 {
  const nnz = v.length;
  const count = new Int32Array(rows + 1);
  for (let e = 0; e < nnz; e++) count[r[e] + 1]++;
  for (let i = 0; i < rows; i++) count[i + 1] += count[i];
  const fill = count.slice(0, rows);
  const order = new Int32Array(nnz);
  for (let e = 0; e < nnz; e++) order[fill[r[e]]++] = e;
  const rowPtr = new Int32Array(rows + 1);
  const col: number[] = [];
  const val: number[] = [];
  for (let i = 0; i < rows; i++) {
    const entries = Array.from(order.subarray(count[i], count[i + 1])).sort((a, b) => c[a] - c[b]);
    for (const e of entries) {
      if (col.length > rowPtr[i] && col[col.length - 1] === c[e]) val[val.length - 1] += v[e];
      else { col.push(c[e]); val.push(v[e]); }
    }
    rowPtr[i + 1] = col.length;
  }
  return {rows, cols, rowPtr, col: Int32Array.from(col), val: Float64Array.from(val)};
}

/**
 * A's entries as CSR, read from the host once (a readback on GPU backends): sparse (its
 * pattern and values, transposed views included), dense (its nonzeros) or diagonal operators.
 * A batch or a matrix-free operator is an 'option' error: preconditioners need one matrix's entries.
 */
export function csrOfOperator(operator: LinearOperator, where: string): Csr64 {
  if (operator.batchSize != null) {
    throw new LinearSolveError('option', `${where} needs one matrix; this is a batch of ${operator.batchSize}. Solve each member separately, or use 'jacobi'.`);
  }
  const n = operator.shape[0];
  if (operator instanceof SparseOperator) {
    const values = operator.values.dataSync();
    // eslint-disable-next-line dot-notation
    const transposed = operator['transposed'] as boolean;
    const {rows, cols} = operator.pattern;
    return transposed ? csrFromCoo(n, n, cols, rows, values) : csrFromCoo(n, n, rows, cols, values);
  }
  if (operator instanceof DenseOperator || operator instanceof DiagonalOperator) {
    const denseA = tf.tidy(() => tf.clone(operator.toDense()));
    const data = denseA.dataSync();
    denseA.dispose();
    const r: number[] = [];
    const c: number[] = [];
    const v: number[] = [];
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        const a = data[i * n + j];
        if (a !== 0 || i === j) { r.push(i); c.push(j); v.push(a); }
      }
    }
    return csrFromCoo(n, n, r, c, v);
  }
  throw new LinearSolveError('option',
    `${where} needs A's entries, which this ${operator.kind} operator cannot give. Build A with ls.sparse or ls.dense, ` +
    "or pass 'jacobi' (with matrixFree's diagonal) or your own preconditioner operator.");
}

/** Aᵀ. */
export function transposeCsr(a: Csr64): Csr64 {
  const r: number[] = [];
  const c: number[] = [];
  for (let i = 0; i < a.rows; i++) for (let p = a.rowPtr[i]; p < a.rowPtr[i + 1]; p++) { r.push(a.col[p]); c.push(i); }
  return csrFromCoo(a.cols, a.rows, r, c, a.val);
}

/** A·B (Gustavson's row-by-row product with a dense accumulator). */
export function multiplyCsr(a: Csr64, b: Csr64): Csr64 {
  const acc = new Float64Array(b.cols);
  const mark = new Int32Array(b.cols).fill(-1);
  const rowPtr = new Int32Array(a.rows + 1);
  const col: number[] = [];
  const val: number[] = [];
  for (let i = 0; i < a.rows; i++) {
    const touched: number[] = [];
    for (let p = a.rowPtr[i]; p < a.rowPtr[i + 1]; p++) {
      const k = a.col[p];
      const av = a.val[p];
      for (let q = b.rowPtr[k]; q < b.rowPtr[k + 1]; q++) {
        const j = b.col[q];
        if (mark[j] !== i) { mark[j] = i; acc[j] = 0; touched.push(j); }
        acc[j] += av * b.val[q];
      }
    }
    touched.sort((x, y) => x - y);
    for (const j of touched) { col.push(j); val.push(acc[j]); }
    rowPtr[i + 1] = col.length;
  }
  return {rows: a.rows, cols: b.cols, rowPtr, col: Int32Array.from(col), val: Float64Array.from(val)};
}

/** diag(A), zero where the pattern has no diagonal entry. */
export function diagonalOf(a: Csr64): Float64Array {
  const d = new Float64Array(a.rows);
  for (let i = 0; i < a.rows; i++) for (let p = a.rowPtr[i]; p < a.rowPtr[i + 1]; p++) if (a.col[p] === i) d[i] = a.val[p];
  return d;
}

/** max |a_ij − a_ji| / max |a_ij|: 0 for an exactly symmetric matrix (pattern and values). */
export function asymmetryOf(a: Csr64): number {
  const t = transposeCsr(a);
  let worst = 0;
  let scale = 0;
  for (let i = 0; i < a.rows; i++) {
    const lookup = new Map<number, number>();
    for (let p = t.rowPtr[i]; p < t.rowPtr[i + 1]; p++) lookup.set(t.col[p], t.val[p]);
    for (let p = a.rowPtr[i]; p < a.rowPtr[i + 1]; p++) {
      scale = Math.max(scale, Math.abs(a.val[p]));
      worst = Math.max(worst, Math.abs(a.val[p] - (lookup.get(a.col[p]) ?? 0)));
      lookup.delete(a.col[p]);
    }
    for (const v of lookup.values()) worst = Math.max(worst, Math.abs(v));
  }
  return scale === 0 ? 0 : worst / scale;
}

/** y = A x (or Aᵀ x when `transposed`) for one float64 column; y has A's rows (cols) entries. */
export function csrApply(a: Csr64, x: Float64Array, y: Float64Array, transposed = false): void {
  const {rowPtr, col, val} = a;
  if (!transposed) {
    for (let i = 0; i < a.rows; i++) {
      let s = 0;
      for (let p = rowPtr[i], end = rowPtr[i + 1]; p < end; p++) s += val[p] * x[col[p]];
      y[i] = s;
    }
    return;
  }
  y.fill(0);
  for (let i = 0; i < a.rows; i++) {
    const xi = x[i];
    if (xi === 0) continue;
    for (let p = rowPtr[i], end = rowPtr[i + 1]; p < end; p++) y[col[p]] += val[p] * xi;
  }
}

/** Something the host engine can apply on typed arrays: M·X for a row-major `[n, k]` block. */
export interface HostApplicable {
  applyBlock(from: ArrayLike<number>, fromOffset: number, to: Float32Array, toOffset: number, k: number): void;
}

/** Whether M has a typed-array product the host engine can call inside its loop. */
export function isHostApplicable(M: unknown): M is HostApplicable {
  return M != null && typeof (M as HostApplicable).applyBlock === 'function';
}

/** Runs `column(y)` (in place, float64) on each column of a row-major `[n, k]` block. */
export function applyByColumns(n: number, from: ArrayLike<number>, fromOffset: number, to: Float32Array, toOffset: number,
    k: number, column: (y: Float64Array) => void): void {
  const y = new Float64Array(n);
  for (let c = 0; c < k; c++) {
    for (let i = 0; i < n; i++) y[i] = from[fromOffset + i * k + c];
    column(y);
    for (let i = 0; i < n; i++) to[toOffset + i * k + c] = y[i];
  }
}
