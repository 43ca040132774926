/**
 * Incomplete factorisations with no fill: ILU(0), A ≈ L̃U on A's pattern (Saad, Iterative
 * Methods for Sparse Linear Systems, 2nd ed., Alg. 10.4, the IKJ variant), and IC(0),
 * A ≈ LLᵀ on the lower triangle of a symmetric A, taken from the same elimination as
 * L = L̃·diag(U)^½ (Meijerink & van der Vorst 1977). IC(0) breaks down when a pivot is not
 * positive, which can happen for SPD A that is not an M-matrix; a diagonal shift A + α·diag(A)
 * (Manteuffel 1980) restores it, at some cost in quality.
 */
import {LinearOperator} from '../LinearOperator';
import {LinearSolveError} from '../../core/LinearSolveError';
import {Csr64, asymmetryOf, csrOfOperator, diagonalOf} from './Csr64';
import {FactorPreconditioner} from './FactorPreconditioner';
import {TriangularFactor} from './triangularSweeps';

/** What `ic0` takes. */
export interface Ic0Options {
  /**
   * Diagonal shift α: factor A + α·diag(A) instead of A. 0 (default) factors A and throws on
   * breakdown; 'auto' tries α = 0, 1e-3, 2e-3, 4e-3, … up to 1 until every pivot is positive.
   */
  shift?: number | 'auto';
}

/** The unit lower factor (off-diagonal entries) and U's rows of ILU(0), or the row whose pivot failed. */
interface Elimination {
  lower: TriangularFactor;
  upper: TriangularFactor;
  failedRow: number;
  pivot: number;
}

/** ILU(0) by the IKJ elimination, stopping at the first non-positive (IC) or zero (ILU) pivot. */
function eliminate(a: Csr64, shift: number, requirePositive: boolean): Elimination {
  const n = a.rows;
  const {rowPtr, col} = a;
  const w = Float64Array.from(a.val);
  const d = diagonalOf(a);
  const diagAt = new Int32Array(n).fill(-1);
  for (let i = 0; i < n; i++) {
    for (let p = rowPtr[i]; p < rowPtr[i + 1]; p++) {
      if (col[p] === i) { diagAt[i] = p; w[p] += shift * d[i]; }
    }
  }
  const position = new Int32Array(n).fill(-1);
  let failedRow = -1;
  let pivot = 0;
  for (let i = 0; i < n && failedRow < 0; i++) {
    for (let p = rowPtr[i]; p < rowPtr[i + 1]; p++) position[col[p]] = p;
    for (let p = rowPtr[i]; p < rowPtr[i + 1] && col[p] < i; p++) {
      const k = col[p];
      w[p] /= w[diagAt[k]];
      const factor = w[p];
      for (let q = diagAt[k] + 1; q < rowPtr[k + 1]; q++) {
        const at = position[col[q]];
        if (at >= 0) w[at] -= factor * w[q];
      }
    }
    for (let p = rowPtr[i]; p < rowPtr[i + 1]; p++) position[col[p]] = -1;
    const u = diagAt[i] < 0 ? 0 : w[diagAt[i]];
    if (!Number.isFinite(u) || u === 0 || (requirePositive && !(u > 0))) { failedRow = i; pivot = u; }
  }
  const split = (side: 'lower' | 'upper'): TriangularFactor => {
    const ptr = new Int32Array(n + 1);
    const c: number[] = [];
    const v: number[] = [];
    const diag = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      for (let p = rowPtr[i]; p < rowPtr[i + 1]; p++) {
        if (side === 'lower' ? col[p] < i : col[p] > i) { c.push(col[p]); v.push(w[p]); }
      }
      diag[i] = side === 'lower' ? 1 : (diagAt[i] < 0 ? 0 : w[diagAt[i]]);
      ptr[i + 1] = c.length;
    }
    return {n, side, diag, rowPtr: ptr, col: Int32Array.from(c), val: Float64Array.from(v)};
  };
  return {lower: split('lower'), upper: split('upper'), failedRow, pivot};
}

