/**
 * cᵀx* by random walks, alone or after a backward push (the bidirectional estimator of
 * Lofgren, Banerjee & Goel, BiPPR, arXiv 1507.08705, generalised by Kwok, Wei & Yang,
 * ITCS 2026). For any fixed q, with s = c − Aᵀq,
 *
 *     cᵀx* = qᵀb + sᵀx*,
 *
 * and sᵀx* is estimated without bias by drawing v from a fixed law π (∝ |s|, mixed with a
 * uniform share over the columns that s depends on, so that gradients reach all of them) and a
 * walk estimate X of x*ᵥ (absorptionWalk.ts): Y = (sᵥ/πᵥ)·X, |Y| ≤ R = maxᵥ|sᵥ|/πᵥ · ‖b‖∞/δ_r.
 * Plain random walks are the case q = 0, s = c. Hoeffding: N = ⌈2R² ln(2/p)/ε²⌉ walks give
 * |estimate − cᵀx*| ≤ ε with probability ≥ 1 − p. Walks are cut at a length L with
 * R(1 − β_r)^L ≪ ε/20, a bias included in the bound. Pushing first shrinks ‖s‖₁ and with it the
 * walks needed (by ‖s‖₁²).
 *
 * Gradients (unbiased): q and π are held fixed (stop-gradient); s = c − Aᵀq carries
 * ∂sᵥ/∂a_uv = −q_u; each walk adds its stop-gradient importance derivative.
 */
import {reportFailure} from './EstimateOptions';
import {HostEstimate, HostGradient, accumulate} from './differentiable';
import {AbsorptionWalker, WalkGradient, chainWalkGradient} from './absorptionWalk';
import {Query} from './Query';
import {neededColumns} from './adjointGradient';
import {uniformStream} from '../coreApi';

/** The share of the start law spread uniformly over the columns s depends on. */
const UNIFORM_SHARE = 0.1;
/** The share of epsilon given to the truncation bias. */
const BIAS_SHARE = 1 / 20;
/** Walks drawn at least, once a push has run, so that the gradient reaches every neighbour. */
const MIN_WALKS_AFTER_PUSH = 1000;

/** The sampling law over the support of s (and its dependencies), with its bound R. */
interface StartLaw {
  nodes: Int32Array;
  weights: Float64Array;
  probabilities: Float64Array;
  cumulative: Float64Array;
  range: number;
}

export function walkEstimate(query: Query, q: Map<number, number>, s: Map<number, number>,
    pushWork: number, method: 'randomWalk' | 'bidirectional'): HostEstimate {
  const {sys, b, options} = query;
  const B = b.infNorm / sys.minDiagonalMargin;
  const law = startLaw(query, q, s, B);
  const p = 1 - options.confidence;
  const epsBias = options.epsilon * BIAS_SHARE;
  const epsStat = options.epsilon - epsBias;
  const decay = 1 - sys.rowMargin;
  // Four times the length that meets the value's bias budget: a walk's gradient grows with its
  // length, so cutting at the value's budget biased gradients by ~2% (measured); long walks are rare.
  const maxLength = law.range === 0 || decay <= 0 ? 1 :
    Math.min(1e6, 4 * Math.max(1, Math.ceil(Math.log(law.range / epsBias) / -Math.log(decay))));
  const bias = decay <= 0 ? 0 : law.range * decay ** maxLength;
  let walks = law.range === 0 ? 0 : Math.ceil((2 * law.range ** 2 * Math.log(2 / p)) / epsStat ** 2);
  if (q.size > 0) walks = Math.max(walks, MIN_WALKS_AFTER_PUSH);

  const replay = (grad: {walk: WalkGradient; s: Map<number, number>} | null, count: number) => {
    const uniform = uniformStream(options.seed);
    const walker = new AbsorptionWalker(sys, b.data, uniform, maxLength);
    let sum = 0;
    let square = 0;
    let done = 0;
    for (; done < count; done++) {
      if (grad == null && pushWork + walker.work > options.maxWork) break;
      const k = sampleIndex(law.cumulative, uniform());
      const x = walker.run(law.nodes[k]);
      const ratio = law.weights[k] / law.probabilities[k];
      const y = ratio * x;
      sum += y;
      square += y * y;
      if (grad != null) {
        accumulate(grad.s, law.nodes[k], x / (law.probabilities[k] * count));
        walker.addGradient(grad.walk, x, ratio / count);
      }
    }
    return {sum, square, done, work: walker.work};
  };

  const run = replay(null, walks);
  let qb = 0;
  q.forEach((qu, u) => { qb += qu * b.data[u]; });
  const done = run.done;
  const mean = done > 0 ? run.sum / done : 0;
  const variance = done > 1 ? Math.max(0, (run.square - done * mean * mean) / (done - 1)) : 0;
  const bound = law.range === 0 ? 0 :
    (done > 0 ? law.range * Math.sqrt((2 * Math.log(2 / p)) / done) : Infinity) + bias;
  if (done < walks) {
    reportFailure(options.onFailure, `${method}: maxWork = ${options.maxWork} ran out after ${done} of ` +
      `${walks} walks (bound ${bound.toPrecision(3)} instead of ${options.epsilon}).`);
  }
  return {
    value: qb + mean, bound, boundKind: 'probabilistic', confidence: options.confidence,
    work: pushWork + run.work + law.nodes.length + q.size, method,
    standardError: done > 0 ? Math.sqrt(variance / done) : null, walks: done,
    gradient: () => walkGradient(query, q, done, replay),
  };
}

