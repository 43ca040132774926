/**
 * cᵀx* by backward (contribution) push: push on Aᵀq = c until the residual s = c − Aᵀq is small
 * (Andersen, Borgs, Chayes, Hopcroft, Mirrokni & Teng, WAW 2007; Kwok, Wei & Yang, ITCS 2026).
 *
 * The identity cᵀx* = qᵀb + sᵀx* is exact, so with ‖x*‖∞ ≤ ‖b‖∞/δ_r (row dominance) the
 * estimate qᵀb carries the deterministic certificate
 *
 *     |cᵀx* − qᵀb| ≤ min(‖s‖₁·‖b‖∞/δ_r, ‖s‖∞·‖b‖₁/δ_c).
 *
 * Work ≤ ‖c‖₁/(β_r θ) stored entries for the final threshold θ: independent of n. The gradient
 * is implicit with λ = A⁻ᵀc ≈ q from the forward push itself (error A⁻ᵀs, ‖·‖∞ ≤ ‖s‖₁/δ_r),
 * and x* on the rows of supp(q) by one more backward push per needed column (or, when that
 * many columns are needed, one certified Neumann solve).
 */
import {reportFailure} from './EstimateOptions';
import {HostEstimate} from './differentiable';
import {HostSystem} from './HostSystem';
import {HostVector} from './hostVector';
import {PushState, push} from './push';
import {Query, solutionBounds} from './Query';
import {adjointGradient, neededColumns} from './adjointGradient';
import {neumannSeries} from './neumann';
import {requireRowDominant} from './preconditions';

export function backwardPushEstimate(q: Query): HostEstimate {
  const {sys, b, c, options} = q;
  requireRowDominant(sys, 'backward push');
  const x = solutionBounds(q);
  const certificate = (s: PushState) => Math.min(s.residualOneNorm * x.inf, s.residualInfNorm * x.one);
  const state = push(sys, c, 'backward', {threshold: options.threshold,
    done: s => certificate(s) <= options.epsilon, maxWork: options.maxWork});
  const bound = certificate(state);
  if (state.exhausted) {
    reportFailure(options.onFailure, `backward push: maxWork = ${options.maxWork} read before the certificate ` +
      `reached epsilon (bound ${bound.toPrecision(3)} after ${state.pushes} pushes).`);
  }
  let value = 0;
  state.estimate.forEach((qu, u) => { value += qu * b.data[u]; });
  return {
    value, bound, boundKind: 'deterministic', confidence: null, work: state.work + state.estimate.size,
    method: 'backwardPush', standardError: null, walks: null,
    gradient: () => {
      const lambda = state.estimate;
      const scale = [...lambda.values()].reduce((s, v) => s + Math.abs(v), 0);
      const xs = entries(sys, b, neededColumns(sys, lambda), options.epsilon / Math.max(1, scale));
      return adjointGradient(sys, lambda, k => xs.get(k) ?? 0);
    },
  };
}

/** x*ₖ for each k in `columns`, each within `epsilon`: local pushes, or one Neumann solve if many. */
export function entries(sys: HostSystem, b: HostVector, columns: number[], epsilon: number): Map<number, number> {
  const n = sys.layout.n;
  const out = new Map<number, number>();
  const xInf = b.infNorm / sys.minDiagonalMargin;
  if (columns.length > n / 8) {
    const weightedInfNorm = columns.reduce((m, k) => Math.max(m, 1 / Math.abs(sys.diag[k])), 0);
    const run = neumannSeries(sys, Float64Array.from(b.data), {oneNorm: 1, weightedInfNorm}, epsilon,
      {transposed: false, maxWork: Infinity, certified: true});
    for (const k of columns) out.set(k, run.x[k]);
    return out;
  }
  for (const k of columns) {
    const state = push(sys, {indices: Int32Array.of(k), values: Float64Array.of(1)}, 'backward',
      {threshold: null, done: s => s.residualOneNorm * xInf <= epsilon, maxWork: Infinity});
    let v = 0;
    state.estimate.forEach((qu, u) => { v += qu * b.data[u]; });
    out.set(k, v);
  }
  return out;
}
