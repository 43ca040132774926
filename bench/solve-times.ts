/**
 * Solve times of tfjs-linsolve on every available Node backend ('cpu' and, when
 * @tensorflow/tfjs-node loads, 'tensorflow'):
 *
 *   (a) dense n = 500: LU forward, LU forward + backward (tf.grads w.r.t. A and b), Cholesky
 *       forward on AᵀA + nI;
 *   (b) sparse 2-D Poisson on an m×m grid (m = 256: 65 536 unknowns; m = 128 with --quick), b =
 *       ones: CG forward, and forward + backward through the implicit adjoint (gradients w.r.t.
 *       the sparse values and b), at rtol 1e-5 and at rtol 1e-3 (see "float32 floor" below);
 *
 * then where the time goes (per-iteration kernel breakdown of CG from tf.profile, the sparse
 * product alone, LU factorisation vs triangular solves) and plain-JavaScript references
 * (typed-array LU and CSR CG: the floor for JavaScript; TensorFlow's own MatrixSolve).
 *
 * float32 floor: x* = A⁻¹·1 of the unscaled Poisson matrix reaches ≈ 0.074·(m+1)², so the
 * exact solution rounded to float32 already has ‖b − A·fl(x*)‖/‖b‖ ≈ 8e-5 (m = 128) and
 * 3e-4 (m = 256). rtol 1e-5 cannot be met in float32; the run shows what the solver does then.
 *
 * Run: `npm run bench` (or `npm run bench -- --quick`). See bench/README.md.
 *
 * Flags / environment:
 *   --quick              or BENCH_QUICK=1          Poisson m = 128 instead of 256
 *   --backend=NAME[,..]  or BENCH_BACKENDS=a,b     only these backends ('cpu', 'tensorflow')
 *   --no-profile         or BENCH_PROFILE=0        skip "where the time goes"
 *   BENCH_CG_MAX_ITERATIONS (default 2000)         iteration cap of the CG cases (10·n otherwise)
 *   BENCH_CG_BUDGET_S       (default 60)           lower the cap further so that one CG solve
 *                                                  takes about this long at the calibrated
 *                                                  ms/iteration; a capped run says so
 *   BENCH_OUT               (default bench/results/solve-times.json)
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import * as ls from '../src';
import {poisson2d} from '../src/gallery/poisson2d';

// ---------------------------------------------------------------------------------------------
// Configuration

const argv = process.argv.slice(2);
const QUICK = argv.includes('--quick') || process.env.BENCH_QUICK === '1';
const PROFILE = !(argv.includes('--no-profile') || process.env.BENCH_PROFILE === '0');
const BACKEND_FILTER = (argv.find(a => a.startsWith('--backend='))?.slice('--backend='.length) ??
  process.env.BENCH_BACKENDS ?? '').split(',').map(s => s.trim()).filter(s => s.length > 0);
const CG_MAX_ITERATIONS = Number(process.env.BENCH_CG_MAX_ITERATIONS ?? 2000);
const CG_BUDGET_MS = 1000 * Number(process.env.BENCH_CG_BUDGET_S ?? 60);
const OUT = process.env.BENCH_OUT ?? path.join(__dirname, 'results', 'solve-times.json');

const DENSE_N = 500;
const POISSON_M = QUICK ? 128 : 256;
/** The tolerance asked for, and one above the float32 floor of this problem. */
const CG_TOLERANCES = [1e-5, 1e-3];
/** Timed runs after the warm-up: 5, or 1 when a run takes over 5 s, or 0 over 60 s. */
const RUNS_FAST = 5;
const SLOW_RUN_MS = 5_000;
const VERY_SLOW_RUN_MS = 60_000;
/** Iterations of the calibration run that warms a CG case up and measures ms/iteration. */
const CALIBRATION_ITERATIONS = 20;

// ---------------------------------------------------------------------------------------------
// Backends

interface BackendInfo {name: string; available: boolean; reason?: string; version?: string}

function loadTfjsNode(): BackendInfo {
  if (process.env.TF_CPP_MIN_LOG_LEVEL == null) process.env.TF_CPP_MIN_LOG_LEVEL = '2';
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const node = require('@tensorflow/tfjs-node') as {version?: {'tfjs-node'?: string}};
    if (tf.findBackend('tensorflow') == null) {
      return {name: 'tensorflow', available: false,
        reason: "tfjs-node loaded but registered no 'tensorflow' backend (two copies of @tensorflow/tfjs-core?)"};
    }
    return {name: 'tensorflow', available: true, version: node.version?.['tfjs-node']};
  } catch (error) {
    const message = String((error as Error)?.message ?? error).split('\n')[0];
    return {name: 'tensorflow', available: false,
      reason: `require('@tensorflow/tfjs-node') failed: ${message} (run \`npm run setup\`)`};
  }
}

// ---------------------------------------------------------------------------------------------
// Measurement helpers

