/**
 * The precondition of each method (strict row or column diagonal dominance) and the
 * 'notApplicable' refusal when it fails: the local methods are not sublinear, or not correct,
 * without it, and a wrong answer is worse than none.
 */
import * as ls from '../coreApi';
import {HostSystem} from './HostSystem';

const ALTERNATIVE = 'For weakly dominant or merely SPD systems (e.g. the 2-D Poisson matrix) use ' +
  "ls.solve(A, b, {method: 'cg'}) (linear time) and read the entry from x; never rewrite A to force dominance.";

/** Throws 'notApplicable' unless A is strictly row diagonally dominant (β_r > 0). */
export function requireRowDominant(sys: HostSystem, what: string): void {
  if (sys.rowMargin > 0) return;
  const u = sys.worstRow;
  throw new ls.LinearSolveError('notApplicable',
    `${what} needs A strictly row diagonally dominant (β_r > 0), but row ${u} has ` +
    `Σ_{j≠i}|aᵢⱼ| = ${fmt(sys.rowOff[u])} ≥ |aᵢᵢ| = ${fmt(Math.abs(sys.diag[u]))} (β_r = ${fmt(sys.rowMargin)}). ` +
    `${sys.colMargin > 0 ? "A is column dominant: use method 'neumann', or ls.localSolve for a sparse b. " : ''}${ALTERNATIVE}`);
}

/** Throws 'notApplicable' unless A is strictly column diagonally dominant (β_c > 0). */
export function requireColumnDominant(sys: HostSystem, what: string): void {
  if (sys.colMargin > 0) return;
  const v = sys.worstCol;
  throw new ls.LinearSolveError('notApplicable',
    `${what} needs A strictly column diagonally dominant (β_c > 0), but column ${v} has ` +
    `Σ_{i≠j}|aᵢⱼ| = ${fmt(sys.colOff[v])} ≥ |aⱼⱼ| = ${fmt(Math.abs(sys.diag[v]))} (β_c = ${fmt(sys.colMargin)}). ` +
    `${sys.rowMargin > 0 ? 'A is row dominant: use ls.estimateEntry with backward push. ' : ''}${ALTERNATIVE}`);
}

/** Throws 'notApplicable' unless A is strictly row or column dominant. */
export function requireDominant(sys: HostSystem, what: string): void {
  if (sys.rowMargin > 0 || sys.colMargin > 0) return;
  throw new ls.LinearSolveError('notApplicable',
    `${what} needs A strictly row or column diagonally dominant for a certified bound, but β_r = ` +
    `${fmt(sys.rowMargin)} (row ${sys.worstRow}) and β_c = ${fmt(sys.colMargin)} (column ${sys.worstCol}). ` +
    `Pass onFailure: 'warn' to run Neumann uncertified (it throws if the series diverges). ${ALTERNATIVE}`);
}

function fmt(x: number): string {
  return Number.isFinite(x) ? Number(x.toPrecision(4)).toString() : String(x);
}
