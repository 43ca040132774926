/**
 * tfjs-node's engines against each other and their peers, in one process, as ratios:
 *
 * - CG ms per iteration on 2-D Poisson 128² and 256², k = 1 and 8 right-hand sides, fixed
 *   iterations: the native engine (TensorFlow's kernels by name), the host typed-array engine
 *   (data copied out and x back), the tf-ops loop, the engine `'auto'` picks, against SciPy's cg
 *   (once per column) and the plain Float32Array CSR CG of bench/peers/js.ts (k = 1);
 * - dense LU n = 500 and 1000: our forward against TensorFlow's MatrixSolve and its Lu + two
 *   MatrixTriangularSolve (the floor of a factor-and-solve), forward + backward against torch
 *   with 1 and 2 threads, and TensorFlow's Lu alone against torch's lu_factor (the floor
 *   under the backward's ratio), and A·b by BatchMatMulV2 and by MatMul;
 * - batched small systems B = 1024, n = 16 (LU), forward and forward + backward against torch's
 *   batched solve.
 * Engines alternate within each round, so they share the load; the fastest round of each is
 * reported (the Python peers likewise, in their own process right after).
 *
 *   npx ts-node --transpile-only bench/node-engine.ts          # ~2 min; writes bench/results/node-engine.{md,json}
 *   npx ts-node --transpile-only bench/node-engine.ts --quick  # fewer runs
 *   npx ts-node --transpile-only bench/node-engine.ts --only=dense   # some parts: cg, axpy, dense
 *
 * `npm run bench` runs it too, after the tfjs-node cases, and appends its tables to latest.md.
 * Python peers: BENCH_PEERS_PYTHON, else bench/.venv, else python3.
 */
import {spawnSync} from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import * as ls from '../src';
import {denseProblem, poissonProblem, uniform} from './lib/problems';
import {csrCg32} from './peers/js';
import {VENV} from './peers/python';

interface Row {case: string; values: Record<string, number>; notes?: string}

export interface NodeEngineReport {markdown: string; json: Record<string, unknown>}

const now = () => Number(process.hrtime.bigint()) / 1e6;

/** The fastest of `rounds` rounds; in each round every entry runs once, in turn. */
function interleaved(entries: Record<string, () => void>, rounds: number): Record<string, number> {
  const names = Object.keys(entries);
  for (const name of names) entries[name]();
  const times: Record<string, number[]> = Object.fromEntries(names.map(n => [n, []]));
  for (let i = 0; i < rounds; i++) {
    for (const name of names) {
      const t0 = now();
      entries[name]();
      times[name].push(now() - t0);
    }
  }
  // The fastest round: on a shared machine the other work only ever adds time, so the minimum
  // is the steadiest estimate of each engine's own cost (medians swing with the load).
  return Object.fromEntries(names.map(n => [n, Math.min(...times[n])]));
}

function withEngine(engine: ls.NativeEngineChoice, body: () => void): () => void {
  return () => {
    const previous = ls.useNativeEngine(engine);
    try {
      body();
    } finally {
      ls.useNativeEngine(previous);
    }
  };
}

interface NativeBackend {
  binding: {TF_ATTR_BOOL: number; TF_ATTR_TYPE: number; TF_FLOAT: number; TF_INT32: number};
  executeSingleOutput(name: string, attrs: unknown[], inputs: tf.Tensor[]): tf.Tensor;
  executeMultipleOutputs(name: string, attrs: unknown[], inputs: tf.Tensor[], n: number): tf.Tensor[];
}