/** What one run reports besides its time. */
interface RunInfo {
  status?: string;
  iterations?: number;
  relativeResidual?: number;
  /** The backward (transposed) solve of a forward + backward case. */
  backwardStatus?: string;
  backwardIterations?: number;
  backwardRelativeResidual?: number;
}

interface CaseResult extends RunInfo {
  backend: string;
  problem: string;
  method: string;
  phase: 'forward' | 'forward+backward';
  n: number;
  rtol?: number;
  maxIterations?: number;
  /** Median of the timed runs (or the one run, when only one ran), ms. */
  medianMs: number;
  runsMs: number[];
  warmupMs: number;
  /** Median time over forward (+ backward) iterations, ms. */
  msPerIteration?: number;
  /**
   * tf.memory().numTensors before the warm-up, after it and after the timed runs (lazily built
   * layouts may appear in the warm-up; anything added by the timed runs is a leak).
   */
  tensors: {beforeWarmup: number; afterWarmup: number; after: number; leakedPerRun: number};
  notes: string[];
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

function now(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

type Measured = {info: RunInfo; warmupMs: number; runsMs: number[]; medianMs: number; notes: string[];
  tensors: CaseResult['tensors']};

/**
 * Times `run`, which must free everything it creates: one warm-up (`warmup`, or `run` itself),
 * then up to `maxRuns` timed runs — one when a run takes over 5 s; none when the warm-up was a
 * full run that took over 60 s (it is then the measurement, and the notes say so).
 */
function measure(run: () => RunInfo, warmup?: () => RunInfo, maxRuns = RUNS_FAST): Measured {
  const notes: string[] = [];
  const beforeWarmup = tf.memory().numTensors;
  let t0 = now();
  let info = (warmup ?? run)();
  const warmupMs = now() - t0;
  const afterWarmup = tf.memory().numTensors;
  const runsMs: number[] = [];
  if (warmup == null && warmupMs > VERY_SLOW_RUN_MS) {
    notes.push(`one run only: it took ${(warmupMs / 1000).toFixed(0)} s (> 60 s), so this is the warm-up run`);
    runsMs.push(warmupMs);
  } else {
    let runs = maxRuns;
    for (let i = 0; i < runs; i++) {
      t0 = now();
      info = run();
      const ms = now() - t0;
      runsMs.push(ms);
      if (i === 0 && ms > SLOW_RUN_MS && runs > 1) {
        runs = 1;
        notes.push(`one timed run after the warm-up: a run takes ${(ms / 1000).toFixed(1)} s (> 5 s)`);
      }
    }
  }
  const after = tf.memory().numTensors;
  return {info, warmupMs, runsMs, medianMs: median(runsMs), notes,
    tensors: {beforeWarmup, afterWarmup, after, leakedPerRun: (after - afterWarmup) / runsMs.length}};
}

/** A seeded uniform [0, 1) generator (mulberry32), so both backends see the same data. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function uniform(count: number, seed: number, lo = -1, hi = 1): Float32Array {
  const r = rng(seed);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = lo + (hi - lo) * r();
  return out;
}

/** A = 2I + R/√n, R uniform in [−1, 1]: eigenvalues in a disc of radius ≈ 0.58 around 2. */
function wellConditioned(n: number, seed: number): Float32Array {
  const a = uniform(n * n, seed);
  const s = 1 / Math.sqrt(n);
  for (let i = 0; i < n * n; i++) a[i] *= s;
  for (let i = 0; i < n; i++) a[i * n + i] += 2;
  return a;
}

/** A CG that records what each of its solves reported (the backward solve included). */
class RecordingCG extends ls.CGSolver {
  log: ls.SolverResult[] = [];

  compute(state: ls.SolverState, b: tf.Tensor, options: ls.SolverOptions): ls.SolverResult {
    const result = super.compute(state, b, options);
    this.log.push(result);
    return result;
  }
}

function record(backend: string, problem: string, method: string, phase: CaseResult['phase'], n: number,
    m: Measured, extra: Partial<CaseResult> = {}): CaseResult {
  const its = (m.info.iterations ?? 0) + (m.info.backwardIterations ?? 0);
  return {backend, problem, method, phase, n, ...extra, ...m.info, medianMs: m.medianMs, runsMs: m.runsMs,
    warmupMs: m.warmupMs, msPerIteration: method === 'cg' && its > 0 ? m.medianMs / its : undefined,
    tensors: m.tensors, notes: m.notes};
}

// ---------------------------------------------------------------------------------------------
// (a) Dense n = 500

function denseCases(backend: string, denseA: Float32Array, rhs: Float32Array, weights: Float32Array): CaseResult[] {
  const n = DENSE_N;
  const A = tf.tensor2d(denseA, [n, n]);
  const b = tf.tensor1d(rhs);
  const w = tf.tensor1d(weights);
  const S = tf.tidy(() => tf.add(tf.matMul(A, A, true, false), tf.mul(tf.eye(n), n)));
  const results: CaseResult[] = [];
  const problem = `dense n=${n}`;
  const log = (r: CaseResult) => {
    console.log(`  ${r.method} ${r.phase}: ${fmtMs(r.medianMs)} (${r.status})`);
    results.push(r);
  };
  try {
    const luForward = (): RunInfo => {
      const r = ls.linearSolve(A, b, {method: 'lu'});
      r.x.dataSync();
      r.x.dispose();
      return {status: r.status, iterations: r.iterations, relativeResidual: r.relativeResidual};
    };
    log(record(backend, problem, 'lu', 'forward', n, measure(luForward)));

    const luBackward = (): RunInfo => {
      let info: RunInfo = {};
      const grads = tf.grads((a: tf.Tensor, bb: tf.Tensor) => {
        const r = ls.linearSolve(a, bb, {method: 'lu'});
        info = {status: r.status, iterations: r.iterations, relativeResidual: r.relativeResidual};
        return tf.sum(tf.mul(r.x, w));
      });
      const [dA, db] = grads([A, b]);
      dA.dataSync();
      db.dataSync();
      tf.dispose([dA, db]);
      return info;
    };
    log(record(backend, problem, 'lu', 'forward+backward', n, measure(luBackward)));

    const cholesky = (): RunInfo => {
      const r = ls.linearSolve(S, b, {method: 'cholesky'});
      r.x.dataSync();
      r.x.dispose();
      return {status: r.status, iterations: r.iterations, relativeResidual: r.relativeResidual};
    };
    log(record(backend, `dense AᵀA+nI n=${n}`, 'cholesky', 'forward', n, measure(cholesky)));
  } finally {
    tf.dispose([A, b, w, S]);
  }
  return results;
}

// ---------------------------------------------------------------------------------------------
// (b) Sparse 2-D Poisson, CG

/** A Poisson operator on its own values variable, and b = ones as a variable. */
function poissonProblem(m: number, name: string) {
  const {indices, values, shape} = poisson2d(m);
  const n = shape[0];
  const indexTensor = tf.tensor2d(indices, [values.length, 2], 'int32');
  const initValues = tf.tensor1d(values);
  const initB = tf.ones([n]);
  const valuesVar = tf.variable(initValues, true, `${name}-values`);
  const bVar = tf.variable(initB, true, `${name}-b`);
  tf.dispose([initValues, initB]);
  const A = ls.sparse({indices: indexTensor, values: valuesVar, shape, tags: ['symmetric', 'positiveDefinite']});
  indexTensor.dispose();
  return {A, valuesVar, bVar, n, dispose: () => { tf.dispose([valuesVar, bVar]); A.dispose(); }};
}

function poissonCases(backend: string): CaseResult[] {
  const m = POISSON_M;
  const {A, valuesVar, bVar, n, dispose} = poissonProblem(m, `poisson-${backend}`);
  const problem = `poisson2d m=${m} (n=${n})`;
  const w = tf.tensor1d(uniform(n, 7, 0, 1));
  const solver = new RecordingCG();
  const results: CaseResult[] = [];
  try {
    // Calibrate (and warm up: sparse layouts, kernels) with a few iterations.
    const calibrate = (): RunInfo => {
      const r = ls.linearSolve(A, bVar, {method: solver, maxIterations: CALIBRATION_ITERATIONS, onFailure: 'ignore'});
      r.x.dataSync();
      r.x.dispose();
      return {iterations: r.iterations, status: r.status};
    };
    calibrate();
    const t0 = now();
    calibrate();
    const msPerIter = (now() - t0) / CALIBRATION_ITERATIONS;
    const budgetCap = Math.max(CALIBRATION_ITERATIONS, Math.floor(CG_BUDGET_MS / msPerIter));
    const cap = Math.min(10 * n, CG_MAX_ITERATIONS, budgetCap);
    const capNote = `maxIterations ${cap}` + (cap === budgetCap && budgetCap < Math.min(10 * n, CG_MAX_ITERATIONS) ?
      ` (from the ${(CG_BUDGET_MS / 1000).toFixed(0)} s budget at a calibrated ${msPerIter.toFixed(1)} ms/iteration)` :
      cap === CG_MAX_ITERATIONS ? ' (BENCH_CG_MAX_ITERATIONS; the library default is 10·n)' : '');

    for (const rtol of CG_TOLERANCES) {
      const options: ls.SolveOptions = {method: solver, rtol, maxIterations: cap, onFailure: 'ignore'};
      const forward = (): RunInfo => {
        solver.log = [];
        const r = ls.linearSolve(A, bVar, options);
        r.x.dataSync();
        r.x.dispose();
        return {status: r.status, iterations: r.iterations, relativeResidual: r.relativeResidual};
      };
      const f = record(backend, problem, 'cg', 'forward', n, measure(forward, calibrate, 3), {rtol, maxIterations: cap});
      f.notes.push(capNote);
      results.push(f);
      console.log(`  cg rtol=${rtol} forward: ${fmtMs(f.medianMs)}, ${f.iterations} iterations (${f.status})`);

      const backward = (limit: number) => (): RunInfo => {
        solver.log = [];
        const {value, grads} = tf.variableGrads(() => {
          const x = ls.solve(A, bVar, {...options, maxIterations: limit});
          return tf.sum(tf.mul(x, w)) as tf.Scalar;
        }, [valuesVar, bVar]);
        const dValues = grads[valuesVar.name];
        const db = grads[bVar.name];
        dValues.dataSync();
        db.dataSync();
        tf.dispose([value, dValues, db]);
        const [fwd, bwd] = solver.log;
        return {status: fwd?.status, iterations: fwd?.iterations, relativeResidual: fwd?.relativeResidual,
          backwardStatus: bwd?.status, backwardIterations: bwd?.iterations, backwardRelativeResidual: bwd?.relativeResidual};
      };
      const bm = measure(backward(cap), backward(CALIBRATION_ITERATIONS), 3);
      const fb = record(backend, problem, 'cg', 'forward+backward', n, bm, {rtol, maxIterations: cap});
      fb.notes.push(capNote, `backward solve Aᵀλ = w: ${bm.info.backwardIterations} iterations, ` +
        `${bm.info.backwardStatus}, relative residual ${bm.info.backwardRelativeResidual?.toExponential(1)}`);
      results.push(fb);
      console.log(`  cg rtol=${rtol} forward+backward: ${fmtMs(fb.medianMs)}, ` +
        `${fb.iterations} + ${fb.backwardIterations} iterations (${fb.status} / ${fb.backwardStatus})`);
    }
  } finally {
    w.dispose();
    dispose();
  }
  return results;
}

// ---------------------------------------------------------------------------------------------
// Where the time goes

interface KernelCost {name: string; count: number; ms: number}

/** Runs `fn` under tf.profile and returns its kernels (copied: tf reuses the profile object). */
async function profileKernels(fn: () => void): Promise<KernelCost[]> {
  const check = tf.env().getBool('CHECK_COMPUTATION_FOR_ERRORS');
  tf.env().set('CHECK_COMPUTATION_FOR_ERRORS', false);
  try {
    const info = await tf.profile(() => { fn(); });
    return info.kernels.map(k => ({name: k.name, count: 1, ms: typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0}));
  } finally {
    tf.env().set('CHECK_COMPUTATION_FOR_ERRORS', check);
  }
}

function byName(kernels: KernelCost[]): Map<string, KernelCost> {
  const out = new Map<string, KernelCost>();
  for (const k of kernels) {
    const e = out.get(k.name) ?? {name: k.name, count: 0, ms: 0};
    e.count += k.count;
    e.ms += k.ms;
    out.set(k.name, e);
  }
  return out;
}

/** Top kernels by time; 'unnamed scope' is a custom op (its time includes nested kernels). */
function top(costs: Iterable<KernelCost>, k = 8): KernelCost[] {
  return [...costs].sort((a, b) => b.ms - a.ms).slice(0, k)
    .map(c => ({name: c.name === 'unnamed scope' ? 'customOp' : c.name, count: +c.count.toFixed(2), ms: +c.ms.toFixed(3)}));
}

interface CgProfile {
  backend: string;
  problem: string;
  /** (T(k2) − T(k1)) / (k2 − k1), unprofiled, and the fixed cost of a solve around the loop. */
  msPerIteration: number;
  fixedMs: number;
  /** Registered tfjs kernels per iteration, their summed ms (profiled), custom ops per iteration. */
  kernelsPerIteration: number;
  kernelMsPerIteration: number;
  customOpsPerIteration: number;
  perIteration: KernelCost[];
  /** One sparse product A·p alone ([n, 1], no readback). */
  matvecMs: number;
}

interface LuProfile {
  backend: string;
  n: number;
  factorMs: number;
  solveMs: number;
  factorKernels: number;
  solveKernels: number;
  factorTop: KernelCost[];
  solveTop: KernelCost[];
}

function timeIt(reps: number, fn: () => void): number {
  fn();
  const t0 = now();
  for (let i = 0; i < reps; i++) fn();
  return (now() - t0) / reps;
}

async function profileCg(backend: string): Promise<CgProfile> {
  const {A, bVar, n, dispose} = poissonProblem(POISSON_M, `profile-${backend}`);
  try {
    const solveFor = (k: number) => () => {
      const r = ls.linearSolve(A, bVar, {method: 'cg', maxIterations: k, onFailure: 'ignore'});
      r.x.dataSync();
      r.x.dispose();
    };
    solveFor(5)();
    const k1 = 5;
    const k2 = backend === 'cpu' ? 25 : 105;
    const t1 = timeIt(1, solveFor(k1));
    const t2 = timeIt(1, solveFor(k2));
    const msPerIteration = (t2 - t1) / (k2 - k1);
    const p1 = byName(await profileKernels(solveFor(k1)));
    const p2 = byName(await profileKernels(solveFor(k2)));
    const perIteration: KernelCost[] = [];
    let customOps = 0;
    for (const [name, c] of p2) {
      const base = p1.get(name) ?? {name, count: 0, ms: 0};
      const count = (c.count - base.count) / (k2 - k1);
      // A custom op's time includes its nested kernels and, for the solve's own off-tape op,
      // the whole loop: count custom ops, time registered kernels only.
      if (name === 'unnamed scope') customOps += count;
      else if (count > 0) perIteration.push({name, count, ms: (c.ms - base.ms) / (k2 - k1)});
    }
    const x = tf.ones([n, 1]);
    const reps = backend === 'cpu' ? 10 : 200;
    const matvecMs = timeIt(reps, () => tf.tidy(() => { A.apply(x); }));
    x.dispose();
    return {backend, problem: `poisson2d m=${POISSON_M} (n=${n})`, msPerIteration, fixedMs: t1 - k1 * msPerIteration,
      kernelsPerIteration: perIteration.reduce((s, c) => s + c.count, 0), customOpsPerIteration: customOps,
      kernelMsPerIteration: perIteration.reduce((s, c) => s + c.ms, 0), perIteration: top(perIteration, 10),
      matvecMs};
  } finally {
    dispose();
  }
}

async function profileLu(backend: string, denseA: Float32Array, rhs: Float32Array, n: number): Promise<LuProfile> {
  const full = tf.tensor2d(denseA, [DENSE_N, DENSE_N]);
  const a = tf.tidy(() => tf.slice(full, [0, 0], [n, n]));
  const b = tf.tensor2d(rhs.subarray(0, n), [n, 1]);
  const operator = ls.dense(a);
  const solver = new ls.LUSolver();
  try {
    let state: ls.SolverState | null = null;
    let t0 = now();
    const factor = await profileKernels(() => {
      state = solver.init(operator);
      state.tensors.forEach(t => t.dataSync());
    });
    const factorMs = now() - t0;
    const s = state as unknown as ls.SolverState;
    t0 = now();
    const solve = await profileKernels(() => {
      const r = solver.compute(s, b);
      r.x.dataSync();
      r.x.dispose();
    });
    const solveMs = now() - t0;
    tf.dispose(s.tensors);
    return {backend, n, factorMs, solveMs, factorKernels: factor.length, solveKernels: solve.length,
      factorTop: top(byName(factor).values(), 6), solveTop: top(byName(solve).values(), 6)};
  } finally {
    tf.dispose([full, a, b]);
  }
}

// ---------------------------------------------------------------------------------------------
// References outside tfjs-linsolve: plain JavaScript (the floor for JS), TensorFlow's MatrixSolve

interface ReferenceResult {what: string; ms: number; iterations?: number; relativeResidual?: number}

/** LU with partial pivoting and two triangular solves, Float64Array, row-major. */
function jsLuSolve(a32: Float32Array, b32: Float32Array, n: number): Float64Array {
  const a = Float64Array.from(a32);
  const x = Float64Array.from(b32);
  for (let k = 0; k < n; k++) {
    let p = k;
    for (let i = k + 1; i < n; i++) if (Math.abs(a[i * n + k]) > Math.abs(a[p * n + k])) p = i;
    if (p !== k) {
      for (let j = 0; j < n; j++) { const t = a[k * n + j]; a[k * n + j] = a[p * n + j]; a[p * n + j] = t; }
      const t = x[k]; x[k] = x[p]; x[p] = t;
    }
    const pivot = a[k * n + k];
    for (let i = k + 1; i < n; i++) {
      const l = a[i * n + k] / pivot;
      if (l === 0) continue;
      a[i * n + k] = l;
      for (let j = k + 1; j < n; j++) a[i * n + j] -= l * a[k * n + j];
      x[i] -= l * x[k];
    }
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = x[i];
    for (let j = i + 1; j < n; j++) s -= a[i * n + j] * x[j];
    x[i] = s / a[i * n + i];
  }
  return x;
}

/** CG on a CSR matrix in Float64Array, b = ones, stopping at ‖r‖ ≤ rtol‖b‖ (recursive residual). */
function jsCsrCg(m: number, rtol: number): {iterations: number; relativeResidual: number} {
  const {indices, values, shape} = poisson2d(m);
  const n = shape[0];
  const nnz = values.length;
  const rowPtr = new Int32Array(n + 1);
  const col = new Int32Array(nnz);
  const val = new Float64Array(nnz);
  for (let e = 0; e < nnz; e++) { rowPtr[indices[2 * e] + 1]++; col[e] = indices[2 * e + 1]; val[e] = values[e]; }
  for (let i = 0; i < n; i++) rowPtr[i + 1] += rowPtr[i];
  const matvec = (v: Float64Array, out: Float64Array) => {
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let e = rowPtr[i]; e < rowPtr[i + 1]; e++) s += val[e] * v[col[e]];
      out[i] = s;
    }
  };
  const x = new Float64Array(n);
  const r = new Float64Array(n).fill(1);
  const p = Float64Array.from(r);
  const ap = new Float64Array(n);
  let rr = n;
  const stop = rtol * rtol * n;
  let it = 0;
  while (rr > stop && it < 10 * n) {
    matvec(p, ap);
    let pap = 0;
    for (let i = 0; i < n; i++) pap += p[i] * ap[i];
    const alpha = rr / pap;
    let next = 0;
    for (let i = 0; i < n; i++) { x[i] += alpha * p[i]; r[i] -= alpha * ap[i]; next += r[i] * r[i]; }
    const beta = next / rr;
    for (let i = 0; i < n; i++) p[i] = r[i] + beta * p[i];
    rr = next;
    it++;
  }
  matvec(x, ap);
  let res = 0;
  for (let i = 0; i < n; i++) res += (1 - ap[i]) ** 2;
  return {iterations: it, relativeResidual: Math.sqrt(res / n)};
}

