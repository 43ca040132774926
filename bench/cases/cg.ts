/**
 * Sparse CG on the 2-D Poisson matrices (lib/problems.ts), b = ones, on the active backend:
 * for each mode (rtol 1e-5, rtol 1e-3, a fixed iteration count) the forward
 * (`ls.linearSolve(A, b, {method: 'cg', …})` + reading x back) and the forward + backward
 * (`tf.variableGrads` of Σ wᵢxᵢ with respect to the sparse values and b: the implicit adjoint's
 * one transposed CG solve).
 *
 * The forward and the forward + backward of a mode run interleaved (lib/measure.ts), so that the
 * backward, their difference, is measured under one load. Each case's time is estimated as (ms of a 10-iteration calibration solve)/10 × the iterations
 * it will need: the fixed count, or what an earlier backend needed on the same problem (the
 * bench runs tensorflow first), or else 1.5 × SciPy's count.
 */
import * as tf from '@tensorflow/tfjs';
import * as ls from '../../src';
import {CGSolver} from '../../src/extend';
import {Budget, countReadbacks, Estimate, fmtMs, Measured, measureInterleaved, now, RunInfo} from '../lib/measure';
import {PoissonProblem, trueRelativeResidual} from '../lib/problems';
import {cgKey, Config, modeLabel, OurResult, Phase} from '../lib/types';
import {Mode} from '../peers/python';

/** A CG that records what each of its solves reported (the backward solve included). */
export class RecordingCG extends CGSolver {
  log: ls.SolverResult[] = [];

  compute(state: ls.SolverState, b: tf.Tensor, options: ls.SolverOptions): ls.SolverResult {
    const result = super.compute(state, b, options);
    this.log.push(result);
    return result;
  }
}

/** A Poisson operator on its own values variable, b = ones as a variable, and w. */
export function poissonTensors(problem: PoissonProblem, name: string) {
  const nnz = problem.coo.values.length;
  const indexTensor = tf.tensor2d(problem.coo.indices, [nnz, 2], 'int32');
  const initial = [tf.tensor1d(problem.coo.values), tf.tensor1d(problem.b)];
  const valuesVar = tf.variable(initial[0], true, `${name}-values-${Date.now()}`);
  const bVar = tf.variable(initial[1], true, `${name}-b-${Date.now()}`);
  tf.dispose(initial);
  const w = tf.tensor1d(problem.w);
  const A = ls.sparse({indices: indexTensor, values: valuesVar, shape: problem.coo.shape,
    tags: ['symmetric', 'positiveDefinite']});
  indexTensor.dispose();
  return {A, valuesVar, bVar, w, dispose: () => { tf.dispose([valuesVar, bVar, w]); A.dispose(); }};
}

export type PoissonTensors = ReturnType<typeof poissonTensors>;

interface CgRun extends RunInfo {
  status?: string;
  iterations?: number;
  relativeResidual?: number;
  backwardStatus?: string;
  backwardIterations?: number;
  backwardRelativeResidual?: number;
  readbacks: number;
  x?: Float32Array;
}

export function solveOptions(solver: ls.Solver, mode: Mode, cap: number, adjoint: 'implicit' | 'unrolled' = 'implicit'):
    ls.SolveOptions {
  return mode.kind === 'fixed' ?
    {method: solver, adjoint, fixedIterations: true, maxIterations: mode.iterations, onFailure: 'ignore'} :
    {method: solver, adjoint, rtol: mode.rtol, maxIterations: cap, onFailure: 'ignore'};
}

export function forwardRun(t: PoissonTensors, solver: RecordingCG, options: ls.SolveOptions): () => CgRun {
  return () => {
    solver.log = [];
    const {value: r, readbacks} = countReadbacks(() => ls.linearSolve(t.A, t.bVar, options));
    const x = r.x.dataSync() as Float32Array;
    r.x.dispose();
    return {status: r.status, iterations: r.iterations, relativeResidual: r.relativeResidual, readbacks, x};
  };
}

export function backwardRun(t: PoissonTensors, solver: RecordingCG, options: ls.SolveOptions): () => CgRun {
  return () => {
    solver.log = [];
    const {value: {value, grads}, readbacks} = countReadbacks(() => tf.variableGrads(
      () => tf.sum(tf.mul(ls.solve(t.A, t.bVar, options), t.w)) as tf.Scalar, [t.valuesVar, t.bVar]));
    const dValues = grads[t.valuesVar.name];
    const db = grads[t.bVar.name];
    dValues.dataSync();
    db.dataSync();
    tf.dispose([value, dValues, db]);
    const [fwd, bwd] = solver.log;
    return {status: fwd?.status, iterations: fwd?.iterations, relativeResidual: fwd?.relativeResidual,
      backwardStatus: bwd?.status, backwardIterations: bwd?.iterations, backwardRelativeResidual: bwd?.relativeResidual,
      readbacks};
  };
}