/** TensorFlow's MatrixSolve, Lu + permutation + two MatrixTriangularSolve, and Lu alone, read back. */
function tensorflowPeers(A: tf.Tensor, b: tf.Tensor): Record<'matrixSolve' | 'luSolve' | 'luAlone' | 'gemvBatch' | 'gemvMatMul', () => void> {
  const be = tf.backend() as unknown as NativeBackend;
  const t = {name: 'T', type: be.binding.TF_ATTR_TYPE, value: be.binding.TF_FLOAT};
  const flag = (name: string, value: boolean) => ({name, type: be.binding.TF_ATTR_BOOL, value});
  return {
    matrixSolve: () => {
      const x = be.executeSingleOutput('MatrixSolve', [flag('adjoint', false), t], [A, b]);
      x.dataSync();
      x.dispose();
    },
    luSolve: () => {
      const [lu, perm] = be.executeMultipleOutputs('Lu', [t, {name: 'output_idx_type', type: be.binding.TF_ATTR_TYPE,
        value: be.binding.TF_INT32}], [A], 2);
      const pb = tf.gather(b, perm);
      const y = be.executeSingleOutput('MatrixTriangularSolve', [flag('lower', true), flag('adjoint', false), t], [lu, pb]);
      const x = be.executeSingleOutput('MatrixTriangularSolve', [flag('lower', false), flag('adjoint', false), t], [lu, y]);
      x.dataSync();
      tf.dispose([lu, perm, pb, y, x]);
    },
    // A·b as BatchMatMulV2 (what tf.matMul runs) and as MatMul, 20 times.
    gemvBatch: () => { for (let i = 0; i < 20; i++) {
      be.executeSingleOutput('BatchMatMulV2', [t, flag('adj_x', false), flag('adj_y', false)], [A, b]).dispose();
    } },
    gemvMatMul: () => { for (let i = 0; i < 20; i++) {
      be.executeSingleOutput('MatMul', [t, flag('transpose_a', false), flag('transpose_b', false)], [A, b]).dispose();
    } },
    luAlone: () => {
      const [lu, perm] = be.executeMultipleOutputs('Lu', [t, {name: 'output_idx_type', type: be.binding.TF_ATTR_TYPE,
        value: be.binding.TF_INT32}], [A], 2);
      lu.dataSync();
      tf.dispose([lu, perm]);
    },
  };
}

interface ResourceBackend extends NativeBackend {
  binding: NativeBackend['binding'] & {TF_ATTR_STRING: number; TF_ATTR_SHAPE: number};
  executeMultipleOutputs(name: string, attrs: unknown[], inputs: tf.Tensor[], n: number): tf.Tensor[];
}

/**
 * One CG axpy three ways at n unknowns, one right-hand side (µs): Mul + AddV2 (a new tensor,
 * as the tensor form runs it), ResourceApplyGradientDescent on a resource variable (in place,
 * one kernel; TensorFlow takes only a scalar step, so a block's per-column α cannot use it), and
 * the ReadVariableOp that every kernel outside the Apply family needs to see the variable; and
 * the column dot as BatchMatMulV2 and as Mul + Sum.
 */