/** ‖b − A·fl32(x*)‖/‖b‖ in exact arithmetic: what float32 can reach at best (x* from float64 CG). */
function float32Floor(m: number): number {
  const {indices, values, shape} = poisson2d(m);
  const n = shape[0];
  // x* by float64 CG to 1e-12, then round it to float32 and measure the residual in float64.
  const apply = (v: ArrayLike<number>, out: Float64Array) => {
    out.fill(0);
    for (let e = 0; e < values.length; e++) out[indices[2 * e]] += values[e] * v[indices[2 * e + 1]];
  };
  const x = new Float64Array(n);
  const r = new Float64Array(n).fill(1);
  const p = Float64Array.from(r);
  const ap = new Float64Array(n);
  let rr = n;
  for (let it = 0; it < 10 * n && rr > 1e-24 * n; it++) {
    apply(p, ap);
    let pap = 0;
    for (let i = 0; i < n; i++) pap += p[i] * ap[i];
    const alpha = rr / pap;
    let next = 0;
    for (let i = 0; i < n; i++) { x[i] += alpha * p[i]; r[i] -= alpha * ap[i]; next += r[i] * r[i]; }
    for (let i = 0; i < n; i++) p[i] = r[i] + (next / rr) * p[i];
    rr = next;
  }
  apply(Float32Array.from(x), ap);
  let res = 0;
  for (let i = 0; i < n; i++) res += (1 - ap[i]) ** 2;
  return Math.sqrt(res / n);
}

