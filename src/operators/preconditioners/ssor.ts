/**
 * Symmetric successive over-relaxation as a preconditioner (Young 1950; Saad, Iterative
 * Methods for Sparse Linear Systems, 2nd ed., §4.1.2 and §10.2): with A = L + D + U,
 *
 *     M_SSOR = (D + ωL) D⁻¹ (D + ωU) / (ω(2 − ω)),   M⁻¹ = ω(2 − ω)·(D + ωU)⁻¹ D (D + ωL)⁻¹.
 *
 * For symmetric positive definite A and 0 < ω < 2, M_SSOR is symmetric positive definite (CG
 * applies); ω = 1 is symmetric Gauss–Seidel. Its transpose is SSOR of Aᵀ.
 */
import {LinearOperator} from '../LinearOperator';
import {LinearSolveError} from '../../core/LinearSolveError';
import {Csr64, asymmetryOf, csrOfOperator, diagonalOf} from './Csr64';
import {FactorPreconditioner} from './FactorPreconditioner';
import {TriangularFactor} from './triangularSweeps';

/** What `ssor` takes. */
export interface SsorOptions {
  /** Relaxation ω in (0, 2) (default 1: symmetric Gauss–Seidel). */
  omega?: number;
}

/** The strictly lower or upper part of A times ω, with diagonal d. */
function part(a: Csr64, side: 'lower' | 'upper', omega: number, d: Float64Array): TriangularFactor {
  const rowPtr = new Int32Array(a.rows + 1);
  const col: number[] = [];
  const val: number[] = [];
  for (let i = 0; i < a.rows; i++) {
    for (let p = a.rowPtr[i]; p < a.rowPtr[i + 1]; p++) {
      const j = a.col[p];
      if (side === 'lower' ? j < i : j > i) { col.push(j); val.push(omega * a.val[p]); }
    }
    rowPtr[i + 1] = col.length;
  }
  return {n: a.rows, side, diag: d, rowPtr, col: Int32Array.from(col), val: Float64Array.from(val)};
}

/** SSOR factors of the CSR matrix a (a 'singular' error for a zero or non-finite diagonal entry). */
export function ssorFromCsr(a: Csr64, omega: number, symmetric: boolean): FactorPreconditioner {
  if (!(omega > 0 && omega < 2)) {
    throw new LinearSolveError('option', `ssor: omega must be in (0, 2), got ${omega}.`);
  }
  const d = diagonalOf(a);
  for (let i = 0; i < d.length; i++) {
    if (d[i] === 0 || !Number.isFinite(d[i])) {
      throw new LinearSolveError('singular', `ssor: diagonal entry ${i} of A is ${d[i]}; SSOR divides by diag(A). Reorder A or use another preconditioner.`);
    }
  }
  return new FactorPreconditioner('ssor', {
    lower: part(a, 'lower', omega, d),
    upper: part(a, 'upper', omega, d),
    middle: d,
    scale: omega * (2 - omega),
    // (D + ωL) D⁻¹ (D + ωL)ᵀ is a congruence of D⁻¹: positive definite when D > 0.
  }, symmetric ? (d.every(v => v > 0) ? ['symmetric', 'positiveDefinite'] : ['symmetric']) : []);
}

/**
 * The SSOR preconditioner M ≈ A⁻¹ of a sparse or dense A, as an operator (factor once, pass it
 * as `preconditioner` to many solves); `preconditioner: 'ssor'` or `{ssor: {omega}}` builds it
 * inside a solve.
 *
 * M⁻¹ = ω(2 − ω)·(D + ωU)⁻¹ D (D + ωL)⁻¹ with A = L + D + U: two triangular sweeps per
 * product, on typed arrays. Symmetric A gives a symmetric positive definite M (tagged so, for
 * CG); for nonsymmetric A use it with BiCGStab or GMRES, whose backward uses Mᵀ (SSOR of Aᵀ).
 *
 * ```ts
 * const M = ls.ssor(A, {omega: 1.5});
 * const x = ls.solve(A, b, {method: 'cg', preconditioner: M});
 * ```
 */
export function ssor(A: LinearOperator, options: SsorOptions = {}): FactorPreconditioner {
  const a = csrOfOperator(A, 'ssor');
  return ssorFromCsr(a, options.omega ?? 1, asymmetryOf(a) === 0);
}
