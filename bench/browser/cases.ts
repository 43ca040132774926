/**
 * The CG cases of cg-per-backend.ts, written once for both sides: Node calls `runCgCases` with
 * the imported `@tensorflow/tfjs` and library; the page gets this file bundled by esbuild (an
 * IIFE defining the global `cgBench`) and passes the globals `tf` and `tfLinsolve` that
 * tf.min.js and tfjs-linsolve.min.js define. It imports types only, so the bundle contains
 * neither TensorFlow.js nor the library: the page measures exactly the shipped bundle.
 */
import type * as Tf from '@tensorflow/tfjs';
import type * as Ls from '../../src';

type TfModule = typeof Tf;
type LsModule = typeof Ls;

/** The three cases; `checkEvery` of 'converge' is the backend's default (10 on webgl, 5 elsewhere). */
export type CaseName = 'converge' | 'fixed' | 'check1';

export interface CaseResult {
  backend: string;
  case: CaseName;
  /** The options passed to linearSolve, as text. */
  options: string;
  /** Wall time of each timed solve (linearSolve + one readback of x), ms. */
  runsMs: number[];
  medianMs: number;
  /**
   * Median time until linearSolve returned, before the readback of x: on sync backends the
   * whole solve; on webgl the JavaScript side (kernels queued), the GPU finishing later.
   */
  dispatchMs: number;
  warmupMs: number;
  iterations: number;
  msPerIteration: number;
  /** Readbacks (dataSync/data/arraySync/array) made inside linearSolve, per solve. */
  readbacks: number;
  /** Of those, the ones of ≤ 16 elements (convergence flags, residual norms). */
  scalarReadbacks: number;
  status: string;
  relativeResidual: number;
  /** tf.memory().numTensors growth per round of timed runs of all cases (must be 0). */
  tensorsLeakedPerRun: number;
}

export interface ReadbackProbe {
  /** Median time of `tf.sum(v).dataSync()` on a resident [n] vector: one small kernel + one readback, ms. */
  scalarReadbackMs: number;
  /** Median time of `v.dataSync()` of a freshly computed [n] vector (v + 1), ms. */
  vectorReadbackMs: number;
  /** The sparse product A·p alone ([n, 1]), ms: 10 products queued, then one scalar readback, / 10. */
  productMs: number;
}

/** tf.profile of a fixed-iteration solve, per iteration. */
export interface IterationProfile {
  iterations: number;
  /** tfjs kernels per iteration (custom native ops on tfjs-node are not seen). */
  kernelsPerIteration: number;
  /** Sum of kernel times per iteration, ms (with per-kernel syncs on webgl: inflated). */
  kernelMsPerIteration: number;
  /**
   * The library's custom ops (tfjs records a customGrad as 'unnamed scope'; here the sparse
   * product), inclusive of the kernels inside them, per iteration, ms. Not in the total.
   */
  customOpMsPerIteration: number;
  /** Kernels by total time (custom ops excluded): name, calls per iteration, ms per iteration. */
  top: {name: string; perIteration: number; msPerIteration: number}[];
  /** How kernel times were measured. */
  timing: string;
}

export interface BackendRun {
  backend: string;
  n: number;
  probe: ReadbackProbe;
  profile: IterationProfile | null;
  cases: CaseResult[];
  /** Backend details (webgl flags, wasm SIMD/threads), filled in by the caller. */
  info: Record<string, unknown>;
}

export interface RunConfig {
  /** Grid side m: n = m² unknowns. */
  m: number;
  /** Timed runs per case after one warm-up (median reported). */
  runs: number;
  /** Iterations of the fixed-iteration cases. */
  fixedIterations: number;
  rtol: number;
  /** Safety cap of the converging cases (CG needs ~O(m) iterations here). */
  maxIterations: number;
  /** Fixed iterations profiled with tf.profile after the timed cases (0: none; default 10). */
  profileIterations?: number;
  /** Called between cases (progress lines). */
  log?: (line: string) => void;
}

