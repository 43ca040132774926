/**
 * Classical preconditioners for CG on the gallery's 2-D diffusion family: iterations to
 * rtol 1e-5 (the true relative residual, checked every iteration), setup and solve time apart,
 * for none / Jacobi / SSOR / IC(0) / FSAI / geometric multigrid at 64² and 128²; and the cost
 * of one preconditioner application per backend against one sparse product A·x, which is what
 * decides how the triangular sweeps of SSOR and IC(0) are run (see "Triangular sweeps" in the output).
 *
 * Run: `npx ts-node --transpile-only bench/preconditioners.ts` (about two minutes on a quiet
 * 2-core machine). Writes bench/results/preconditioners.md. Times are medians of 3 runs after
 * one warm-up, on a machine shared with other jobs: ratios within one run mean more than
 * absolute numbers.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import * as ls from '../src';
import {median, now} from './lib/measure';

// eslint-disable-next-line @typescript-eslint/no-var-requires
require('@tensorflow/tfjs-backend-wasm');
let nativeLoaded = true;
try {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  require('@tensorflow/tfjs-node');
} catch {
  nativeLoaded = false;
}

const RTOL = 1e-5;
const SIZES = [64, 128];
const PROBLEMS: {label: string; build: (m: number) => ls.GridMatrix}[] = [
  {label: 'Poisson (σ = 0)', build: m => ls.diffusion2d({m, sigma: 0})},
  {label: 'log-normal σ = 1', build: m => ls.diffusion2d({m, sigma: 1, seed: ls.splitSeed('test', 0)})},
  {label: 'log-normal σ = 3', build: m => ls.diffusion2d({m, sigma: 3, seed: ls.splitSeed('test', 0)})},
  {label: 'anisotropic ε = 1e-2, θ = π/6', build: m => ls.anisotropicDiffusion2d({m, epsilon: 1e-2, angle: Math.PI / 6})},
];
const METHODS = ['none', 'jacobi', 'ssor', 'ic0', 'fsai', 'multigrid'] as const;
type Method = typeof METHODS[number];

function operatorOf(G: ls.GridMatrix): {A: ls.SparseOperator; free: () => void} {
  const indices = tf.tensor2d(G.indices, [G.values.length, 2], 'int32');
  const values = tf.tensor1d(G.values);
  const A = ls.sparse({indices, values, shape: G.shape, tags: G.tags});
  return {A, free: () => { tf.dispose([indices, values]); A.dispose(); }};
}

/** Builds the preconditioner (timed as setup); 'jacobi' and 'none' need none beyond diag(A). */
function setup(method: Method, A: ls.SparseOperator, G: ls.GridMatrix): {M: ls.SolveOptions['preconditioner']; free: () => void} {
  if (method === 'none') return {M: undefined, free: () => undefined};
  if (method === 'jacobi') return {M: 'jacobi', free: () => undefined};
  if (method === 'ssor') return {M: ls.ssor(A), free: () => undefined};
  if (method === 'ic0') return {M: ls.ic0(A, {shift: 'auto'}), free: () => undefined};
  if (method === 'fsai') { const M = ls.fsai(A); return {M, free: () => M.dispose()}; }
  const M = ls.multigrid(A, {m: G.m});
  return {M, free: () => M.dispose()};
}

function timed<T>(fn: () => T): {value: T; ms: number} {
  const t0 = now();
  const value = fn();
  return {value, ms: now() - t0};
}

interface Row {problem: string; m: number; method: Method; status: string; iterations: number; residual: number; setupMs: number; solveMs: number; msPerIteration: number}

function runCase(G: ls.GridMatrix, label: string, method: Method, runs: number): Row {
  const {A, free} = operatorOf(G);
  const b = tf.tensor1d(ls.gridRightHandSide({m: G.m, seed: ls.splitSeed('test', 0)}));
  const setups: number[] = [];
  const solves: number[] = [];
  let last: ls.LinearSolveResult | null = null;
  for (let run = 0; run <= runs; run++) {
    const s = timed(() => setup(method, A, G));
    const r = timed(() => {
      const result = ls.linearSolve(A, b, {method: 'cg', rtol: RTOL, checkEvery: 1, preconditioner: s.value.M,
        onFailure: 'ignore', maxIterations: method === 'none' ? 3000 : 20000});
      result.x.dataSync();
      return result;
    });
    if (run > 0) { setups.push(s.ms); solves.push(r.ms); }
    last?.x.dispose();
    last = r.value;
    s.value.free();
  }
  const result = last as ls.LinearSolveResult;
  result.x.dispose();
  b.dispose();
  free();
  const solveMs = median(solves);
  return {problem: label, m: G.m, method, status: result.status, iterations: result.iterations, residual: result.relativeResidual,
    setupMs: method === 'none' ? 0 : median(setups), solveMs, msPerIteration: solveMs / Math.max(1, result.iterations)};
}

/** ms per application of M against one A·x, on the active backend (median of 20 after warm-up). */
function applicationCost(G: ls.GridMatrix): Record<string, number> {
  const {A, free} = operatorOf(G);
  const x = tf.randomNormal([G.shape[0], 1], 0, 1, 'float32', 7);
  const M: Record<string, ls.LinearOperator> = {
    'A·x (reference)': A, ssor: ls.ssor(A), ic0: ls.ic0(A), fsai: ls.fsai(A), multigrid: ls.multigrid(A, {m: G.m}),
  };
  const out: Record<string, number> = {};
  for (const [name, op] of Object.entries(M)) {
    const times: number[] = [];
    for (let i = 0; i < 21; i++) {
      const t0 = now();
      const y = op.apply(x);
      y.dataSync();
      y.dispose();
      if (i > 0) times.push(now() - t0);
    }
    out[name] = median(times);
  }
  (M.fsai as ls.FsaiPreconditioner).dispose();
  (M.multigrid as ls.MultigridPreconditioner).dispose();
  x.dispose();
  free();
  return out;
}

