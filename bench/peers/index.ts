/**
 * The peers, keyed like our cases (lib/types.ts): torch and SciPy in the Python venv
 * (`runPythonSession`, run twice by the bench and merged by `mergeSessions`), ml-matrix and the
 * plain CSR CG in this process (`runJsPeers`), and TensorFlow's MatrixSolve (`runMatrixSolve`,
 * while the tensorflow backend is active). A peer that cannot run is listed in `missing` with
 * the reason; the bench goes on.
 */
import * as os from 'os';
import * as path from 'path';
import * as fs from 'fs';
import {Budget, extrapolate, fmtMs, measure} from '../lib/measure';
import {DenseProblem, PoissonProblem, trueRelativeResidual, writeProblemFiles} from '../lib/problems';
import {cgKey, Config, denseKey, modeLabel, PeerResult} from '../lib/types';
import {csrCg32, csrCg64, loadMlMatrix, mlMatrixSolver, nativeMatrixSolve} from './js';
import {runPythonPeers} from './python';

export interface Peers {
  results: PeerResult[];
  missing: {peer: string; reason: string}[];
  versions: Record<string, string | number>;
}

/**
 * One session of the Python peers (torch, SciPy) on the same arrays, written to a temporary
 * folder. The bench runs two sessions, before and after its own cases, and keeps the faster
 * median of each case (`mergeSessions`): on a shared 2-core machine a torch run with 2 threads
 * can stall for a whole session while another process holds a core.
 */