function jsReferences(denseA: Float32Array, rhs: Float32Array): ReferenceResult[] {
  const out: ReferenceResult[] = [];
  jsLuSolve(denseA, rhs, DENSE_N);
  const luRuns: number[] = [];
  for (let i = 0; i < 3; i++) { const t0 = now(); jsLuSolve(denseA, rhs, DENSE_N); luRuns.push(now() - t0); }
  out.push({what: `plain JS LU (Float64Array), dense n=${DENSE_N}`, ms: median(luRuns)});
  for (const rtol of CG_TOLERANCES) {
    jsCsrCg(POISSON_M, rtol);
    const t0 = now();
    const cg = jsCsrCg(POISSON_M, rtol);
    out.push({what: `plain JS CSR CG (Float64Array), poisson2d m=${POISSON_M}, rtol=${rtol}`, ms: now() - t0, ...cg});
  }
  return out;
}

interface NativeBackend {
  binding: {TF_ATTR_TYPE: number; TF_ATTR_BOOL: number; TF_FLOAT: number};
  executeSingleOutput(name: string, attrs: {name: string; type: number; value: unknown}[], inputs: tf.Tensor[]): tf.Tensor;
}

/** TensorFlow's MatrixSolve (one LU + solve in C++) on the same dense system: the native floor. */
function nativeMatrixSolve(denseA: Float32Array, rhs: Float32Array): ReferenceResult | null {
  const backend = tf.backend() as unknown as NativeBackend;
  if (typeof backend.executeSingleOutput !== 'function' || backend.binding == null) return null;
  const A = tf.tensor2d(denseA, [DENSE_N, DENSE_N]);
  const b = tf.tensor2d(rhs, [DENSE_N, 1]);
  const attrs = [{name: 'adjoint', type: backend.binding.TF_ATTR_BOOL, value: false},
    {name: 'T', type: backend.binding.TF_ATTR_TYPE, value: backend.binding.TF_FLOAT}];
  const run = () => { const x = backend.executeSingleOutput('MatrixSolve', attrs, [A, b]); x.dataSync(); x.dispose(); };
  const ms = median(Array.from({length: 5}, () => timeIt(1, run)));
  tf.dispose([A, b]);
  return {what: `tensorflow: native MatrixSolve (no tfjs-linsolve), dense n=${DENSE_N}`, ms};
}

