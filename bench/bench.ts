/**
 * `npm run bench`: tfjs-linsolve against its peers, in one run, as ratios.
 *
 * On every backend available in Node (tensorflow = tfjs-node, wasm, cpu):
 *   - dense solves, n = 100, 500, 1000: LU and Cholesky, forward and forward + backward;
 *   - sparse CG on the 2-D Poisson matrix with 128² and 256² unknowns: rtol 1e-5 (the issue's
 *     tolerance, below float32's reach on these problems), rtol 1e-3 (where every solver
 *     converges) and a fixed iteration count (time per iteration), forward and forward +
 *     backward, with iterations, time per iteration, readbacks and the true residual;
 *   - implicit vs unrolled backward of a fixed-iteration CG: time and peak bytes;
 *   - on tensorflow, bench/node-engine.ts: CG per iteration by engine (native, host, tf ops)
 *     for 1 and 8 right-hand sides, dense LU against MatrixSolve and torch (1 and 2 threads),
 *     batched B = 1024, n = 16 against torch's batched solve;
 *   - in headless Chromium (bench/webgl-engine.ts, WebGL on whatever GPU Chromium finds;
 *     SwiftShader here): CG and BiCGStab per iteration, tf ops vs the WebGL engine vs a fused
 *     floor, and dense LU, tf ops vs hybrid. Skipped with the reason when Chromium cannot start.
 * Peers, same machine, same matrices: torch.linalg.solve (float32, 2 threads) and SciPy's cg
 * (float32) from bench/.venv, TensorFlow's MatrixSolve via tfjs-node, ml-matrix (JavaScript
 * float64), and a plain CSR CG on Float32Array and Float64Array.
 *
 * Every case has a time budget for one run: a case estimated over it is skipped ("skipped:
 * over budget, X s for one run"); the others are timed as the median of up to 15 runs after a
 * warm-up. Output: markdown tables and the targets' checklist on stdout, and
 * bench/results/latest.{json,md,svg} (quick.* with --quick).
 *
 *   npm run bench                          # ~6–9 min on 2 cores
 *   npm run bench -- --quick               # ~2 min: a 2 s budget per run, fewer runs
 *   npm run bench -- --backend=tensorflow  # only these backends (comma-separated)
 *   npm run bench -- --budget=30           # seconds for one run of a case (default 10, quick 2)
 *   npm run bench -- --no-peers            # skip the peers
 *   npm run bench -- --profile             # add "where the time goes" (tf.profile)
 *   npm run bench -- --no-webgl            # skip the WebGL bench in headless Chromium
 *
 * Environment: BENCH_BACKENDS, BENCH_BUDGET_S, BENCH_QUICK=1, BENCH_OUT_DIR, BENCH_PEERS_PYTHON
 * (a Python with torch, scipy, numpy, instead of bench/.venv). See bench/README.md.
 */
import {execSync} from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import {runAdjoint} from './cases/adjoint';
import {ExpectedIterations, runCg} from './cases/cg';
import {DenseProbe, runDense} from './cases/dense';
import {Budget, fmtMs, now} from './lib/measure';
import {denseProblem, float32Floor, poissonProblem} from './lib/problems';
import {AdjointResult, cgKey, Config, OurResult, PeerResult} from './lib/types';
import {mergeSessions, Peers, runJsPeers, runMatrixSolve, runPythonSession} from './peers/index';
import {Mode} from './peers/python';
import {csrCg32} from './peers/js';
import {chartSvg} from './report/chart';
import {adjointTable, cgPeerTable, cgTable, checklist, checkTargets, denseTable, footnotes, Report} from './report/markdown';
import {CgProfile, LuProfile, profileCg, profileLu, profileTable} from './report/profile';
import {NodeEngineReport, runNodeEngine} from './node-engine';
import {WebglEngineReport, runWebglEngine, webglBenchConfig} from './webgl-engine';

// ---------------------------------------------------------------------------------------------
// Configuration

