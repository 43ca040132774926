/** One functional query cᵀx*, x* = A⁻¹b, as every estimator receives it. */
import {ResolvedEstimateOptions} from './EstimateOptions';
import {HostSystem} from './HostSystem';
import {HostVector, SparseVector, oneNorm} from './hostVector';
import {QueryNorms} from './neumann';

export interface Query {
  sys: HostSystem;
  b: HostVector;
  c: SparseVector;
  options: ResolvedEstimateOptions;
}

/** ‖x*‖∞ ≤ ‖b‖∞/δ_r (row dominance, Varah) and ‖x*‖₁ ≤ ‖b‖₁/δ_c (column dominance). */
export function solutionBounds(q: Query): {inf: number; one: number} {
  const {sys, b} = q;
  return {
    inf: sys.minDiagonalMargin > 0 ? b.infNorm / sys.minDiagonalMargin : Infinity,
    one: sys.minColumnDiagonalMargin > 0 ? b.oneNorm / sys.minColumnDiagonalMargin : Infinity,
  };
}

export function queryNorms(q: Query): QueryNorms {
  let weightedInfNorm = 0;
  for (let k = 0; k < q.c.indices.length; k++) {
    weightedInfNorm = Math.max(weightedInfNorm, Math.abs(q.c.values[k] / q.sys.diag[q.c.indices[k]]));
  }
  return {oneNorm: oneNorm(q.c), weightedInfNorm};
}

export function denseOf(v: SparseVector, n: number): Float64Array {
  const d = new Float64Array(n);
  for (let k = 0; k < v.indices.length; k++) d[v.indices[k]] += v.values[k];
  return d;
}