// ---------------------------------------------------------------------------------------------
// Report

function fmtMs(ms: number | undefined): string {
  if (ms == null || !Number.isFinite(ms)) return '–';
  if (ms >= 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms >= 100) return `${ms.toFixed(0)} ms`;
  if (ms >= 10) return `${ms.toFixed(1)} ms`;
  return `${ms.toFixed(2)} ms`;
}

function table(results: CaseResult[]): string {
  const lines = [
    '| backend | problem | method | phase | time (median) | runs | iterations | ms/iter | status | rel. residual | tensors (leak/run) |',
    '|---|---|---|---|---:|---:|---:|---:|---|---:|---|',
  ];
  for (const r of results) {
    const method = r.rtol != null ? `${r.method} rtol=${r.rtol}` : r.method;
    const its = r.backwardIterations != null ? `${r.iterations} + ${r.backwardIterations}` : `${r.iterations ?? '–'}`;
    const status = r.backwardStatus != null ? `${r.status} / ${r.backwardStatus}` : `${r.status ?? '–'}`;
    const res = r.relativeResidual == null ? '–' : r.relativeResidual.toExponential(1) +
      (r.backwardRelativeResidual != null ? ` / ${r.backwardRelativeResidual.toExponential(1)}` : '');
    lines.push(`| ${r.backend} | ${r.problem} | ${method} | ${r.phase} | ${fmtMs(r.medianMs)} | ${r.runsMs.length} | ` +
      `${its} | ${r.msPerIteration == null ? '–' : r.msPerIteration.toFixed(2)} | ${status} | ${res} | ` +
      `${r.tensors.beforeWarmup}→${r.tensors.after} (${r.tensors.leakedPerRun}) |`);
  }
  return lines.join('\n');
}

