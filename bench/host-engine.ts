/**
 * The host engine against the paths it replaces, on the cpu, wasm and tensorflow backends, in
 * one process: per-iteration CG on 2-D Poisson 128² and 256² with the WebAssembly kernels and
 * with the JS loops (`useWasmKernels`), against the plain Float32Array CSR CG of
 * bench/peers/js.ts, SciPy's cg, the tf-ops loop (`useHostEngine(false)`) and, on tfjs-node, the
 * native engine; and dense LU n = 500 forward on wasm (against ml-matrix's LU).
 *
 * Run: `npx ts-node --transpile-only bench/host-engine.ts` (a few minutes; HOST_BENCH_ROUNDS
 * sets the rounds, default 5). Writes
 * bench/results/host-engine.md. SciPy is found through bench/.venv or BENCH_PEERS_PYTHON
 * (default here: python3 on PATH).
 */
import {spawnSync} from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import * as ls from '../src';
const {useHostEngine, useWasmKernels} = ls;
import {denseProblem, poissonProblem, writeProblemFiles} from './lib/problems';
import {csrCg32, loadMlMatrix, mlMatrixSolver} from './peers/js';
import {VENV, runPythonPeers} from './peers/python';
import {now} from './lib/measure';

// eslint-disable-next-line @typescript-eslint/no-var-requires
require('@tensorflow/tfjs-backend-wasm');

/**
 * Fastest of `runs` runs after one warm-up, ms. The minimum, not the median: this machine is
 * shared (load average above 10 on 2 cores while this was written), and interference only
 * ever adds time.
 */
function time(fn: () => void, runs: number): number {
  fn();
  let best = Infinity;
  for (let i = 0; i < runs; i++) {
    const t0 = now();
    fn();
    best = Math.min(best, now() - t0);
  }
  return best;
}

/**
 * The fastest of `rounds` interleaved rounds for each of `fns` (one run of each per round,
 * after one warm-up each), ms: engines compared side by side see the same load.
 */
function interleaved(fns: (() => void)[], rounds: number): number[] {
  for (const fn of fns) fn();
  const best = fns.map(() => Infinity);
  for (let r = 0; r < rounds; r++) {
    fns.forEach((fn, i) => {
      const t0 = now();
      fn();
      best[i] = Math.min(best[i], now() - t0);
    });
  }
  return best;
}

interface Row {case: string; backend: string; engine: string; ms: number; unit: string}

const rows: Row[] = [];
const log = (r: Row) => {
  rows.push(r);
  console.log(`${r.case.padEnd(22)} ${r.backend.padEnd(10)} ${r.engine.padEnd(44)} ${r.ms.toFixed(3)} ${r.unit}`);
};

/** An engine setting: host engine on/off, WebAssembly kernels on/off, and tfjs-node's CG engine. */
interface Engine {name: string; host: boolean; wasm: boolean; native?: ls.NativeEngineChoice; iterations?: number}

/** One fixedIterations CG solve of `iterations` steps under `engine`. */
function cgSolve(A: ls.LinearOperator, b: tf.Tensor, iterations: number, engine: Engine): () => void {
  return () => {
    const previousHost = useHostEngine(engine.host);
    const previousWasm = useWasmKernels(engine.wasm);
    const previousNative = engine.native != null ? ls.useNativeEngine(engine.native) : null;
    try {
      tf.dispose(ls.solve(A, b, {method: 'cg', fixedIterations: true, maxIterations: iterations}));
    } finally {
      useHostEngine(previousHost);
      useWasmKernels(previousWasm);
      if (previousNative != null) ls.useNativeEngine(previousNative);
    }
  };
}

