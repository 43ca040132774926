/**
 * cᵀx* by the certified Jacobi–Neumann series (see neumann.ts): the whole x is computed, so
 * this is linear time. Its gradient is implicit: λ = A⁻ᵀc by the same series on Aᵀ.
 */
import {reportFailure} from './EstimateOptions';
import {HostEstimate} from './differentiable';
import {neumannSeries} from './neumann';
import {Query, denseOf, queryNorms} from './Query';
import {adjointGradient} from './adjointGradient';
import {requireDominant} from './preconditions';

export function neumannEstimate(q: Query): HostEstimate {
  const {sys, b, c, options} = q;
  const certified = sys.rowMargin > 0 || sys.colMargin > 0;
  if (!certified && options.onFailure === 'throw') requireDominant(sys, "method 'neumann'");
  const n = sys.layout.n;
  const rhs = Float64Array.from(b.data);
  const norms = queryNorms(q);
  const run = neumannSeries(sys, rhs, norms, options.epsilon, {transposed: false, maxWork: options.maxWork, certified});
  if (run.exhausted) {
    reportFailure(options.onFailure, `neumann: maxWork = ${options.maxWork} read before the bound reached epsilon ` +
      `(${run.terms} terms, bound ${run.bound.toPrecision(3)}).`);
  }
  let value = 0;
  for (let k = 0; k < c.indices.length; k++) value += c.values[k] * run.x[c.indices[k]];
  return {
    value, bound: run.bound, boundKind: certified ? 'deterministic' : 'uncertified', confidence: null,
    work: run.work + n + c.indices.length, method: 'neumann', standardError: null, walks: null,
    gradient: () => {
      // The adjoint to the same accuracy per unit of x: |δ(∂y/∂a)| ≤ |δλ|·‖x‖∞ stays ~epsilon.
      const xInf = run.x.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      const unit = {oneNorm: 1, weightedInfNorm: sys.diag.reduce((m, d) => Math.max(m, 1 / Math.abs(d)), 0)};
      const adj = neumannSeries(sys, denseOf(c, n), unit, options.epsilon / Math.max(1, xInf),
        {transposed: true, maxWork: Infinity, certified});
      const lambda = new Map<number, number>();
      adj.x.forEach((l, u) => { if (l !== 0) lambda.set(u, l); });
      return adjointGradient(sys, lambda, k => run.x[k]);
    },
  };
}