const fmtTop = (ks: KernelCost[], k = 6) => ks.slice(0, k).map(c => `${c.name} ×${c.count} ${fmtMs(c.ms)}`).join(', ');

function profileReport(cg: CgProfile[], lu: LuProfile[]): string {
  const lines = ['CG, per iteration. ms/iter is unprofiled, (T(k₂) − T(k₁))/(k₂ − k₁); kernel times come from',
    'tf.profile (which slows kernels down) and cover registered tfjs kernels only: the sparse product is',
    'a custom op, and on tensorflow it runs a native op that tf.profile cannot see — "A·p alone" times it.', '',
    '| backend | problem | ms/iter | fixed ms/solve | A·p alone | kernels/iter | their ms/iter | top kernels per iteration |',
    '|---|---|---:|---:|---:|---:|---:|---|'];
  for (const p of cg) {
    lines.push(`| ${p.backend} | ${p.problem} | ${p.msPerIteration.toFixed(2)} | ${p.fixedMs.toFixed(1)} | ` +
      `${fmtMs(p.matvecMs)} | ${p.kernelsPerIteration} + ${p.customOpsPerIteration} custom | ` +
      `${p.kernelMsPerIteration.toFixed(2)} | ${fmtTop(p.perIteration)} |`);
  }
  lines.push('', 'LU: factorisation (solver.init) vs triangular solves + residual check (solver.compute):', '',
    '| backend | n | factor | kernels | top kernels (factor) | solve | kernels | top kernels (solve) |',
    '|---|---:|---:|---:|---|---:|---:|---|');
  for (const p of lu) {
    lines.push(`| ${p.backend} | ${p.n} | ${fmtMs(p.factorMs)} | ${p.factorKernels} | ${fmtTop(p.factorTop, 4)} | ` +
      `${fmtMs(p.solveMs)} | ${p.solveKernels} | ${fmtTop(p.solveTop, 4)} |`);
  }
  return lines.join('\n');
}

