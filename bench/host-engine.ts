/**
 * The host engine against the tf-ops paths it replaces, on the cpu and wasm backends, in one
 * process: per-iteration CG on 2-D Poisson 128² and 256² (against the plain Float32Array CSR CG
 * of bench/peers/js.ts and SciPy's cg), and dense LU n = 500 forward on wasm (against
 * ml-matrix's LU). "before" is the same build with `useHostEngine(false)`.
 *
 * Run: `npx ts-node --transpile-only bench/host-engine.ts` (about two minutes). Writes
 * bench/results/host-engine.md. SciPy is found through bench/.venv or BENCH_PEERS_PYTHON
 * (default here: python3 on PATH).
 */
import {spawnSync} from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import * as ls from '../src';
const {useHostEngine} = ls;
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

interface Row {case: string; backend: string; engine: string; ms: number; unit: string}

const rows: Row[] = [];
const log = (r: Row) => {
  rows.push(r);
  console.log(`${r.case.padEnd(22)} ${r.backend.padEnd(6)} ${r.engine.padEnd(34)} ${r.ms.toFixed(3)} ${r.unit}`);
};

/** ms per CG iteration: a fixedIterations solve of `iterations` steps, divided by them. */
function cgPerIteration(A: ls.LinearOperator, b: tf.Tensor, iterations: number, host: boolean, runs: number): number {
  const previous = useHostEngine(host);
  try {
    const ms = time(() => {
      tf.dispose(ls.solve(A, b, {method: 'cg', fixedIterations: true, maxIterations: iterations}));
    }, runs);
    return ms / iterations;
  } finally {
    useHostEngine(previous);
  }
}

async function main(): Promise<void> {
  const sizes = [128, 256];
  const problems = sizes.map(poissonProblem);
  const hostIterations = 200;

  const jsCgPerIteration = (p: (typeof problems)[number]) =>
    time(() => { csrCg32(p.csr, p.b, {kind: 'fixed', iterations: hostIterations}); }, 5) / hostIterations;
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
  const ratios: string[] = [];
  for (const backend of ['cpu', 'wasm']) {
    await tf.setBackend(backend);
    await tf.ready();
    for (const p of problems) {
      const A = ls.sparse({indices: tf.tensor2d(p.coo.indices, [p.coo.indices.length / 2, 2], 'int32'),
        values: tf.tensor1d(p.coo.values), shape: p.coo.shape, tags: ['symmetric', 'positiveDefinite']});
      const b = tf.tensor1d(p.b);
      // The plain JS CG right beside the host engine, so that both see the same machine load.
      const js = jsCgPerIteration(p);
      const after = cgPerIteration(A, b, hostIterations, true, 5);
      const opsIterations = p.m >= 256 ? 10 : 30;
      const before = cgPerIteration(A, b, opsIterations, false, 2);
      const c = `CG Poisson ${p.m}²`;
      log({case: c, backend, engine: 'before: tf-ops loop', ms: before, unit: 'ms/iteration'});
      log({case: c, backend, engine: 'after: host engine', ms: after, unit: 'ms/iteration'});
      log({case: c, backend: 'js', engine: 'plain Float32Array CSR CG (beside it)', ms: js, unit: 'ms/iteration'});
      const sp = scipy.get(p.m);
      ratios.push(`| ${c} | ${backend} | ${(before / after).toFixed(1)}× | ${(after / js).toFixed(2)}× | ` +
        `${sp != null ? (after / sp).toFixed(2) + '×' : 'n/a'} | ${sp != null ? (before / sp).toFixed(0) + '×' : 'n/a'} |`);
      tf.dispose([A.values, b]);
      A.dispose();
    }
  }

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
      `(Node ${process.version}, tfjs ${tf.version.tfjs}, ${os.cpus().length} cores shared with other jobs). ` +
      'Fastest of several runs (the machine is shared; interference only adds time); "before" is the same build with `useHostEngine(false)` (the tf-ops loops). CG per iteration is a ' +
      `fixedIterations solve (${hostIterations} iterations; 30 / 10 for the slow tf-ops loop at 128² / 256²) divided by ` +
      'its iterations, so it includes the per-solve work (reading A, building values in CSR order, uploading x). ' +
      'SciPy: scipy.sparse.linalg.cg on the same float32 CSR matrix, b = ones, fixed iterations, 1 BLAS thread.',
    '',
    `This process got ${(100 * share).toFixed(0)}% of one core over its own part of the run (CPU time / wall time; ` +
      'other jobs share the machine), so absolute times are inflated; the ratios compare runs taken side by side.',
    '',
    '| case | backend | engine | time | unit |',
    '|---|---|---|---|---|',
    ...rows.map(r => `| ${r.case} | ${r.backend} | ${r.engine} | ${r.ms.toFixed(3)} | ${r.unit} |`),
    '',
    '## Ratios',
    '',
    '| case | backend | speed-up (before / after) | after / plain JS CG | after / SciPy | before / SciPy |',
    '|---|---|---|---|---|---|',
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