export function runPythonSession(config: Config, dense: DenseProblem[], poisson: PoissonProblem[], budget: Budget,
    session: number): Peers {
  const peers: Peers = {results: [], missing: [], versions: {}};
  console.log(`[peers] torch, SciPy (bench/.venv), session ${session}`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfjs-linsolve-bench-'));
  try {
    const files = writeProblemFiles(dir, dense, poisson);
    const denseCases = (['lu', 'cholesky'] as const).flatMap(method =>
      (['forward', 'forward+backward'] as const).map(phase => ({method, phase})));
    const py = runPythonPeers(files, denseCases, config.cgModes, budget);
    peers.missing.push(...py.missing);
    peers.versions = {...py.versions};
    for (const r of py.results) {
      if (r.family === 'dense') {
        const variant = `${r.threads ?? 2} thread${r.threads === 1 ? '' : 's'}`;
        peers.results.push({peer: 'torch', what: r.peer, key: denseKey(r.method ?? 'lu', r.n, r.phase ?? 'forward'),
          skipped: false, medianMs: r.medianMs, runsMs: r.runsMs, coldOnly: r.coldOnly,
          trueRelativeResidual: r.trueRelativeResidual, variant, variantsMs: {[variant]: [r.medianMs]}});
      } else if (r.mode != null && r.m != null) {
        peers.results.push({peer: 'SciPy', what: r.peer, key: cgKey(r.m, r.mode, 'forward'), skipped: false,
          medianMs: r.medianMs, runsMs: r.runsMs, coldOnly: r.coldOnly, iterations: r.iterations,
          msPerIteration: r.msPerIteration ?? undefined, stop: r.stop, trueRelativeResidual: r.trueRelativeResidual,
          variant: 'SciPy', variantsMs: {SciPy: [r.medianMs]}});
      }
    }
  } finally {
    fs.rmSync(dir, {recursive: true, force: true});
  }
  for (const m of peers.missing) console.log(`  peer ${m.peer} MISSING: ${m.reason}`);
  return peers;
}

/**
 * Per case and peer, the lowest median over sessions and variants (torch's thread counts);
 * `variantsMs` keeps every one of them.
 */
export function mergeSessions(sessions: Peers[]): Peers {
  const merged: Peers = {results: [], missing: sessions[0]?.missing ?? [], versions: sessions[0]?.versions ?? {}};
  for (const s of sessions) {
    for (const r of s.results) {
      const i = merged.results.findIndex(m => m.key === r.key && m.peer === r.peer);
      if (i < 0) {
        merged.results.push({...r, variantsMs: {...r.variantsMs}});
        continue;
      }
      const best = merged.results[i];
      const all: Record<string, number[]> = {...best.variantsMs};
      for (const [variant, ms] of Object.entries(r.variantsMs ?? {})) all[variant] = [...(all[variant] ?? []), ...ms];
      merged.results[i] = {...((r.medianMs ?? Infinity) < (best.medianMs ?? Infinity) ? r : best), variantsMs: all};
    }
  }
  return merged;
}

/** The peers that run in this process: ml-matrix and the plain CSR CG. */
export function runJsPeers(config: Config, dense: DenseProblem[], poisson: PoissonProblem[], budget: Budget): Peers {
  const peers: Peers = {results: [], missing: [], versions: {}};
  // ml-matrix: LU and Cholesky, float64 JavaScript.
  console.log('[peers] ml-matrix, plain CSR CG (this process)');
  const {ml, version, reason} = loadMlMatrix();
  if (ml == null) {
    peers.missing.push({peer: 'ml-matrix', reason: reason ?? 'not loaded'});
    console.log(`  peer ml-matrix MISSING: ${reason}`);
  } else {
    peers.versions['ml-matrix'] = version ?? 'loaded';
    for (const method of ['lu', 'cholesky'] as const) {
      const points: {n: number; ms: number}[] = [];
      for (const d of [...dense].sort((a, b) => a.n - b.n)) {
        const run = mlMatrixSolver(ml, method, method === 'lu' ? d.A : d.S, d.b, d.n);
        const m = measure(run, budget, extrapolate(points, d.n));
        const what = method === 'lu' ? 'ml-matrix LuDecomposition.solve' : 'ml-matrix CholeskyDecomposition.solve';
        const key = denseKey(method, d.n, 'forward');
        if (m.skipped) {
          peers.results.push({peer: 'ml-matrix', what, key, skipped: true, reason: m.reason});
        } else {
          points.push({n: d.n, ms: m.medianMs});
          peers.results.push({peer: 'ml-matrix', what, key, skipped: false, medianMs: m.medianMs, runsMs: m.runsMs,
            coldOnly: m.coldOnly});
        }
        console.log(`  ml-matrix ${method} n=${d.n}: ${m.skipped ? m.reason : fmtMs(m.medianMs)}`);
      }
    }
  }

  // The plain CSR CG, Float32Array and Float64Array.
  for (const p of poisson) {
    const data64 = Float64Array.from(p.csr.data);
    for (const mode of config.cgModes) {
      for (const [peer, solve] of [
        ['JS CSR f32', () => csrCg32(p.csr, p.b, mode)],
        ['JS CSR f64', () => csrCg64(p.csr, p.b, mode, data64)],
      ] as const) {
        const m = measure(solve, budget);
        const key = cgKey(p.m, mode, 'forward');
        const what = `plain CG on CSR ${peer.endsWith('f32') ? 'Float32Array' : 'Float64Array'} (stops on the recursive residual)`;
        if (m.skipped) {
          peers.results.push({peer, what, key, skipped: true, reason: m.reason});
          continue;
        }
        const r = m.info;
        peers.results.push({peer, what, key, skipped: false, medianMs: m.medianMs, runsMs: m.runsMs, coldOnly: m.coldOnly,
          iterations: r.iterations, msPerIteration: r.iterations > 0 ? m.medianMs / r.iterations : undefined,
          stop: r.stop, trueRelativeResidual: trueRelativeResidual(p.csr, r.x, p.b)});
        console.log(`  ${peer} cg ${p.m}² ${modeLabel(mode)}: ${fmtMs(m.medianMs)}, ${r.iterations} iterations`);
      }
    }
  }
  return peers;
}

/** TensorFlow's MatrixSolve on each dense LU problem; call with the tensorflow backend active. */
export function runMatrixSolve(dense: DenseProblem[], budget: Budget): PeerResult[] {
  const out: PeerResult[] = [];
  for (const d of dense) {
    const native = nativeMatrixSolve(d.A, d.b, d.n);
    if (native == null) return out;
    try {
      const m = measure(native.run, budget);
      const key = denseKey('lu', d.n, 'forward');
      const what = "tfjs-node: tf.backend().executeSingleOutput('MatrixSolve', …) + dataSync";
      out.push(m.skipped ? {peer: 'MatrixSolve', what, key, skipped: true, reason: m.reason} :
        {peer: 'MatrixSolve', what, key, skipped: false, medianMs: m.medianMs, runsMs: m.runsMs, coldOnly: m.coldOnly});
      console.log(`  MatrixSolve n=${d.n}: ${m.skipped ? m.reason : fmtMs(m.medianMs)}`);
    } finally {
      native.dispose();
    }
  }
  return out;
}