function writeJson(report: unknown): void {
  fs.mkdirSync(path.dirname(OUT), {recursive: true});
  const tmp = `${OUT}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(report, null, 2) + '\n');
  fs.renameSync(tmp, OUT);
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const started = now();
  const loadAtStart = os.loadavg();
  const tfjsNode = loadTfjsNode();
  const backends: BackendInfo[] = [
    {name: 'cpu', available: tf.findBackend('cpu') != null, reason: tf.findBackend('cpu') == null ? 'not registered' : undefined},
    tfjsNode,
  ];
  for (const b of backends) {
    if (b.available && BACKEND_FILTER.length > 0 && !BACKEND_FILTER.includes(b.name)) {
      b.available = false;
      b.reason = `not selected (--backend=${BACKEND_FILTER.join(',')})`;
    }
  }
  console.log(`tfjs-linsolve bench: dense n=${DENSE_N}; poisson2d m=${POISSON_M} (n=${POISSON_M ** 2})` +
    `${QUICK ? ' [--quick]' : ''}; CG cap ${CG_MAX_ITERATIONS} iterations / ${(CG_BUDGET_MS / 1000).toFixed(0)} s per solve`);
  for (const b of backends) {
    console.log(b.available ? `backend ${b.name}: available` : `backend ${b.name}: SKIPPED — ${b.reason}`);
  }

  const denseA = wellConditioned(DENSE_N, 1);
  const rhs = uniform(DENSE_N, 2);
  const weights = uniform(DENSE_N, 3);
  const results: CaseResult[] = [];
  const cgProfiles: CgProfile[] = [];
  const luProfiles: LuProfile[] = [];
  const references: ReferenceResult[] = [];
  const tensorCounts: Record<string, {start: number; end: number}> = {};
  for (const b of backends.filter(x => x.available)) {
    if (!(await tf.setBackend(b.name))) {
      b.available = false;
      b.reason = 'tf.setBackend failed';
      console.log(`backend ${b.name}: SKIPPED — tf.setBackend failed`);
      continue;
    }
    await tf.ready();
    const start = tf.memory().numTensors;
    console.log(`\n[${b.name}] dense n=${DENSE_N}`);
    const dense = denseCases(b.name, denseA, rhs, weights);
    results.push(...dense);
    console.log(`[${b.name}] poisson2d m=${POISSON_M} (n=${POISSON_M ** 2})`);
    results.push(...poissonCases(b.name));
    if (PROFILE) {
      console.log(`[${b.name}] where the time goes`);
      cgProfiles.push(await profileCg(b.name));
      const luMs = dense.find(r => r.method === 'lu' && r.phase === 'forward')?.medianMs ?? 0;
      luProfiles.push(await profileLu(b.name, denseA, rhs, luMs < 10_000 ? DENSE_N : 200));
    }
    const native = nativeMatrixSolve(denseA, rhs);
    if (native != null) references.push(native);
    tensorCounts[b.name] = {start, end: tf.memory().numTensors};
  }
  console.log('\n[plain JS references]');
  references.push(...jsReferences(denseA, rhs));
  const floor = float32Floor(POISSON_M);
  const wallS = (now() - started) / 1000;

  console.log('\n## Solve times\n');
  console.log(table(results));
  console.log(`\nfloat32 floor of poisson2d m=${POISSON_M}, b = ones: ‖b − A·fl32(x*)‖/‖b‖ = ${floor.toExponential(2)} ` +
    '(the exact solution rounded to float32): no float32 solver can promise a smaller relative residual.');
  if (PROFILE) {
    console.log('\n## Where the time goes\n');
    console.log(profileReport(cgProfiles, luProfiles));
  }
  console.log('\n## References (same machine, same run)\n');
  for (const r of references) {
    console.log(`- ${r.what}: ${fmtMs(r.ms)}` + (r.iterations != null ?
      `, ${r.iterations} iterations, ${(r.ms / r.iterations).toFixed(2)} ms/iter, true rel. residual ` +
      `${r.relativeResidual?.toExponential(1)}` : ''));
  }
  console.log('');
  for (const [name, t] of Object.entries(tensorCounts)) {
    console.log(`tensors on ${name}: ${t.start} at start, ${t.end} after all cases${t.end === t.start ? ' (no leak)' : ' (LEAK)'}`);
  }
  for (const b of backends.filter(x => !x.available)) console.log(`${b.name} skipped: ${b.reason}`);
  const loadAtEnd = os.loadavg();
  const load = (l: number[]) => l.map(v => v.toFixed(1)).join(' ');
  console.log(`\nwall time: ${wallS.toFixed(1)} s; load average (1, 5, 15 min) ${load(loadAtStart)} at start, ` +
    `${load(loadAtEnd)} at end, on ${os.cpus().length} CPUs`);

  const cpus = os.cpus();
  writeJson({
    date: new Date().toISOString(),
    machine: {os: `${os.type()} ${os.release()}`, platform: os.platform(), arch: os.arch(), cpus: cpus.length,
      cpuModel: cpus[0]?.model ?? 'unknown', totalMemoryGiB: +(os.totalmem() / 2 ** 30).toFixed(1),
      node: process.version, loadAverageAtStart: loadAtStart, loadAverageAtEnd: loadAtEnd},
    tfjs: tf.version,
    tfjsNode: tfjsNode.available ? tfjsNode.version ?? 'loaded' : null,
    config: {quick: QUICK, denseN: DENSE_N, poissonM: POISSON_M, poissonN: POISSON_M ** 2, cgTolerances: CG_TOLERANCES,
      cgMaxIterations: CG_MAX_ITERATIONS, cgBudgetS: CG_BUDGET_MS / 1000, profile: PROFILE},
    backends,
    results,
    float32Floor: {problem: `poisson2d m=${POISSON_M}, b = ones`, relativeResidual: floor},
    profiles: {cg: cgProfiles, lu: luProfiles},
    references,
    tensorsPerBackend: tensorCounts,
    wallTimeS: +wallS.toFixed(1),
  });
  console.log(`saved ${path.relative(process.cwd(), OUT)}`);
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