function walkGradient(query: Query, q: Map<number, number>, count: number,
    replay: (grad: {walk: WalkGradient; s: Map<number, number>}, count: number) => unknown): HostGradient {
  const {sys, b} = query;
  const grad = {walk: {h: new Map<number, number>(), f: new Map<number, number>()}, s: new Map<number, number>()};
  if (count > 0) replay(grad, count);
  const values = new Map<number, number>();
  const db = new Map<number, number>(q);
  chainWalkGradient(sys, b.data, grad.walk, values, db);
  const {rowPtr, rowCol, rowEntry, diagPtr, diagEntry} = sys.layout;
  q.forEach((qu, u) => {
    for (let k = rowPtr[u]; k < rowPtr[u + 1]; k++) {
      const g = grad.s.get(rowCol[k]);
      if (g != null) accumulate(values, rowEntry[k], -qu * g);
    }
    const g = grad.s.get(u);
    if (g != null) for (let k = diagPtr[u]; k < diagPtr[u + 1]; k++) accumulate(values, diagEntry[k], -qu * g);
  });
  return {values, b: db};
}

function startLaw(query: Query, q: Map<number, number>, s: Map<number, number>, B: number): StartLaw {
  const nodes = new Set<number>(s.keys());
  if (q.size > 0) for (const v of neededColumns(query.sys, q)) nodes.add(v);
  const list = Int32Array.from(nodes);
  let sOne = 0;
  s.forEach(v => { sOne += Math.abs(v); });
  const mu = q.size === 0 ? 0 : sOne === 0 ? 1 : UNIFORM_SHARE;
  const weights = Float64Array.from(list, v => s.get(v) ?? 0);
  const probabilities = Float64Array.from(weights, w => (sOne > 0 ? ((1 - mu) * Math.abs(w)) / sOne : 0) + mu / list.length);
  const cumulative = new Float64Array(list.length);
  let acc = 0;
  let range = 0;
  for (let k = 0; k < list.length; k++) {
    acc += probabilities[k];
    cumulative[k] = acc;
    if (weights[k] !== 0) range = Math.max(range, (Math.abs(weights[k]) / probabilities[k]) * B);
  }
  return {nodes: list, weights, probabilities, cumulative, range};
}

/** The first k with cumulative[k] > u·total (binary search). */
function sampleIndex(cumulative: Float64Array, u: number): number {
  const target = u * cumulative[cumulative.length - 1];
  let lo = 0;
  let hi = cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cumulative[mid] > target) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