function inPlaceUpdates(n: number, rounds: number): Record<string, number> {
  const be = tf.backend() as unknown as ResourceBackend;
  const bd = be.binding;
  const type = (name: string) => ({name, type: bd.TF_ATTR_TYPE, value: bd.TF_FLOAT});
  const flag = (name: string, value: boolean) => ({name, type: bd.TF_ATTR_BOOL, value});
  const handle = be.executeSingleOutput('VarHandleOp', [{name: 'container', type: bd.TF_ATTR_STRING, value: ''},
    {name: 'shared_name', type: bd.TF_ATTR_STRING, value: `linsolve-bench-${n}`}, {...type('dtype')},
    {name: 'shape', type: bd.TF_ATTR_SHAPE, value: [n, 1]}], []);
  const x = tf.ones([n, 1]);
  const p = tf.ones([n, 1]);
  const alpha = tf.scalar(1e-3);
  const axis = tf.tensor1d([0], 'int32');
  be.executeMultipleOutputs('AssignVariableOp', [type('dtype'), flag('validate_shape', false)], [handle, x], 0);
  const repeat = 100;
  const times = interleaved({
    mulAdd: () => { for (let i = 0; i < repeat; i++) {
      const ap = be.executeSingleOutput('Mul', [type('T')], [alpha, p]);
      const y = be.executeSingleOutput('AddV2', [type('T')], [x, ap]);
      tf.dispose([ap, y]);
    } },
    applyInPlace: () => { for (let i = 0; i < repeat; i++) {
      be.executeMultipleOutputs('ResourceApplyGradientDescent', [type('T'), flag('use_locking', false)], [handle, alpha, p], 0);
    } },
    read: () => { for (let i = 0; i < repeat; i++) be.executeSingleOutput('ReadVariableOp', [type('dtype')], [handle]).dispose(); },
    // The column dot pᵀq two ways: BatchMatMulV2 with adj_x, and Mul + Sum.
    dotMatMul: () => { for (let i = 0; i < repeat; i++) {
      be.executeSingleOutput('BatchMatMulV2', [type('T'), flag('adj_x', true), flag('adj_y', false)], [p, x]).dispose();
    } },
    dotMulSum: () => { for (let i = 0; i < repeat; i++) {
      const px = be.executeSingleOutput('Mul', [type('T')], [p, x]);
      be.executeSingleOutput('Sum', [type('T'), flag('keep_dims', true), {name: 'Tidx', type: bd.TF_ATTR_TYPE, value: bd.TF_INT32}],
        [px, axis]).dispose();
      px.dispose();
    } },
  }, rounds);
  be.executeMultipleOutputs('DestroyResourceOp', [flag('ignore_lookup_error', true)], [handle], 0);
  tf.dispose([handle, x, p, alpha, axis]);
  return Object.fromEntries(Object.entries(times).map(([k, v]) => [k, v / repeat * 1000]));
}

function pythonPeers(spec: unknown): Record<string, unknown> | null {
  const candidates = [process.env.BENCH_PEERS_PYTHON, path.join(VENV, 'bin', 'python'), 'python3'].filter(p => p != null) as string[];
  const python = candidates.find(p => p === 'python3' || fs.existsSync(p)) as string;
  const run = spawnSync(python, [path.join(__dirname, 'peers', 'nodeEnginePeers.py')],
    {input: JSON.stringify(spec), encoding: 'utf8', maxBuffer: 1 << 24, env: {...process.env, OMP_NUM_THREADS: '2'}});
  if (run.status !== 0) {
    console.log(`python peers failed: ${(run.stderr ?? '').split('\n').slice(-3).join(' ')}`);
    return null;
  }
  return JSON.parse(run.stdout) as Record<string, unknown>;
}

function write(dir: string, name: string, data: Float32Array): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  return file;
}

/** B well-conditioned n×n systems (A = (n/2)·I + R, R uniform in [−1, 1]), b and w. */
function batchedProblem(B: number, n: number): {A: Float32Array; b: Float32Array; w: Float32Array} {
  const A = uniform(B * n * n, 7000 + n);
  for (let m = 0; m < B; m++) for (let i = 0; i < n; i++) A[m * n * n + i * n + i] += n / 2;
  return {A, b: uniform(B * n, 8000 + n), w: uniform(B * n, 9000 + n)};
}

const fmt = (ms: number) => ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms >= 1 ? ms.toFixed(2) : ms.toFixed(3);
const ratio = (a: number | undefined, b: number | undefined) => a == null || b == null ? '–' : `${(a / b).toFixed(2)}×`;