async function main(): Promise<void> {
  const lines: string[] = [];
  const log = (s = '') => { lines.push(s); console.log(s); };
  log('# Classical preconditioners for CG on 2-D diffusion');
  log();
  log(`Generated by \`npx ts-node --transpile-only bench/preconditioners.ts\` on ${new Date().toISOString().slice(0, 10)}, ` +
    `${os.cpus()[0]?.model ?? 'unknown CPU'} (${os.cpus().length} cores, shared with other jobs), Node ${process.version}, tfjs ${tf.version.tfjs}.`);
  log();
  log('Problems from the gallery (`ls.diffusion2d`, `ls.anisotropicDiffusion2d`; coefficient seed and the Gaussian right-hand side ' +
    "from `ls.splitSeed('test', 0)`), CG to relative residual 1e-5 measured on the true residual every iteration " +
    "(`checkEvery: 1`; unpreconditioned CG capped at 3000 iterations). 'stagnated' means float32 could not reach 1e-5 on that system: the iterations are where it stopped, the residual what it reached. IC(0) with `shift: 'auto'` (no shift was needed on any of these). Multigrid: `ls.multigrid(A, {m})`, V(2,2) damped Jacobi ω = 0.8, " +
    'Galerkin coarsening to 4×4. Setup and solve are timed apart, medians of 3 runs after one warm-up.');
  const backends = ['cpu', ...(nativeLoaded ? ['tensorflow'] : [])];
  for (const backend of backends) {
    await tf.setBackend(backend);
    await tf.ready();
    log();
    log(`## Iterations and time, backend ${backend}${backend === 'cpu' ? ' (host engine: fused typed-array loop, every preconditioner applied on typed arrays inside it)' :
      ' (tf-ops loop; SSOR/IC(0) sweeps on the host, one readback and upload per application; FSAI and multigrid in tf ops)'}`);
    log();
    log('| problem | m | preconditioner | status | iterations | relative residual | setup ms | solve ms | ms / iteration |');
    log('|---|---|---|---|---|---|---|---|---|');
    for (const m of SIZES) {
      for (const {label, build} of PROBLEMS) {
        if (backend !== 'cpu' && label !== 'log-normal σ = 1') continue;
        const G = build(m);
        for (const method of METHODS) {
          if (backend !== 'cpu' && method === 'none') continue;
          const runs = method === 'none' ? 1 : 3;
          const r = runCase(G, label, method, runs);
          log(`| ${r.problem} | ${r.m} | ${r.method} | ${r.status} | ${r.iterations} | ${r.residual.toExponential(1)} | ${r.setupMs.toFixed(1)} | ${r.solveMs.toFixed(1)} | ${r.msPerIteration.toFixed(3)} |`);
        }
      }
    }
  }
  log();
  log('## Triangular sweeps: one application of M, ms, against one sparse product A·x (128², log-normal σ = 1)');
  log();
  log('SSOR and IC(0) need two sparse triangular solves per application: sequential, so they run on typed arrays. ' +
    'On cpu and wasm the data is already in host memory; on tensorflow (and webgl, webgpu) each application reads the ' +
    'residual back and uploads the result. The alternative, level scheduling in tf ops, needs 2m − 1 = 255 dependent ' +
    'levels per sweep on this grid, each a gather, product, sum and update (about 5 ops, ≥ 25 µs each on tfjs-node): ' +
    '≈ 2 × 255 × 5 × 25 µs ≈ 64 ms per application, against the host sweep below. It was not built.');
  log();
  const G = ls.diffusion2d({m: 128, sigma: 1, seed: ls.splitSeed('test', 0)});
  const costs: Record<string, Record<string, number>> = {};
  for (const backend of ['cpu', 'wasm', ...(nativeLoaded ? ['tensorflow'] : [])]) {
    await tf.setBackend(backend);
    await tf.ready();
    costs[backend] = applicationCost(G);
  }
  const names = Object.keys(costs.cpu);
  log(`| backend | ${names.join(' | ')} |`);
  log(`|---|${names.map(() => '---').join('|')}|`);
  for (const [backend, c] of Object.entries(costs)) log(`| ${backend} | ${names.map(n => c[n].toFixed(3)).join(' | ')} |`);
  log();
  log('For calibration, the research notes (`shared/research/learned-solvers.md` §6; SciPy/pyamg, float64, rtol 1e-6, ' +
    'ℓ = 0.05) report at 128²: Poisson — Jacobi 318, SSOR 113, IC(0) 95, FSAI 168, SA-AMG 6; log-normal σ = 1 — Jacobi 388, ' +
    'SSOR 138, IC(0) 116, FSAI 206, SA-AMG 6.');
  fs.mkdirSync(path.join(__dirname, 'results'), {recursive: true});
  fs.writeFileSync(path.join(__dirname, 'results', 'preconditioners.md'), lines.join('\n') + '\n');
}

main().catch(error => { console.error(error); process.exit(1); });
