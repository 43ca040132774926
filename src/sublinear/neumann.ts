/**
 * Jacobi-preconditioned Neumann series x* = Σₖ Mᵏ D⁻¹b, M = I − D⁻¹A (Varga, Matrix Iterative
 * Analysis, §3; Saad, Iterative Methods for Sparse Linear Systems, §4.1), with a certified
 * stopping rule: after the term t_K,
 *
 *     ‖x* − x_K‖∞   ≤ γ∞/(1 − γ∞) ‖t_K‖∞,      γ∞ = ‖M‖∞ = 1 − β_r   (strict row dominance)
 *     ‖D(x* − x_K)‖₁ ≤ γ₁/(1 − γ₁) ‖D t_K‖₁,    γ₁ = ‖RD⁻¹‖₁ = 1 − β_c (strict column dominance)
 *
 * so |cᵀ(x* − x_K)| ≤ min(‖c‖₁·the first, maxᵥ|cᵥ/dᵥ|·the second). Each term reads every
 * stored entry: the cost is K·nnz, LINEAR in n, never sublinear. It is the baseline the local
 * methods are measured against, and the way to a certified answer on column-dominant A.
 */
import * as ls from '../coreApi';
import {HostSystem} from './HostSystem';

/** The query's norms that turn a bound on x into a bound on cᵀx. */
export interface QueryNorms {
  /** ‖c‖₁. */
  oneNorm: number;
  /** maxᵥ |cᵥ / aᵥᵥ|. */
  weightedInfNorm: number;
}

export interface NeumannResult {
  x: Float64Array;
  /** Certified bound on |cᵀ(x* − x)| (Infinity when uncertified). */
  bound: number;
  certified: boolean;
  terms: number;
  work: number;
  exhausted: boolean;
}

/**
 * Sums the series for A x = rhs (or Aᵀ x = rhs) until the bound on |cᵀ(x* − x)| is ≤ epsilon.
 * Uncertified (A not strictly dominant, the caller allowed it): stops when two successive terms
 * are below epsilon/100 in ‖c‖₁‖t‖∞, and throws 'notConverged' when the terms grow.
 */
export function neumannSeries(sys: HostSystem, rhs: Float64Array, query: QueryNorms, epsilon: number,
    options: {transposed: boolean; maxWork: number; certified: boolean}): NeumannResult {
  const {layout, diag} = sys;
  const n = layout.n;
  const off = layout.rowPtr[n];
  const [betaInf, betaOne] = options.transposed ? [sys.colMargin, sys.rowMargin] : [sys.rowMargin, sys.colMargin];
  const tailInf = betaInf > 0 ? (1 - betaInf) / betaInf : Infinity;
  const tailOne = betaOne > 0 ? (1 - betaOne) / betaOne : Infinity;
  let t: Float64Array = new Float64Array(n);
  for (let u = 0; u < n; u++) t[u] = rhs[u] / diag[u];
  const x = Float64Array.from(t);
  let work = n;
  let terms = 1;
  let quiet = 0;
  const start = infNorm(t);
  for (;;) {
    const tInf = infNorm(t);
    if (!Number.isFinite(tInf) || tInf > 1e8 * Math.max(start, 1e-30)) {
      throw new ls.LinearSolveError('notConverged',
        `neumann: the series diverges (term ${terms} has ‖t‖∞ = ${tInf.toPrecision(3)}): the spectral radius of ` +
        "I − D⁻¹A is ≥ 1. Use ls.solve with 'gmres' or 'lu'.");
    }
    if (options.certified) {
      const bound = Math.min(product(query.oneNorm, tailInf, tInf), product(query.weightedInfNorm, tailOne, weightedOneNorm(t, diag)));
      if (bound <= epsilon || tInf === 0) return {x, bound: tInf === 0 ? 0 : bound, certified: true, terms, work, exhausted: false};
      if (work > options.maxWork) return {x, bound, certified: true, terms, work, exhausted: true};
    } else {
      quiet = query.oneNorm * tInf <= epsilon / 100 ? quiet + 1 : 0;
      if (quiet >= 2 || tInf === 0) return {x, bound: Infinity, certified: false, terms, work, exhausted: false};
      if (work > options.maxWork) return {x, bound: Infinity, certified: false, terms, work, exhausted: true};
    }
    t = jacobiTerm(sys, t, options.transposed);
    for (let u = 0; u < n; u++) x[u] += t[u];
    work += off + n;
    terms++;
  }
}

/** M t = −D⁻¹ R t (or, transposed, −D⁻¹ Rᵀ t) over the off-diagonal CSR. */
function jacobiTerm(sys: HostSystem, t: Float64Array, transposed: boolean): Float64Array {
  const {layout, values, diag} = sys;
  const n = layout.n;
  const [ptr, other, entry] = transposed ?
    [layout.colPtr, layout.colRow, layout.colEntry] : [layout.rowPtr, layout.rowCol, layout.rowEntry];
  const next = new Float64Array(n);
  for (let u = 0; u < n; u++) {
    let s = 0;
    for (let k = ptr[u]; k < ptr[u + 1]; k++) s += values[entry[k]] * t[other[k]];
    next[u] = -s / diag[u];
  }
  return next;
}

/** a·b·c with 0·∞ = 0: a zero query or a zero term leaves nothing to bound. */
function product(a: number, b: number, c: number): number {
  return a === 0 || b === 0 || c === 0 ? 0 : a * b * c;
}

function infNorm(t: Float64Array): number {
  let m = 0;
  for (let u = 0; u < t.length; u++) {
    const a = Math.abs(t[u]);
    if (!(a <= m)) m = a;
  }
  return m;
}

function weightedOneNorm(t: Float64Array, diag: Float64Array): number {
  let s = 0;
  for (let u = 0; u < t.length; u++) s += Math.abs(diag[u] * t[u]);
  return s;
}