/** ms of one solve of `iterations` fixed iterations (after a warm-up solve). */
export function calibrate(t: PoissonTensors, iterations: number, phase: Phase,
    adjoint: 'implicit' | 'unrolled' = 'implicit'): number {
  const solver = new RecordingCG();
  const mode: Mode = {kind: 'fixed', iterations};
  const options = solveOptions(solver, mode, iterations, adjoint);
  const run = phase === 'forward' ? forwardRun(t, solver, options) : backwardRun(t, solver, options);
  run();
  const t0 = now();
  run();
  return now() - t0;
}

/** Iterations an earlier backend (or a peer) needed: key → forward (+ backward) iterations. */
export type ExpectedIterations = Map<string, {forward: number; backward?: number; source: string; measured: boolean}>;

const CALIBRATION_ITERATIONS = 10;

function toResult(backend: string, problem: PoissonProblem, mode: Mode, phase: Phase, cap: number,
    m: Measured<CgRun>): OurResult {
  const base = {family: 'cg' as const, key: cgKey(problem.m, mode, phase), backend, method: 'cg', phase,
    n: problem.n, m: problem.m, mode, maxIterations: mode.kind === 'fixed' ? mode.iterations : cap};
  if (m.skipped) return {...base, skipped: true, reason: m.reason, estimate: m.estimate, notes: m.notes};
  const i = m.info;
  const its = (i.iterations ?? 0) + (phase === 'forward+backward' ? i.backwardIterations ?? 0 : 0);
  return {...base, skipped: false, medianMs: m.medianMs, runsMs: m.runsMs, warmupMs: m.warmupMs, coldOnly: m.coldOnly,
    readbacks: i.readbacks, status: i.status, iterations: i.iterations, relativeResidual: i.relativeResidual,
    trueRelativeResidual: i.x != null ? trueRelativeResidual(problem.csr, i.x, problem.b) : undefined,
    backwardStatus: i.backwardStatus, backwardIterations: i.backwardIterations,
    backwardRelativeResidual: i.backwardRelativeResidual, msPerIteration: its > 0 ? m.medianMs / its : undefined,
    tensorsLeakedPerRun: m.tensorsLeakedPerRun, estimate: m.estimate, notes: m.notes};
}

export function runCg(backend: string, problems: PoissonProblem[], config: Config, budget: Budget,
    expected: ExpectedIterations): OurResult[] {
  const results: OurResult[] = [];
  for (const problem of problems) {
    const t = poissonTensors(problem, `cg-${backend}-${problem.m}`);
    try {
      const calMs = calibrate(t, CALIBRATION_ITERATIONS, 'forward');
      const msPerIteration = calMs / CALIBRATION_ITERATIONS;
      console.log(`  poisson ${problem.m}² calibration: ${fmtMs(calMs)} for ${CALIBRATION_ITERATIONS} iterations`);
      for (const mode of config.cgModes) {
        const phases = ['forward', 'forward+backward'] as const;
        const cases = phases.map(phase => {
          const key = cgKey(problem.m, mode, phase);
          const known = expected.get(key) ?? expected.get(cgKey(problem.m, mode, 'forward'));
          const forwardIts = mode.kind === 'fixed' ? mode.iterations : known?.forward ?? 10 * problem.n;
          const backwardIts = phase === 'forward' ? 0 :
            mode.kind === 'fixed' ? mode.iterations : known?.backward ?? forwardIts;
          const its = forwardIts + backwardIts;
          const estimate: Estimate = {ms: msPerIteration * its * (phase === 'forward' ? 1 : 1.1),
            how: `${(msPerIteration).toFixed(2)} ms/iteration (calibrated) × ${its} iterations` +
              (mode.kind === 'fixed' ? '' : ` (${known?.source ?? 'no earlier count: 10·n'})`)};
          // Generous, but a runaway solve on a slow backend must not hang the bench.
          const cap = Math.min(10 * problem.n, Math.max(2000, 3 * forwardIts));
          const solver = new RecordingCG();
          const options = solveOptions(solver, mode, cap);
          const run = phase === 'forward' ? forwardRun(t, solver, options) : backwardRun(t, solver, options);
          return {key, phase, cap, run, estimate};
        });
        // Forward and forward + backward alternate (measure.ts): the backward is their difference.
        const measured = measureInterleaved(cases, budget);
        cases.forEach(({key, phase, cap}, i) => {
          const result = toResult(backend, problem, mode, phase, cap, measured[i]);
          results.push(result);
          if (!result.skipped && mode.kind === 'rtol' && !(expected.get(key)?.measured ?? false) &&
              result.iterations != null) {
            expected.set(key, {forward: result.iterations, backward: result.backwardIterations,
              source: `iterations measured on ${backend}`, measured: true});
          }
          console.log(`  cg ${problem.m}² ${modeLabel(mode)} ${phase}: ` + (result.skipped ? result.reason :
            `${fmtMs(result.medianMs)}, ${result.iterations}${result.backwardIterations != null ?
              ` + ${result.backwardIterations}` : ''} iterations, ${result.readbacks} readbacks (${result.status}` +
            `${result.backwardStatus != null ? ` / ${result.backwardStatus}` : ''})`));
        });
      }
    } finally {
      t.dispose();
    }
  }
  return results;
}
