/**
 * Sparse triangular solves on typed arrays (forward and backward substitution by rows, and the
 * transposed solves by the column-oriented sweep over the same rows, so no transposed copy is
 * stored; Saad, Iterative Methods for Sparse Linear Systems, 2nd ed., §3.6 and §10.3.2).
 * Sequential by nature: each unknown needs the ones before it.
 */

/** A triangular matrix by rows: its diagonal, and the off-diagonal entries of each row. */
export interface TriangularFactor {
  n: number;
  /** 'lower': off-diagonal columns < row; 'upper': > row. */
  side: 'lower' | 'upper';
  diag: Float64Array;
  rowPtr: Int32Array;
  col: Int32Array;
  val: Float64Array;
}

/** y ← T⁻¹ y in place (forward substitution for lower T, backward for upper). */
export function triangularSolve(t: TriangularFactor, y: Float64Array): void {
  const {n, rowPtr, col, val, diag} = t;
  if (t.side === 'lower') {
    for (let i = 0; i < n; i++) {
      let s = y[i];
      for (let p = rowPtr[i], end = rowPtr[i + 1]; p < end; p++) s -= val[p] * y[col[p]];
      y[i] = s / diag[i];
    }
  } else {
    for (let i = n - 1; i >= 0; i--) {
      let s = y[i];
      for (let p = rowPtr[i], end = rowPtr[i + 1]; p < end; p++) s -= val[p] * y[col[p]];
      y[i] = s / diag[i];
    }
  }
}

/** y ← T⁻ᵀ y in place: Tᵀ of a lower T is upper (sweep down from the last row), and vice versa. */
export function transposedTriangularSolve(t: TriangularFactor, y: Float64Array): void {
  const {n, rowPtr, col, val, diag} = t;
  if (t.side === 'lower') {
    for (let i = n - 1; i >= 0; i--) {
      const yi = y[i] / diag[i];
      y[i] = yi;
      for (let p = rowPtr[i], end = rowPtr[i + 1]; p < end; p++) y[col[p]] -= val[p] * yi;
    }
  } else {
    for (let i = 0; i < n; i++) {
      const yi = y[i] / diag[i];
      y[i] = yi;
      for (let p = rowPtr[i], end = rowPtr[i + 1]; p < end; p++) y[col[p]] -= val[p] * yi;
    }
  }
}