async function main(): Promise<void> {
  const sizes = [128, 256];
  const problems = sizes.map(poissonProblem);
  const hostIterations = 200;
  const rounds = Number(process.env.HOST_BENCH_ROUNDS ?? 5);

  if (process.env.BENCH_PEERS_PYTHON == null && !fs.existsSync(path.join(VENV, 'bin', 'python'))) {
    const which = spawnSync('which', ['python3'], {encoding: 'utf8'});
    if (which.status === 0) process.env.BENCH_PEERS_PYTHON = which.stdout.trim();
  }
  const files = writeProblemFiles(fs.mkdtempSync(path.join(os.tmpdir(), 'host-engine-')), [], problems);
  const peers = runPythonPeers(files, [], [{kind: 'fixed', iterations: hostIterations}],
    {oneRunMs: 20_000, maxRuns: 7, enoughMs: 2_000}, [1]);
  const scipy = new Map<number, number>();
  for (const r of peers.results) {
    const m = (r as unknown as {m: number}).m;
    // The fastest of SciPy's runs, like ours.
    const per = Math.min(...r.runsMs) / hostIterations;
    scipy.set(m, per);
    log({case: `CG Poisson ${m}²`, backend: 'python', engine: `scipy.sparse.linalg.cg ${peers.versions.scipy}`, ms: per,
      unit: 'ms/iteration'});
  }
  for (const missing of peers.missing) console.log(`missing peer ${missing.peer}: ${missing.reason}`);

  // From here on everything runs in this process: its CPU share says how loaded the machine was.
  const wall0 = now();
  const cpu0 = process.cpuUsage();
  const load0 = os.loadavg();
  const ratios: string[] = [];
  let native = false;
  try {
    require('@tensorflow/tfjs-node');
    native = true;
  } catch (error) {
    console.log(`tfjs-node did not load (${String((error as Error).message).split('\n')[0]}): no tensorflow rows`);
  }
  const wasmOn = useWasmKernels(true);
  // 512² and 1024² on tfjs-node only: where one right-hand side might leave the host engine for
  // native kernels (1024²: 50 iterations a solve).
  const large = native ? [poissonProblem(512), poissonProblem(1024)] : [];
  for (const backend of native ? ['cpu', 'wasm', 'tensorflow'] : ['cpu', 'wasm']) {
    await tf.setBackend(backend);
    await tf.ready();
    for (const p of backend === 'tensorflow' ? [...problems, ...large] : problems) {
      const A = ls.sparse({indices: tf.tensor2d(p.coo.indices, [p.coo.indices.length / 2, 2], 'int32'),
        values: tf.tensor1d(p.coo.values), shape: p.coo.shape, tags: ['symmetric', 'positiveDefinite']});
      const b = tf.tensor1d(p.b);
      const its = p.m >= 1024 ? 50 : hostIterations;
      const engines: Engine[] = [
        {name: 'host engine, WebAssembly kernels', host: true, wasm: true, native: backend === 'tensorflow' ? 'host' : undefined},
        {name: 'host engine, JS loops', host: true, wasm: false, native: backend === 'tensorflow' ? 'host' : undefined},
        backend === 'tensorflow' ?
          {name: 'native engine (TensorFlow kernels by name)', host: true, wasm: true, native: 'native'} :
          // The slow tf-ops loop: fewer iterations.
          {name: 'tf-ops loop (useHostEngine(false))', host: false, wasm: false, iterations: p.m >= 256 ? 10 : 30},
      ];
      if (backend === 'tensorflow') engines.push({name: 'default (by shape)', host: true, wasm: true, native: true});
      // The plain JS CG right beside the engines, so that all see the same machine load.
      const jsCg = () => { csrCg32(p.csr, p.b, {kind: 'fixed', iterations: its}); };
      const fns = [...engines.map(e => cgSolve(A, b, e.iterations ?? its, e)), jsCg];
      // The per-solve work alone: a one-iteration solve on the WebAssembly-kernel engine.
      fns.push(cgSolve(A, b, 1, engines[0]));
      const ms = interleaved(fns, engines[engines.length - 1].iterations != null || p.m >= 1024 ? 3 : rounds);
      const c = `CG Poisson ${p.m}²`;
      const per = engines.map((e, i) => ms[i] / (e.iterations ?? its));
      engines.forEach((e, i) => log({case: c, backend, engine: e.name, ms: per[i], unit: 'ms/iteration'}));
      const js = ms[engines.length] / its;
      log({case: c, backend: 'js', engine: 'plain Float32Array CSR CG (beside it)', ms: js, unit: 'ms/iteration'});
      const oneIteration = ms[engines.length + 1];
      log({case: c, backend, engine: 'host engine, WebAssembly kernels, 1 iteration', ms: oneIteration, unit: 'ms/solve'});
      const sp = scipy.get(p.m);
      const vsSp = (v: number) => (sp != null ? (v / sp).toFixed(2) + '×' : 'n/a');
      const marginal = (ms[0] - oneIteration) / (its - 1);
      ratios.push(`| ${c} | ${backend} | ${per[0].toFixed(3)} | ${vsSp(per[0])} | ${marginal.toFixed(3)} | ${vsSp(marginal)} | ` +
        `${(per[1] / per[0]).toFixed(2)}× | ${(js / per[0]).toFixed(2)}× | ${(per[2] / per[0]).toFixed(2)}× |`);
      tf.dispose([A.values, b]);
      A.dispose();
    }
  }
  useWasmKernels(wasmOn);
  const load1 = os.loadavg();

  // Dense LU n = 500 on wasm, forward solve with one right-hand side.
  await tf.setBackend('wasm');
  const d = denseProblem(500);
  const M = tf.tensor2d(d.A, [500, 500]);
  const rhs = tf.tensor1d(d.b);
  const lu = (host: boolean, runs: number) => {
    const previous = useHostEngine(host);
    try {
      return time(() => { tf.dispose(ls.solve(M, rhs, {method: 'lu'})); }, runs);
    } finally {
      useHostEngine(previous);
    }
  };
  const luAfter = lu(true, 5);
  const luBefore = lu(false, 1);
  log({case: 'dense LU n = 500', backend: 'wasm', engine: 'before: tf-ops per-column LU', ms: luBefore, unit: 'ms'});
  log({case: 'dense LU n = 500', backend: 'wasm', engine: 'after: typed-array LU', ms: luAfter, unit: 'ms'});
  const {ml, version} = loadMlMatrix();
  let mlMs: number | null = null;
  if (ml != null) {
    const solve = mlMatrixSolver(ml, 'lu', d.A, d.b, 500);
    mlMs = time(() => { solve(); }, 5);
    log({case: 'dense LU n = 500', backend: 'js', engine: `ml-matrix ${version} LuDecomposition`, ms: mlMs, unit: 'ms'});
  }
  tf.dispose([M, rhs]);

  const cpu = process.cpuUsage(cpu0);
  const share = (cpu.user + cpu.system) / 1000 / (now() - wall0);
  const out = [
    '# Host engine: before / after',
    '',
    `Generated by \`npx ts-node --transpile-only bench/host-engine.ts\` on ${new Date().toISOString().slice(0, 10)} ` +
      `(Node ${process.version}, tfjs ${tf.version.tfjs}, ${os.cpus().length} cores shared with other jobs; ` +
      `load average ${load0.map(v => v.toFixed(2)).join(' / ')} at the start of the in-process part, ` +
      `${load1.map(v => v.toFixed(2)).join(' / ')} at its end). ` +
      `Fastest of ${rounds} interleaved rounds (one run of each engine per round; the machine is shared and interference only adds time). ` +
      `CG per iteration is a fixedIterations solve (${hostIterations} iterations; 50 at 1024²; 30 / 10 for the slow tf-ops loop at 128² / 256²) divided by ` +
      'its iterations, so it includes the per-solve work (reading A, laying it out, scaling b, uploading x); "marginal" ' +
      `is (T(${hostIterations}) − T(1)) / ${hostIterations - 1}, an iteration without it. ` +
      'SciPy: scipy.sparse.linalg.cg on the same float32 CSR matrix, b = ones, fixed iterations, 1 BLAS thread, in its own process just before. ' +
      'On tensorflow (tfjs-node) the host engine reads b and A with a copy; "default" is what CG picks by shape.',
    '',
    `This process got ${(100 * share).toFixed(0)}% of one core over its own part of the run (CPU time / wall time; ` +
      'other jobs share the machine), so absolute times are inflated; the ratios compare runs taken side by side.',
    '',
    '| case | backend | engine | time | unit |',
    '|---|---|---|---|---|',
    ...rows.map(r => `| ${r.case} | ${r.backend} | ${r.engine} | ${r.ms.toFixed(3)} | ${r.unit} |`),
    '',
    '## Ratios (host engine with WebAssembly kernels)',
    '',
    '| case | backend | ms/iteration | / SciPy | marginal ms/iteration | marginal / SciPy | JS loops / it | plain JS CG / it | tf-ops or native / it |',
    '|---|---|---|---|---|---|---|---|---|',
    ...ratios,
    '',
    `Dense LU n = 500 on wasm: ${(luBefore / luAfter).toFixed(0)}× faster (${luBefore.toFixed(0)} ms → ` +
      `${luAfter.toFixed(1)} ms)` + (mlMs != null ? `; ${(luAfter / mlMs).toFixed(2)}× ml-matrix's LU (${mlMs.toFixed(1)} ms).` : '.'),
    '',
  ].join('\n');
  const file = path.join(__dirname, 'results', 'host-engine.md');
  fs.writeFileSync(file, out);
  console.log(`wrote ${path.relative(process.cwd(), file)}`);
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