/** IC(0) of the symmetric CSR matrix a, with the shift policy of `Ic0Options`. */
export function ic0FromCsr(a: Csr64, shift: number | 'auto' = 0): FactorPreconditioner {
  if (asymmetryOf(a) > 1e-6) {
    throw new LinearSolveError('option',
      "ic0: A is not symmetric, and IC(0) factors A ≈ LLᵀ. Use 'ilu0' or 'ssor' with method 'bicgstab' or 'gmres'.");
  }
  const shifts = shift === 'auto' ? [0, ...Array.from({length: 11}, (_, i) => 1e-3 * 2 ** i)] : [shift];
  if (shift !== 'auto' && !(typeof shift === 'number' && Number.isFinite(shift) && shift >= 0)) {
    throw new LinearSolveError('option', `ic0: shift must be a number ≥ 0 or 'auto', got ${String(shift)}.`);
  }
  let last: Elimination | null = null;
  for (const alpha of shifts) {
    const e = eliminate(a, alpha, true);
    last = e;
    if (e.failedRow >= 0) continue;
    // L = L̃·diag(U)^½: scale column j of L̃ by √u_j, and L's diagonal is √u_i.
    const root = e.upper.diag.map(Math.sqrt);
    const {lower} = e;
    const val = lower.val.map((v, p) => v * root[lower.col[p]]);
    return new FactorPreconditioner('ic0', {
      lower: {...lower, diag: root, val},
      upper: 'lowerTransposed',
      middle: null,
      scale: 1,
    }, ['symmetric', 'positiveDefinite']);
  }
  const {failedRow, pivot} = last as Elimination;
  throw new LinearSolveError('breakdown',
    `ic0: incomplete Cholesky broke down at row ${failedRow} (pivot ${pivot} ≤ 0${shift === 'auto' ? ', even with a shift of diag(A)' : ''}): ` +
    'A is not positive definite, or IC(0) does not exist for it. ' +
    (shift === 'auto' ? "Use 'ssor' or 'jacobi'." : "Pass preconditioner: {ic0: {shift: 'auto'}} (factors A + α·diag(A)), or use 'ssor'."));
}

/** ILU(0) of the CSR matrix a ('singular' on a zero pivot). */
export function ilu0FromCsr(a: Csr64): FactorPreconditioner {
  const e = eliminate(a, 0, false);
  if (e.failedRow >= 0) {
    throw new LinearSolveError('singular',
      `ilu0: zero or non-finite pivot ${e.pivot} at row ${e.failedRow}; ILU(0) does not exist for this A in this ordering. Use 'ssor' or 'jacobi'.`);
  }
  return new FactorPreconditioner('ilu0', {lower: e.lower, upper: e.upper, middle: null, scale: 1}, []);
}

/**
 * The IC(0) preconditioner M = (LLᵀ)⁻¹ of a symmetric positive definite sparse or dense A, L
 * lower triangular on A's lower pattern, as an operator (factor once, reuse);
 * `preconditioner: 'ic0'` or `{ic0: {shift}}` builds it inside a solve.
 *
 * Breakdown (a pivot ≤ 0) is a 'breakdown' LinearSolveError, unless `shift` says to factor
 * A + α·diag(A) instead. Two triangular sweeps per product, on typed arrays.
 *
 * ```ts
 * const M = ls.ic0(A);                                 // or ls.ic0(A, {shift: 'auto'})
 * const x = ls.solve(A, b, {method: 'cg', preconditioner: M});
 * ```
 */
export function ic0(A: LinearOperator, options: Ic0Options = {}): FactorPreconditioner {
  return ic0FromCsr(csrOfOperator(A, 'ic0'), options.shift ?? 0);
}

/**
 * The ILU(0) preconditioner M = (L̃U)⁻¹ of a sparse or dense A (L̃ unit lower, U upper, both on
 * A's pattern), as an operator; `preconditioner: 'ilu0'` builds it inside a solve. For
 * nonsymmetric A (convection–diffusion) with BiCGStab or GMRES; the backward applies
 * Mᵀ = L̃⁻ᵀU⁻ᵀ by transposed sweeps.
 *
 * ```ts
 * const x = ls.solve(A, b, {method: 'gmres', preconditioner: ls.ilu0(A)});
 * ```
 */
export function ilu0(A: LinearOperator): FactorPreconditioner {
  return ilu0FromCsr(csrOfOperator(A, 'ilu0'));
}