const READ_METHODS = ['dataSync', 'data', 'arraySync', 'array'] as const;
const INSTALLED = '__cgBenchReadbackCounter';

interface Counter {
  active: boolean;
  depth: number;
  total: number;
  scalar: number;
}

/**
 * Wraps tf.Tensor.prototype.{dataSync, data, arraySync, array} once per tf instance; nested
 * calls (arraySync → dataSync) count once.
 */
function readbackCounter(tf: TfModule): Counter {
  const proto = tf.Tensor.prototype as unknown as Record<string, unknown>;
  const existing = proto[INSTALLED] as Counter | undefined;
  if (existing != null) return existing;
  const counter: Counter = {active: false, depth: 0, total: 0, scalar: 0};
  for (const name of READ_METHODS) {
    const original = proto[name] as (...args: unknown[]) => unknown;
    proto[name] = function wrapped(this: Tf.Tensor, ...args: unknown[]) {
      if (counter.active && counter.depth === 0) {
        counter.total++;
        if (this.size <= 16) counter.scalar++;
      }
      counter.depth++;
      try {
        return original.apply(this, args);
      } finally {
        counter.depth--;
      }
    };
  }
  Object.defineProperty(proto, INSTALLED, {value: counter, enumerable: false});
  return counter;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

const clock = (): number => (typeof performance !== 'undefined' ? performance.now() : Date.now());

/** Yields to the event loop (lets the page and Node breathe between solves). */
const pause = (): Promise<void> => new Promise(resolve => setTimeout(resolve, 0));

function probeReadback(tf: TfModule, A: Ls.LinearOperator, n: number): ReadbackProbe {
  const v = tf.ones([n]);
  const scalar: number[] = [];
  const vector: number[] = [];
  const product: number[] = [];
  try {
    const p = tf.reshape(v, [n, 1]);
    for (let i = 0; i < 5; i++) {
      const t0 = clock();
      const ys: Tf.Tensor[] = [];
      for (let j = 0; j < 10; j++) ys.push(A.apply(p));
      const s = tf.sum(ys[ys.length - 1]);
      s.dataSync();
      if (i >= 1) product.push((clock() - t0) / 10);
      tf.dispose([...ys, s]);
    }
    p.dispose();
    for (let i = 0; i < 12; i++) {
      let t0 = clock();
      const s = tf.sum(v);
      s.dataSync();
      if (i >= 2) scalar.push(clock() - t0);   // the first two compile shaders / warm caches
      s.dispose();
      t0 = clock();
      const w = tf.add(v, 1);
      w.dataSync();
      if (i >= 2) vector.push(clock() - t0);
      w.dispose();
    }
  } finally {
    v.dispose();
  }
  return {scalarReadbackMs: median(scalar), vectorReadbackMs: median(vector), productMs: median(product)};
}

/** Runs the three CG cases on the active backend of `tf` (already set by the caller). */
export async function runCgCases(tf: TfModule, ls: LsModule, config: RunConfig): Promise<BackendRun> {
  const backend = tf.getBackend();
  const {m} = config;
  const n = m * m;
  const counter = readbackCounter(tf);
  const A = ls.poisson2dOperator(m);
  const b = tf.ones([n]);
  const cases: {name: CaseName; options: Ls.SolveOptions}[] = [
    {name: 'converge', options: {method: 'cg', rtol: config.rtol, maxIterations: config.maxIterations, onFailure: 'ignore'}},
    {name: 'fixed', options: {method: 'cg', fixedIterations: true, maxIterations: config.fixedIterations}},
    {name: 'check1', options: {method: 'cg', rtol: config.rtol, maxIterations: config.maxIterations, checkEvery: 1, onFailure: 'ignore'}},
  ];
  const solveOnce = (options: Ls.SolveOptions) => {
    counter.active = true;
    counter.total = 0;
    counter.scalar = 0;
    counter.depth = 0;
    let result: Ls.LinearSolveResult;
    const t0 = clock();
    try {
      result = ls.linearSolve(A, b, options);
    } finally {
      counter.active = false;
    }
    const dispatch = clock() - t0;
    const readbacks = counter.total;
    const scalarReadbacks = counter.scalar;
    result.x.dataSync();                          // what a caller waits for; syncs a GPU
    const ms = clock() - t0;
    result.x.dispose();
    return {ms, dispatch, readbacks, scalarReadbacks, result};
  };
  type Run = ReturnType<typeof solveOnce>;
  const results: CaseResult[] = [];
  try {
    // One warm-up each (shader compilation, the operator's lazy layouts), then the timed runs
    // round-robin over the cases, so that a slow spell of a shared machine hits all of them.
    const warm: Run[] = [];
    for (const {options} of cases) {
      warm.push(solveOnce(options));
      await pause();
    }
    const before = tf.memory().numTensors;
    const runs: Run[][] = cases.map(() => []);
    for (let i = 0; i < config.runs; i++) {
      for (let c = 0; c < cases.length; c++) {
        runs[c].push(solveOnce(cases[c].options));
        await pause();
      }
    }
    const leaked = (tf.memory().numTensors - before) / config.runs;
    cases.forEach(({name, options}, c) => {
      const runsMs = runs[c].map(r => r.ms);
      const med = median(runsMs);
      const last = runs[c][runs[c].length - 1];
      const row: CaseResult = {
        backend, case: name,
        options: JSON.stringify(options).replace(/"/g, '').replace(/,/g, ', '),
        runsMs, medianMs: med, dispatchMs: median(runs[c].map(r => r.dispatch)), warmupMs: warm[c].ms,
        iterations: last.result.iterations,
        msPerIteration: last.result.iterations > 0 ? med / last.result.iterations : NaN,
        readbacks: last.readbacks, scalarReadbacks: last.scalarReadbacks,
        status: last.result.status, relativeResidual: last.result.relativeResidual,
        // Of all three cases together (they share A and b).
        tensorsLeakedPerRun: leaked,
      };
      results.push(row);
      config.log?.(`  ${backend} ${name}: ${med.toFixed(1)} ms, ${row.iterations} iterations, ` +
        `${row.msPerIteration.toFixed(3)} ms/iter, ${row.readbacks} readbacks, ${row.status} ` +
        `(warm-up ${warm[c].ms.toFixed(0)} ms; runs ${runsMs.map(x => x.toFixed(0)).join(', ')} ms)`);
    });
    const probe = probeReadback(tf, A, n);        // after the cases: everything warm
    const profile = await profileIterations(tf, ls, A, b, config.profileIterations ?? 10);
    return {backend, n, probe, profile, cases: results, info: {}};
  } finally {
    tf.dispose([b, A.values]);
    A.dispose();
  }
}

/** tf.profile of `iterations` fixed CG iterations (warm), aggregated per kernel name. */
async function profileIterations(tf: TfModule, ls: LsModule, A: Ls.LinearOperator, b: Tf.Tensor,
    iterations: number): Promise<IterationProfile | null> {
  if (iterations <= 0) return null;
  const info = await tf.profile(() => {
    const {x} = ls.linearSolve(A, b, {method: 'cg', fixedIterations: true, maxIterations: iterations});
    x.dataSync();
    x.dispose();
  });
  const byName = new Map<string, {count: number; ms: number}>();
  let totalMs = 0;
  let customMs = 0;
  let kernels = 0;
  for (const k of info.kernels) {
    const t = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : NaN;
    if (k.name === 'unnamed scope') {
      customMs += t;
      continue;
    }
    kernels++;
    const entry = byName.get(k.name) ?? {count: 0, ms: 0};
    entry.count++;
    entry.ms += t;
    byName.set(k.name, entry);
    totalMs += t;
  }
  const top = [...byName.entries()].sort((p, q) => q[1].ms - p[1].ms).slice(0, 6)
    .map(([name, e]) => ({name, perIteration: e.count / iterations, msPerIteration: e.ms / iterations}));
  const backendTimer = tf.backend() as unknown as {timerAvailable?: () => boolean};
  const timerAvailable = typeof backendTimer.timerAvailable === 'function' && backendTimer.timerAvailable();
  return {
    iterations, kernelsPerIteration: kernels / iterations, kernelMsPerIteration: totalMs / iterations,
    customOpMsPerIteration: customMs / iterations, top,
    timing: timerAvailable ? 'backend timer' : 'wall time with a dataSync after every kernel (tfjs has no timer here)',
  };
}

/** Page side: the browser facts worth recording for webgl and wasm. */
export function pageInfo(tf: TfModule): Record<string, unknown> {
  const env = tf.env();
  const flag = (name: string): unknown => {
    try {
      return env.get(name);
    } catch {
      return null;
    }
  };
  const info: Record<string, unknown> = {
    tfjs: tf.version.tfjs,
    userAgent: typeof navigator !== 'undefined' ? navigator.userAgent : null,
    hardwareConcurrency: typeof navigator !== 'undefined' ? navigator.hardwareConcurrency : null,
    crossOriginIsolated: (globalThis as {crossOriginIsolated?: boolean}).crossOriginIsolated ?? null,
  };
  const backend = tf.getBackend();
  if (backend === 'webgl') {
    const gl = document.createElement('canvas').getContext('webgl2');
    const ext = gl?.getExtension('WEBGL_debug_renderer_info');
    info.renderer = gl == null ? 'no webgl2 context' : String(gl.getParameter(ext != null ? ext.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
    info.WEBGL_VERSION = flag('WEBGL_VERSION');
    info.WEBGL_RENDER_FLOAT32_ENABLED = flag('WEBGL_RENDER_FLOAT32_ENABLED');
    info.WEBGL_DOWNLOAD_FLOAT_ENABLED = flag('WEBGL_DOWNLOAD_FLOAT_ENABLED');
    info.WEBGL_PACK = flag('WEBGL_PACK');
  }
  if (backend === 'wasm') {
    info.WASM_HAS_SIMD_SUPPORT = flag('WASM_HAS_SIMD_SUPPORT');
    info.WASM_HAS_MULTITHREAD_SUPPORT = flag('WASM_HAS_MULTITHREAD_SUPPORT');
  }
  return info;
}

/**
 * Page side: select `backend` ('webgl' with SwiftShader allowed, or 'wasm' with its binaries
 * under `wasmPrefix`), then run the cases. Needs the globals `tf` (with `tf.wasm` for wasm)
 * and `tfLinsolve`.
 */
export async function runInPage(backend: string, config: Omit<RunConfig, 'log'>, wasmPrefix: string): Promise<BackendRun> {
  const g = globalThis as unknown as {tf: TfModule & {wasm?: {setWasmPaths(prefix: string): void}}; tfLinsolve: LsModule};
  const tf = g.tf;
  if (backend === 'webgl') tf.env().set('SOFTWARE_WEBGL_ENABLED', true);
  if (backend === 'wasm') {
    if (tf.wasm == null) throw new Error('tf.wasm is missing: load tf-backend-wasm.min.js after tf.min.js');
    tf.wasm.setWasmPaths(wasmPrefix);
  }
  if (!(await tf.setBackend(backend))) throw new Error(`tf.setBackend('${backend}') failed`);
  await tf.ready();
  if (tf.getBackend() !== backend) throw new Error(`the active backend is ${tf.getBackend()}, not ${backend}`);
  const lines: string[] = [];
  const run = await runCgCases(tf, g.tfLinsolve, {...config, log: line => lines.push(line)});
  run.info = {...pageInfo(tf), log: lines};
  return run;
}
