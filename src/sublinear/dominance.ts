/**
 * Diagonal-dominance margins: the preconditions (and the constants in the certificates) of
 * every single-entry method. Varah (1975): ‖A⁻¹‖∞ ≤ 1/δ_r for strictly row-dominant A.
 */
import {hostSystem, Margins} from './HostSystem';

/** The margins of A and whether any method can certify an answer on it. */
export interface Dominance extends Margins {
  /** β_r > 0: strictly row diagonally dominant (backward push, random walks, bidirectional, Neumann). */
  rowDominant: boolean;
  /** β_c > 0: strictly column diagonally dominant (forward push, Neumann). */
  columnDominant: boolean;
  /** Strictly row or column dominant: some method gives a certified bound. */
  certifiable: boolean;
}

/**
 * Row and column diagonal-dominance margins of a sparse A:
 *
 *     rowMargin          β_r = 1 − maxᵢ Σ_{j≠i}|aᵢⱼ| / |aᵢᵢ|
 *     colMargin          β_c = 1 − maxⱼ Σ_{i≠j}|aᵢⱼ| / |aⱼⱼ|
 *     minDiagonalMargin  δ_r = minᵢ (|aᵢᵢ| − Σ_{j≠i}|aᵢⱼ|)   (so ‖A⁻¹‖∞ ≤ 1/δ_r when δ_r > 0)
 *
 * A is strictly row dominant iff β_r > 0, strictly column dominant iff β_c > 0. Weakly dominant
 * matrices (β = 0, e.g. the 2-D Poisson matrix) and SPD matrices that are not dominant are not
 * certifiable: the local methods refuse them (use `ls.solve` with 'cg').
 *
 * Cost: one O(nnz) pass, cached per `values` tensor (the estimators reuse it).
 *
 * ```ts
 * const {rowMargin, certifiable} = ls.dominance(A);   // [[4,1,0],[1,3,−1],[0,−1,2]]: 1/3, true
 * ```
 */
export function dominance(A: unknown): Dominance {
  const {rowMargin, colMargin, minDiagonalMargin, minColumnDiagonalMargin} = hostSystem(A, 'dominance');
  const rowDominant = rowMargin > 0;
  const columnDominant = colMargin > 0;
  return {rowMargin, colMargin, minDiagonalMargin, minColumnDiagonalMargin, rowDominant, columnDominant,
    certifiable: rowDominant || columnDominant};
}