/** Runs every case on the active 'tensorflow' backend. */
export function runNodeEngine({quick = false, parts = ['cg', 'dense']}: {quick?: boolean; parts?: string[]} = {}): NodeEngineReport {
  if (tf.getBackend() !== 'tensorflow') throw new Error("node-engine: set the 'tensorflow' backend first");
  const rounds = quick ? 3 : 7;
  const iterations = 50;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'linsolve-node-engine-'));
  const load = os.loadavg();

  // ---- CG per iteration
  const cgRows: Row[] = [];
  const cgCases: {m: number; k: number}[] = [];
  for (const m of parts.includes('cg') ? [128, 256] : []) {
    const p = poissonProblem(m);
    const indices = tf.tensor2d(p.coo.indices, [p.coo.values.length, 2], 'int32');
    const values = tf.tensor1d(p.coo.values);
    const A = ls.sparse({indices, values, shape: p.coo.shape, tags: ['symmetric', 'positiveDefinite']});
    indices.dispose();
    for (const k of [1, 8]) {
      cgCases.push({m, k});
      const b = tf.ones([p.n, k]);
      const solve = () => {
        const r = ls.linearSolve(A, b, {method: 'cg', maxIterations: iterations, fixedIterations: true});
        r.x.dataSync();
        r.x.dispose();
      };
      const entries: Record<string, () => void> = {
        native: withEngine('native', solve), host: withEngine('host', solve), tfOps: withEngine(false, solve),
        auto: withEngine(true, solve),
      };
      if (k === 1) entries.jsCsr = () => { csrCg32(p.csr, p.b, {kind: 'fixed', iterations}); };
      const ms = interleaved(entries, rounds);
      const values = Object.fromEntries(Object.entries(ms).map(([name, t]) => [name, t / iterations]));
      cgRows.push({case: `cg ${m}² k=${k}`, values});
      console.log(`  cg ${m}² k=${k} ms/iteration: ${Object.entries(values).map(([n, v]) => `${n} ${fmt(v)}`).join(', ')}`);
      b.dispose();
    }
    A.dispose();
    values.dispose();   // the operator does not own its values
  }

  // ---- dense LU and batched
  const denseRows: Row[] = [];
  const denseSpec: {n: number; A: string; b: string; w: string}[] = [];
  for (const n of parts.includes('dense') ? [500, 1000] : []) {
    const d = denseProblem(n);
    denseSpec.push({n, A: write(dir, `A${n}.f32`, d.A), b: write(dir, `b${n}.f32`, d.b), w: write(dir, `w${n}.f32`, d.w)});
    const A = tf.tensor2d(d.A, [n, n]);
    const b = tf.tensor2d(d.b, [n, 1]);
    const w = tf.tensor2d(d.w, [n, 1]);
    const grad = tf.grads((a: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.mul(ls.solve(a, bb, {method: 'lu'}), w)));
    const {matrixSolve, luSolve, luAlone, gemvBatch, gemvMatMul} = tensorflowPeers(A, b);
    const forward = () => { const x = ls.solve(A, b, {method: 'lu'}); x.dataSync(); x.dispose(); };
    const both = () => { const g = grad([A, b]); g.forEach(t => t.dataSync()); tf.dispose(g); };
    const values = interleaved({
      forward, both, matrixSolve, luSolve, luAlone, gemvBatch, gemvMatMul,
    }, rounds);
    denseRows.push({case: `lu n=${n}`, values});
    console.log(`  lu n=${n}: ${Object.entries(values).map(([k, v]) => `${k} ${fmt(v)} ms`).join(', ')}`);
    tf.dispose([A, b, w]);
  }
  const B = 1024;
  const bn = 16;
  const batched = batchedProblem(B, bn);
  const batchedSpec = !parts.includes('dense') ? [] : [{B, n: bn, A: write(dir, 'batchA.f32', batched.A), b: write(dir, 'batchb.f32', batched.b),
    w: write(dir, 'batchw.f32', batched.w)}];
  if (parts.includes('dense')) {
    const A = tf.tensor3d(batched.A, [B, bn, bn]);
    const b = tf.tensor3d(batched.b, [B, bn, 1]);
    const w = tf.tensor3d(batched.w, [B, bn, 1]);
    const grad = tf.grads((a: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.mul(ls.solve(a, bb, {method: 'lu'}), w)));
    const {matrixSolve, luAlone} = tensorflowPeers(A, b);
    const forward = () => { const x = ls.solve(A, b, {method: 'lu'}); x.dataSync(); x.dispose(); };
    const both = () => { const g = grad([A, b]); g.forEach(t => t.dataSync()); tf.dispose(g); };
    const values = interleaved({
      forward, both, matrixSolve, luAlone,
    }, rounds);
    denseRows.push({case: `batched B=${B} n=${bn}`, values});
    console.log(`  batched B=${B} n=${bn}: ${Object.entries(values).map(([k, v]) => `${k} ${fmt(v)} ms`).join(', ')}`);
    tf.dispose([A, b, w]);
  }

  // ---- in-place updates (resource variables) against new tensors
  const inPlace: Record<string, number>[] = parts.includes('cg') || parts.includes('axpy') ? [16384, 65536].map(n => ({n, ...inPlaceUpdates(n, rounds)})) : [];
  for (const r of inPlace) console.log(`  axpy n=${r.n} µs: ${JSON.stringify(r)}`);

  // ---- peers
  const py = pythonPeers({runs: rounds + 2, dense: denseSpec, batched: batchedSpec,
    poisson: cgCases.map(c => ({...c, iterations}))});
  fs.rmSync(dir, {recursive: true, force: true});
  type PyRow = Record<string, number>;
  const pyDense = (py?.dense ?? []) as PyRow[];
  const pyBatched = (py?.batched ?? []) as PyRow[];
  const pyPoisson = (py?.poisson ?? []) as PyRow[];
  cgRows.forEach((row, i) => { const s = pyPoisson[i]?.msPerIteration; if (s != null) row.values.scipy = s; });
  denseRows.forEach((row, i) => {
    const t = i < pyDense.length ? pyDense[i] : pyBatched[i - pyDense.length];
    if (t == null) return;
    for (const key of ['forward1', 'forward2', 'both1', 'both2', 'factor1']) if (t[key] != null) row.values[`torch_${key}`] = t[key];
  });

  const cgTable = [
    '| case | native | host | tf-ops loop | auto | SciPy | JS CSR f32 | auto/SciPy | native/tf-ops | host/native |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...cgRows.map(({case: c, values: v}) => `| ${c} | ${fmt(v.native)} | ${fmt(v.host)} | ${fmt(v.tfOps)} | ${fmt(v.auto)} | ` +
      `${v.scipy != null ? fmt(v.scipy) : '–'} | ${v.jsCsr != null ? fmt(v.jsCsr) : '–'} | ${ratio(v.auto, v.scipy)} | ` +
      `${ratio(v.native, v.tfOps)} | ${ratio(v.host, v.native)} |`),
  ].join('\n');
  const opt = (v: number | undefined) => v != null ? fmt(v) : '–';
  const denseTable = [
    '| case | ours forward | MatrixSolve | Lu + 2 triangular | ours/MatrixSolve | ours fwd+bwd | ' +
      'torch fwd+bwd 1 thread | 2 threads | ours/torch 1 thread | torch fwd 1 thread |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...denseRows.map(({case: c, values: v}) => `| ${c} | ${fmt(v.forward)} | ${fmt(v.matrixSolve)} | ` +
      `${opt(v.luSolve)} | ${ratio(v.forward, v.matrixSolve)} | ${fmt(v.both)} | ` +
      `${opt(v.torch_both1)} | ${opt(v.torch_both2)} | ${ratio(v.both, v.torch_both1)} | ${opt(v.torch_forward1)} |`),
  ].join('\n');
  // The floor under the fwd+bwd ratio: the factorisation alone, TensorFlow's against torch's.
  const floorTable = [
    '| case | TensorFlow Lu alone | torch lu_factor 1 thread | Lu/lu_factor | ours fwd+bwd − Lu | torch fwd+bwd 1 thread |',
    '|---|---:|---:|---:|---:|---:|',
    ...denseRows.map(({case: c, values: v}) => `| ${c} | ${fmt(v.luAlone)} | ${opt(v.torch_factor1)} | ` +
      `${ratio(v.luAlone, v.torch_factor1)} | ${fmt(v.both - v.luAlone)} | ${opt(v.torch_both1)} |`),
  ].join('\n');
  const inPlaceTable = [
    '| n | Mul + AddV2 (new tensor) | ResourceApplyGradientDescent (in place) | ReadVariableOp | dot: BatchMatMulV2 | dot: Mul + Sum |',
    '|---|---:|---:|---:|---:|---:|',
    ...inPlace.map(r => `| ${r.n} | ${r.mulAdd.toFixed(1)} | ${r.applyInPlace.toFixed(1)} | ${r.read.toFixed(1)} | ` +
      `${r.dotMatMul.toFixed(1)} | ${r.dotMulSum.toFixed(1)} |`),
  ].join('\n');
  const gemvTable = [
    '| n | BatchMatMulV2 | MatMul |',
    '|---|---:|---:|',
    ...denseRows.filter(r => r.values.gemvBatch != null).map(({case: c, values: v}) =>
      `| ${c.replace('lu ', '')} | ${(v.gemvBatch / 20 * 1000).toFixed(0)} | ${(v.gemvMatMul / 20 * 1000).toFixed(0)} |`),
  ].join('\n');
  const versions = (py?.versions ?? {}) as Record<string, string>;
  const markdown = [
    `tfjs-node engines, ${new Date().toISOString()}; load average ${load.map(v => v.toFixed(1)).join(', ')} at start, ` +
      `${os.loadavg().map(v => v.toFixed(1)).join(', ')} at end; ${os.cpus().length} cores; fastest of ${rounds} interleaved rounds; ` +
      `torch ${versions.torch ?? '–'}, SciPy ${versions.scipy ?? '–'}. Times in ms.`,
    '', `#### CG ms per iteration (Poisson, b = ones, ${iterations} fixed iterations; SciPy once per column)`, '', cgTable,
    ...(inPlace.length === 0 ? [] : ['', '#### One CG axpy x + αp and one column dot pᵀx, one right-hand side, µs (in place needs a scalar step)', '',
      inPlaceTable]),
    '', '#### Dense LU and batched small systems (forward: solve + read x; fwd+bwd: gradients w.r.t. A and b read back)', '',
    denseTable,
    ...(denseRows.length === 0 ? [] : ['', '#### A·b (the residual\'s product), µs', '', gemvTable]),
    '', '#### The factorisation alone (TensorFlow\'s `Lu` kernel against torch\'s `torch.linalg.lu_factor`)', '',
    floorTable,
  ].join('\n');
  return {markdown, json: {date: new Date().toISOString(), load, rounds, iterations, cg: cgRows, inPlace, dense: denseRows, versions}};
}

async function main(): Promise<void> {
  if (process.env.TF_CPP_MIN_LOG_LEVEL == null) process.env.TF_CPP_MIN_LOG_LEVEL = '2';
  require('@tensorflow/tfjs-node');
  await tf.setBackend('tensorflow');
  const quick = process.argv.includes('--quick');
  const only = process.argv.find(a => a.startsWith('--only='))?.slice('--only='.length);
  const report = runNodeEngine({quick, parts: only != null ? only.split(',') : undefined});
  const command = ['npx ts-node --transpile-only bench/node-engine.ts', ...process.argv.slice(2)].join(' ');
  report.markdown = `Command: \`${command}\`.\n\n${report.markdown}`;
  console.log(`\n${report.markdown}`);
  const out = process.env.BENCH_OUT_DIR ?? path.join(__dirname, 'results');
  fs.mkdirSync(out, {recursive: true});
  fs.writeFileSync(path.join(out, 'node-engine.md'), report.markdown + '\n');
  fs.writeFileSync(path.join(out, 'node-engine.json'), JSON.stringify(report.json, null, 1) + '\n');
}

if (require.main === module) {
  main().catch(error => {
    console.error(error);
    process.exit(1);
  });
}