function parseConfig(): Config {
  const argv = process.argv.slice(2);
  const flag = (name: string) => argv.find(a => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const quick = argv.includes('--quick') || process.env.BENCH_QUICK === '1';
  const budgetS = Number(flag('budget') ?? process.env.BENCH_BUDGET_S ?? (quick ? 2 : 10));
  const backends = (flag('backend') ?? process.env.BENCH_BACKENDS ?? 'tensorflow,wasm,cpu')
    .split(',').map(s => s.trim()).filter(s => s.length > 0);
  const fixedIterations = 100;
  const cgModes: Mode[] = [{kind: 'rtol', rtol: 1e-5}, {kind: 'rtol', rtol: 1e-3}, {kind: 'fixed', iterations: fixedIterations}];
  return {
    quick, backends,
    budget: quick ? {oneRunMs: 1000 * budgetS, maxRuns: 5, enoughMs: 300} :
      {oneRunMs: 1000 * budgetS, maxRuns: 15, enoughMs: 1500},
    denseSizes: [100, 500, 1000],
    poissonGrids: [128, 256],
    cgModes, fixedIterations, adjointGrid: 128,
    peers: !argv.includes('--no-peers'),
    profile: argv.includes('--profile'),
    outDir: process.env.BENCH_OUT_DIR ?? path.join(__dirname, 'results'),
    outName: quick ? 'quick' : 'latest',
  };
}

// ---------------------------------------------------------------------------------------------
// Backends

interface BackendInfo {name: string; available: boolean; reason?: string; version?: string}

function loadBackends(wanted: string[]): BackendInfo[] {
  if (process.env.TF_CPP_MIN_LOG_LEVEL == null) process.env.TF_CPP_MIN_LOG_LEVEL = '2';
  const infos: BackendInfo[] = [];
  for (const name of ['tensorflow', 'wasm', 'cpu']) {
    if (!wanted.includes(name)) {
      infos.push({name, available: false, reason: `not selected (--backend=${wanted.join(',')})`});
      continue;
    }
    try {
      if (name === 'tensorflow') {
        // eslint-disable-next-line @typescript-eslint/no-var-requires
        const node = require('@tensorflow/tfjs-node') as {version?: {'tfjs-node'?: string}};
        if (tf.findBackend('tensorflow') == null) throw new Error('registered no backend (two copies of tfjs-core?)');
        infos.push({name, available: true, version: node.version?.['tfjs-node']});
      } else if (name === 'wasm') {
        // eslint-disable-next-line @typescript-eslint/no-var-requires
        const wasm = require('@tensorflow/tfjs-backend-wasm') as {version_wasm?: string};
        infos.push({name, available: true, version: wasm.version_wasm});
      } else {
        infos.push({name, available: tf.findBackend('cpu') != null, version: tf.version_core});
      }
    } catch (error) {
      const message = String((error as Error)?.message ?? error).split('\n')[0];
      infos.push({name, available: false, reason: name === 'tensorflow' ?
        `require('@tensorflow/tfjs-node') failed: ${message} (run \`npm run setup\`)` : message});
    }
  }
  return infos;
}

/** Jiffies of all CPUs from /proc/stat: busy (everything but idle and iowait) and total. */
function cpuTicks(): {busy: number; total: number} | null {
  try {
    const fields = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const total = fields.reduce((a, b) => a + b, 0);
    return {busy: total - fields[3] - (fields[4] ?? 0), total};
  } catch {
    return null;
  }
}

function gitInfo(): {commit?: string; srcDirty?: boolean} {
  try {
    const commit = execSync('git rev-parse --short HEAD', {encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore']}).trim();
    const dirty = execSync('git status --porcelain -- src', {encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore']}).trim();
    return {commit, srcDirty: dirty.length > 0};
  } catch {
    return {};
  }
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const started = now();
  const loadAtStart = os.loadavg();
  const ticksAtStart = cpuTicks();
  const cpuAtStart = process.cpuUsage();
  const config = parseConfig();
  const budget: Budget = config.budget;
  const infos = loadBackends(config.backends);
  console.log(`tfjs-linsolve bench${config.quick ? ' --quick' : ''}: budget ${(budget.oneRunMs / 1000).toFixed(0)} s ` +
    `for one run of a case, up to ${budget.maxRuns} timed runs (median); load average ${loadAtStart.map(v => v.toFixed(2)).join(' ')}`);
  for (const b of infos) console.log(b.available ? `backend ${b.name}: available` : `backend ${b.name}: SKIPPED — ${b.reason}`);

  // The JavaScript peers run under the cpu backend (measure() reads tf.memory()).
  await tf.setBackend('cpu');
  await tf.ready();
  const dense = config.denseSizes.map(denseProblem);
  const poisson = config.poissonGrids.map(poissonProblem);
  const floors = poisson.map(p => ({m: p.m, relativeResidual: float32Floor(p.csr, p.b)}));
  for (const f of floors) {
    console.log(`float32 floor, poisson ${f.m}², b = ones: ‖b − A·fl32(x*)‖/‖b‖ = ${f.relativeResidual.toExponential(2)}`);
  }

  // Peers first (nothing else runs beside them), then our backends, fastest first: the
  // iterations CG needed there feed the estimates of the slower backends. torch and SciPy run
  // in two sessions, before and after tfjs-node's cases, and each case keeps its faster one.
  const pythonSessions: Peers[] = [];
  if (config.peers) pythonSessions.push(runPythonSession(config, dense, poisson, budget, 1));
  const peers: Peers = config.peers ? runJsPeers(config, dense, poisson, budget) :
    {results: [], missing: [{peer: 'all', reason: 'not run (--no-peers)'}], versions: {}};
  peers.results.push(...(pythonSessions[0]?.results ?? []));
  // Iterations the rtol cases will need, for their estimates until a backend has measured them:
  // 1.5 × SciPy's count, or the plain JS CG's (run once, untimed, when the peers did not run).
  const expected: ExpectedIterations = new Map();
  for (const p of poisson) {
    for (const mode of config.cgModes) {
      if (mode.kind !== 'rtol') continue;
      const key = cgKey(p.m, mode, 'forward');
      const scipy = peers.results.find(r => r.key === key && r.peer === 'SciPy' && r.iterations != null);
      const js = peers.results.find(r => r.key === key && r.peer === 'JS CSR f32' && r.iterations != null);
      const count = scipy?.iterations ?? js?.iterations ?? csrCg32(p.csr, p.b, mode).iterations;
      const source = scipy != null ? "1.5 × SciPy's count" : "1.5 × the plain JS CG's count";
      for (const phase of ['forward', 'forward+backward'] as const) {
        expected.set(cgKey(p.m, mode, phase), {forward: Math.ceil(1.5 * count), backward: Math.ceil(1.5 * count),
          source, measured: false});
      }
    }
  }

  const ours: OurResult[] = [];
  const adjoints: AdjointResult[] = [];
  const probes: DenseProbe[] = [];
  const cgProfiles: CgProfile[] = [];
  const luProfiles: LuProfile[] = [];
  const tensorCounts: Record<string, {start: number; end: number}> = {};
  const backendsRun: string[] = [];
  let nodeEngine: NodeEngineReport | null = null;
  for (const info of infos.filter(b => b.available)) {
    let set = false;
    try {
      set = await tf.setBackend(info.name);
      await tf.ready();
    } catch (error) {
      info.reason = String((error as Error)?.message ?? error).split('\n')[0];
    }
    if (!set) {
      info.available = false;
      info.reason = `tf.setBackend('${info.name}') failed${info.reason != null ? `: ${info.reason}` : ''}`;
      console.log(`backend ${info.name}: SKIPPED — ${info.reason}`);
      continue;
    }
    backendsRun.push(info.name);
    const start = tf.memory().numTensors;
    const t0 = now();
    if (info.name === 'tensorflow' && config.peers) {
      console.log('\n[tensorflow] peer: native MatrixSolve');
      peers.results.push(...runMatrixSolve(dense, budget));
    }
    console.log(`\n[${info.name}] dense`);
    ours.push(...runDense(info.name, dense, config, budget, probes));
    console.log(`[${info.name}] sparse CG`);
    const cg = runCg(info.name, poisson, config, budget, expected);
    ours.push(...cg);
    console.log(`[${info.name}] implicit vs unrolled`);
    const adjointProblem = poisson.find(p => p.m === config.adjointGrid);
    if (adjointProblem != null) adjoints.push(await runAdjoint(info.name, adjointProblem, config, budget, cg));
    if (config.profile) {
      console.log(`[${info.name}] where the time goes`);
      for (const p of poisson) {
        const hint = cg.find(r => r.key === cgKey(p.m, {kind: 'fixed', iterations: config.fixedIterations}, 'forward'));
        cgProfiles.push(await profileCg(info.name, p, hint?.msPerIteration ?? 100));
      }
      const lu = ours.filter(r => r.backend === info.name && r.method === 'lu' && r.phase === 'forward' && !r.skipped);
      const n = Math.max(...lu.map(r => r.n), 0);
      const problem = dense.find(d => d.n === n);
      if (problem != null) luProfiles.push(await profileLu(info.name, problem));
    }
    if (info.name === 'tensorflow') {
      console.log('[tensorflow] engines: native, host, tf ops; dense LU and batched against MatrixSolve and torch');
      nodeEngine = runNodeEngine({quick: config.quick});
    }
    tensorCounts[info.name] = {start, end: tf.memory().numTensors};
    console.log(`[${info.name}] done in ${fmtMs(now() - t0)}`);
    // The second Python session right after tfjs-node's cases, the ones the targets compare.
    if (info.name === 'tensorflow' && config.peers) {
      pythonSessions.push(runPythonSession(config, dense, poisson, budget, 2));
    }
  }

  if (config.peers) {
    if (pythonSessions.length < 2) pythonSessions.push(runPythonSession(config, dense, poisson, budget, 2));
    const python = mergeSessions(pythonSessions);
    peers.results = [...peers.results.filter(p => p.peer !== 'torch' && p.peer !== 'SciPy'), ...python.results];
    peers.missing.push(...python.missing);
    peers.versions = {...python.versions, ...peers.versions};
  }

  // Last, alone: Chromium's SwiftShader takes both cores.
  let webgl: WebglEngineReport | null = null;
  if (!process.argv.includes('--no-webgl')) {
    console.log('\n[webgl] headless Chromium: CG and BiCGStab per iteration, dense LU (bench/webgl-engine.ts)');
    try {
      webgl = await runWebglEngine({config: webglBenchConfig(config.quick), log: line => console.log(`  ${line}`)});
    } catch (error) {
      const reason = `the WebGL bench failed: ${String((error as Error)?.message ?? error).split('\n')[0]}`;
      webgl = {markdown: `Skipped: ${reason}.`, json: {skipped: reason}, skipped: reason};
    }
    if (webgl.skipped != null) console.log(`[webgl] SKIPPED — ${webgl.skipped}`);
  }

  // ------------------------------------------------------------------------------------------
  // Report

  const loadAtEnd = os.loadavg();
  const wallS = (now() - started) / 1000;
  // How busy the machine was, and how much of that was this Node process (the Python peers,
  // a child, count as others): a shared machine's other work shows up as the difference.
  const ticksAtEnd = cpuTicks();
  const cpuUsed = process.cpuUsage(cpuAtStart);
  const busyFraction = ticksAtStart != null && ticksAtEnd != null ?
    (ticksAtEnd.busy - ticksAtStart.busy) / (ticksAtEnd.total - ticksAtStart.total) : undefined;
  const selfFraction = (cpuUsed.user + cpuUsed.system) / 1e6 / wallS / os.cpus().length;
  const report: Report = {config, ours, peers: peers.results, adjoints, float32Floors: floors, backends: backendsRun};
  const checks = checkTargets(report);
  const cpus = os.cpus();
  const git = gitInfo();
  const load = (l: number[]) => l.map(v => v.toFixed(2)).join(', ');
  const machine = {
    cpuModel: cpus[0]?.model ?? 'unknown', cores: cpus.length, totalMemoryGiB: +(os.totalmem() / 2 ** 30).toFixed(1),
    os: `${os.type()} ${os.release()}`, loadAverageAtStart: loadAtStart, loadAverageAtEnd: loadAtEnd,
    cpuBusyDuringRun: busyFraction, nodeProcessCpuShare: +selfFraction.toFixed(3),
  };
  const busyText = busyFraction != null ? `; all cores ${(100 * busyFraction).toFixed(0)}% busy during the run, ` +
    `${(100 * selfFraction).toFixed(0)}% this bench's Node process` : '';
  const versions = {
    node: process.version, tfjs: tf.version.tfjs ?? tf.version_core, ...Object.fromEntries(
      infos.filter(b => b.version != null).map(b => [`backend ${b.name}`, b.version as string])),
    ...peers.versions,
  };
  const date = new Date().toISOString();
  const subtitle = `${date.slice(0, 16).replace('T', ' ')} UTC · ${machine.cpuModel}, ${machine.cores} cores · ` +
    `load average ${loadAtStart[0].toFixed(1)} at start, ${loadAtEnd[0].toFixed(1)} at end · ` +
    `tfjs ${versions.tfjs}, torch ${peers.versions.torch ?? '–'}, SciPy ${peers.versions.scipy ?? '–'}` +
    (git.commit != null ? ` · commit ${git.commit}${git.srcDirty ? ' + uncommitted src/' : ''}` : '');

  const missing = peers.missing.map(m => `- ${m.peer}: ${m.reason}`);
  const skippedBackends = infos.filter(b => !b.available).map(b => `- backend ${b.name}: ${b.reason}`);
  const notes = footnotes(report);
  const md = [
    `Machine: ${machine.cpuModel}, ${machine.cores} cores, ${machine.os}; load average (1, 5, 15 min) ` +
      `${load(loadAtStart)} at start, ${load(loadAtEnd)} at end${busyText}. Node ${process.version}, tfjs ${versions.tfjs}, ` +
      `torch ${peers.versions.torch ?? '–'} (${peers.versions.torchThreads ?? '–'} threads), ` +
      `SciPy ${peers.versions.scipy ?? '–'}, NumPy ${peers.versions.numpy ?? '–'}, ` +
      `Python ${peers.versions.python ?? '–'}, ml-matrix ${peers.versions['ml-matrix'] ?? '–'}. ${date}` +
      (git.commit != null ? `, commit ${git.commit}${git.srcDirty ? ' with uncommitted changes in src/' : ''}` : '') +
      `. Wall time ${wallS.toFixed(0)} s${config.quick ? ' (--quick)' : ''}; budget ${(budget.oneRunMs / 1000).toFixed(0)} s ` +
      'for one run of a case.',
    '', '### Targets (tfjs-node, ratios from this run)', '', checklist(checks),
    '', '### Dense solves (median time; ratio = ours / peer, below 1 = ours faster)', '', denseTable(report),
    '', '### Sparse CG, 2-D Poisson, b = ones (ours)', '',
    `float32 floor (the exact solution rounded to float32): ${floors.map(f =>
      `${f.m}²: ${f.relativeResidual.toExponential(1)}`).join(', ')}. rtol 1e-5 lies below it: no float32 solver ` +
      "can meet it; ours reports 'stagnated', SciPy stops on its recursive residual. rtol 1e-3 is the fair " +
      'time-to-solution comparison, the fixed count the fair per-iteration one.', '', cgTable(report),
    '', '### Sparse CG peers', '', cgPeerTable(report),
    '', '### Implicit vs unrolled backward (CG, fixed iterations; Σ wᵢxᵢ w.r.t. the sparse values and b)', '',
    adjointTable(report),
    ...(notes.length > 0 ? ['', notes] : []),
    ...(missing.length + skippedBackends.length > 0 ? ['', 'Missing peers and backends:', '', ...missing, ...skippedBackends] : []),
    ...(config.profile ? ['', '### Where the time goes', '', profileTable(cgProfiles, luProfiles)] : []),
    ...(nodeEngine != null ? ['', '### tfjs-node engines (bench/node-engine.ts)', '', nodeEngine.markdown] : []),
    '', '### WebGL engine in headless Chromium (bench/webgl-engine.ts)', '',
    webgl != null ? webgl.markdown : 'Not run (--no-webgl).',
  ].join('\n');

  console.log(`\n${'='.repeat(100)}\n`);
  console.log(md);

  fs.mkdirSync(config.outDir, {recursive: true});
  const base = path.join(config.outDir, config.outName);
  const svg = chartSvg(report, subtitle);
  fs.writeFileSync(`${base}.svg`, svg);
  fs.writeFileSync(`${base}.md`, md + '\n');
  const json = {date, machine, versions, git, config, wallTimeS: +wallS.toFixed(1), backends: infos,
    peersMissing: peers.missing, targets: checks, float32Floors: floors, ours, peers: peers.results as PeerResult[],
    adjoints, denseProbes: probes, tensorCounts, profiles: config.profile ? {cg: cgProfiles, lu: luProfiles} : undefined,
    nodeEngine: nodeEngine?.json, webglEngine: webgl?.json ?? {skipped: 'not run (--no-webgl)'}};
  fs.writeFileSync(`${base}.json.tmp`, JSON.stringify(json, null, 1) + '\n');
  fs.renameSync(`${base}.json.tmp`, `${base}.json`);

  console.log('');
  for (const [name, t] of Object.entries(tensorCounts)) {
    console.log(`tensors on ${name}: ${t.start} at start, ${t.end} at end${t.end === t.start ? '' : ' (LEAK)'}`);
  }
  console.log(`wall time ${wallS.toFixed(1)} s; saved ${[`${base}.json`, `${base}.md`, `${base}.svg`]
    .map(f => path.relative(process.cwd(), f)).join(', ')}`);
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
