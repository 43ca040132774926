/**
 * Dense solves on the active backend: LU on A and Cholesky on S (lib/problems.ts), forward
 * (`ls.linearSolve` + reading x back) and forward + backward (`tf.grads` of Σ wᵢxᵢ with respect
 * to the matrix and b, both gradients read back), for each size.
 *
 * Sizes run in ascending order; each case's time is estimated from the smaller sizes of the
 * same method and phase (t ∝ nᵖ, p fitted to the last two sizes) and skipped when over the
 * budget. The forward and the forward + backward of one size run interleaved (measure.ts), so
 * that the backward's cost, their difference, is measured under one load.
 */
import * as tf from '@tensorflow/tfjs';
import * as ls from '../../src';
import {Budget, countReadbacks, Estimate, extrapolate, fmtMs, Measured, measureInterleaved, now, RunInfo} from '../lib/measure';
import {DenseProblem, denseProblem} from '../lib/problems';
import {Config, denseKey, OurResult, Phase} from '../lib/types';

type Method = 'lu' | 'cholesky';

interface DenseRun extends RunInfo {status: string; relativeResidual: number; readbacks: number}

/** Builds the run of one case; returns it with a dispose for its tensors. */
function makeRun(problem: DenseProblem, method: Method, phase: Phase): {run: () => DenseRun; dispose: () => void} {
  const n = problem.n;
  const M = tf.tensor2d(method === 'lu' ? problem.A : problem.S, [n, n]);
  const b = tf.tensor1d(problem.b);
  const w = tf.tensor1d(problem.w);
  const dispose = () => tf.dispose([M, b, w]);
  if (phase === 'forward') {
    return {dispose, run: () => {
      const {value: r, readbacks} = countReadbacks(() => ls.linearSolve(M, b, {method}));
      r.x.dataSync();
      r.x.dispose();
      return {status: r.status, relativeResidual: r.relativeResidual, readbacks};
    }};
  }
  let last = {status: '', relativeResidual: NaN};
  const grad = tf.grads((a: tf.Tensor, bb: tf.Tensor) => {
    const r = ls.linearSolve(a, bb, {method});
    last = {status: r.status, relativeResidual: r.relativeResidual};
    return tf.sum(tf.mul(r.x, w));
  });
  return {dispose, run: () => {
    const {value: grads, readbacks} = countReadbacks(() => grad([M, b]));
    grads.forEach(g => g.dataSync());
    tf.dispose(grads);
    return {...last, readbacks};
  }};
}

function toResult(backend: string, method: Method, phase: Phase, n: number, m: Measured<DenseRun>): OurResult {
  const base = {family: 'dense' as const, key: denseKey(method, n, phase), backend, method, phase, n};
  if (m.skipped) return {...base, skipped: true, reason: m.reason, estimate: m.estimate, notes: m.notes};
  return {...base, skipped: false, medianMs: m.medianMs, runsMs: m.runsMs, warmupMs: m.warmupMs, coldOnly: m.coldOnly,
    readbacks: m.info.readbacks, status: m.info.status, relativeResidual: m.info.relativeResidual,
    tensorsLeakedPerRun: m.tensorsLeakedPerRun, estimate: m.estimate, notes: m.notes};
}

export interface DenseProbe {backend: string; method: Method; phase: Phase; n: number; ms: number}

export function runDense(backend: string, problems: DenseProblem[], config: Config, budget: Budget,
    probes: DenseProbe[]): OurResult[] {
  const results: OurResult[] = [];
  const phases = ['forward', 'forward+backward'] as const;
  for (const method of ['lu', 'cholesky'] as const) {
    const points: Record<Phase, {n: number; ms: number}[]> = {'forward': [], 'forward+backward': []};
    for (const problem of [...problems].sort((a, b) => a.n - b.n)) {
      const n = problem.n;
      const estimates = phases.map(phase => estimateDense(backend, method, phase, n, points[phase], budget, probes));
      const runs = phases.map(phase => makeRun(problem, method, phase));
      let measured: Measured<DenseRun>[];
      try {
        // Forward and forward + backward alternate, so that their difference (the backward)
        // is measured under the same load.
        measured = measureInterleaved(runs.map((r, i) => ({run: r.run, estimate: estimates[i]})), budget);
      } finally {
        runs.forEach(r => r.dispose());
      }
      phases.forEach((phase, i) => {
        const result = toResult(backend, method, phase, n, measured[i]);
        results.push(result);
        if (!result.skipped && result.medianMs != null) points[phase].push({n, ms: result.medianMs});
        console.log(`  ${method} n=${n} ${phase}: ` + (result.skipped ? result.reason :
          `${fmtMs(result.medianMs)} (${result.runsMs?.length} runs, ${result.readbacks} readbacks, ${result.status})`));
      });
    }
  }
  return results;
}

/**
 * The estimate of one case from the smaller sizes of its method and phase. When one measured
 * size leaves it in doubt (p = 3 says over the budget, p = 2 under), a probe at twice that size
 * (one run, kept out of the tables) fits the exponent first.
 */
function estimateDense(backend: string, method: Method, phase: Phase, n: number, points: {n: number; ms: number}[],
    budget: Budget, probes: DenseProbe[]): Estimate | undefined {
  let estimate = extrapolate(points, n);
  if (estimate == null || points.length !== 1 || estimate.ms <= budget.oneRunMs ||
      (extrapolate(points, n, 2)?.ms ?? Infinity) > budget.oneRunMs) {
    return estimate;
  }
  const probeN = 2 * points[0].n;
  const probeEstimate = extrapolate(points, probeN);
  if (probeN >= n || probeEstimate == null || probeEstimate.ms > budget.oneRunMs) return estimate;
  const {run, dispose} = makeRun(denseProblem(probeN), method, phase);
  try {
    const t0 = now();
    run();
    const ms = now() - t0;
    points.push({n: probeN, ms});
    probes.push({backend, method, phase, n: probeN, ms});
  } finally {
    dispose();
  }
  estimate = extrapolate(points, n);
  return estimate;
}
