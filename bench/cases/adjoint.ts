/**
 * Implicit vs unrolled gradients of a CG solve with a fixed iteration count on the active
 * backend: time of the backward ((forward + backward) − forward) and peak tensor bytes of
 * forward + backward above what was alive before (tf.profile's peakBytes; tf.profile runs
 * separately from the timed runs).
 *
 * The forward, the implicit and the unrolled forward + backward run interleaved (lib/measure.ts),
 * so the two backwards, differences from the forward, are measured under one load.
 */
import * as tf from '@tensorflow/tfjs';
import {Budget, Estimate, fmtBytes, fmtMs, measureInterleaved} from '../lib/measure';
import {PoissonProblem} from '../lib/problems';
import {AdjointResult, cgKey, Config, OurResult} from '../lib/types';
import {backwardRun, calibrate, forwardRun, poissonTensors, PoissonTensors, RecordingCG, solveOptions} from './cg';

async function peakBytes(t: PoissonTensors, iterations: number, adjoint: 'implicit' | 'unrolled'): Promise<number> {
  const solver = new RecordingCG();
  const run = backwardRun(t, solver, solveOptions(solver, {kind: 'fixed', iterations}, iterations, adjoint));
  const check = tf.env().getBool('CHECK_COMPUTATION_FOR_ERRORS');
  tf.env().set('CHECK_COMPUTATION_FOR_ERRORS', false);
  try {
    const before = tf.memory().numBytes;
    const info = await tf.profile(() => { run(); });
    return info.peakBytes - before;
  } finally {
    tf.env().set('CHECK_COMPUTATION_FOR_ERRORS', check);
  }
}

export async function runAdjoint(backend: string, problem: PoissonProblem, config: Config, budget: Budget,
    cgResults: OurResult[]): Promise<AdjointResult> {
  const iterations = config.fixedIterations;
  const mode = {kind: 'fixed' as const, iterations};
  const result: AdjointResult = {backend, m: problem.m, n: problem.n, iterations, notes: []};
  // The CG cases' own numbers for this grid and mode serve as estimates.
  const cgForward = cgResults.find(r => r.key === cgKey(problem.m, mode, 'forward') && r.backend === backend);
  const cgImplicit = cgResults.find(r => r.key === cgKey(problem.m, mode, 'forward+backward') && r.backend === backend);
  const fromCg = (r: OurResult | undefined): Estimate | undefined => r == null ? undefined : r.skipped ? r.estimate :
    {ms: r.medianMs ?? 0, how: 'the CG case of the same grid and mode'};
  const t = poissonTensors(problem, `adjoint-${backend}-${problem.m}`);
  try {
    const calibrationIterations = 5;
    const calMs = calibrate(t, calibrationIterations, 'forward+backward', 'unrolled');
    const unrolledEstimate: Estimate = {ms: calMs * iterations / calibrationIterations,
      how: `unrolled forward + backward of ${calibrationIterations} iterations took ${fmtMs(calMs)}, × ${iterations}/${calibrationIterations}`};
    const solvers = [new RecordingCG(), new RecordingCG(), new RecordingCG()];
    // Forward, implicit and unrolled forward + backward alternate, under one load.
    const [forward, implicit, unrolled] = measureInterleaved([
      {run: forwardRun(t, solvers[0], solveOptions(solvers[0], mode, iterations)), estimate: fromCg(cgForward)},
      {run: backwardRun(t, solvers[1], solveOptions(solvers[1], mode, iterations, 'implicit')), estimate: fromCg(cgImplicit)},
      {run: backwardRun(t, solvers[2], solveOptions(solvers[2], mode, iterations, 'unrolled')), estimate: unrolledEstimate},
    ], budget);
    const take = (name: string, m: typeof forward) => {
      if (m.skipped) {
        result.notes.push(`${name}: ${m.reason}`);
        return undefined;
      }
      result.notes.push(...m.notes.map(note => `${name}: ${note}`));
      return m;
    };
    const f = take('forward', forward);
    const i = take('implicit', implicit);
    const u = take('unrolled', unrolled);
    result.forwardMs = f?.medianMs;
    result.implicitMs = i?.medianMs;
    result.unrolledMs = u?.medianMs;
    result.implicitReadbacks = i?.info.readbacks;
    result.unrolledReadbacks = u?.info.readbacks;
    if (result.forwardMs != null) {
      if (result.implicitMs != null) result.implicitBackwardMs = result.implicitMs - result.forwardMs;
      if (result.unrolledMs != null) result.unrolledBackwardMs = result.unrolledMs - result.forwardMs;
    }
    if (result.implicitMs != null) result.implicitPeakBytes = await peakBytes(t, iterations, 'implicit');
    if (result.unrolledMs != null) result.unrolledPeakBytes = await peakBytes(t, iterations, 'unrolled');
  } finally {
    t.dispose();
  }
  console.log(`  adjoints, poisson ${problem.m}², ${iterations} fixed iterations: forward ${fmtMs(result.forwardMs)}, ` +
    `implicit backward ${fmtMs(result.implicitBackwardMs)} (peak ${fmtBytes(result.implicitPeakBytes)}), ` +
    `unrolled backward ${fmtMs(result.unrolledBackwardMs)} (peak ${fmtBytes(result.unrolledPeakBytes)})`);
  return result;
}
