/**
 * ls.linalg against torch.linalg on the same float32 inputs: for each op, the values and the
 * gradients of a fixed weighted-sum loss, on every Node backend, reported as normwise relative
 * differences max|a − b| / max|b| against torch in float32, and the errors of both against
 * torch in float64 on the same (float32-rounded) inputs — so a difference can be read as
 * "both are within float32 rounding of the truth" or not.
 *
 * Inputs: n = 16, a general matrix whose leading entry is 0 (LU must pivot), an SPD matrix, and
 * a batch [4, 16, 16]; weights uniform in [−1, 1), seeded.
 *
 *   npx ts-node --transpile-only bench/linalg-parity.ts   # writes bench/results/linalg-parity.md
 *
 * Python: BENCH_PEERS_PYTHON, else bench/.venv (bash bench/peers/setup.sh), else python3.
 */
import {spawnSync} from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import * as ls from '../src';
import {needsPivoting, nonsymmetric, spd} from '../testing/cases';
import {Matrix64, randomVector} from '../testing/reference';

interface Spec {shape: number[]; data: number[]}
interface Case {name: string; op: string; inputs: Record<string, Spec>; weights: Record<string, Spec>}
interface Result {values: Record<string, number[]>; grads: Record<string, number[]>}

const N = 16;
const flat = (ms: Matrix64[]) => ms.flatMap(m => Array.from(m.data, Math.fround));
const matrixSpec = (ms: Matrix64[], batch: number[] = []): Spec => ({shape: [...batch, N, N], data: flat(ms)});
const random = (shape: number[], seed: number): Spec =>
  ({shape, data: Array.from(randomVector(shape.reduce((p, d) => p * d, 1), seed), Math.fround)});
const lowerOnly = (s: Spec): Spec => ({shape: s.shape, data: s.data.map((v, e) => ((e % N) <= Math.floor(e / N) % N ? v : 0))});

const GENERAL = needsPivoting(N, 7, 4, 0);
const SPD = spd(N, 8, 0.5);
const BATCH = [needsPivoting(N, 9, 3, 0), nonsymmetric(N, 10, 4), nonsymmetric(N, 11, 5), needsPivoting(N, 12, 4, 0)];

const CASES: Case[] = [
  {name: 'lu', op: 'lu', inputs: {A: matrixSpec([GENERAL])}, weights: {WL: random([N, N], 1), WU: random([N, N], 2)}},
  {name: 'lu, batch [4]', op: 'lu', inputs: {A: matrixSpec(BATCH, [4])}, weights: {WL: random([4, N, N], 3), WU: random([4, N, N], 4)}},
  {name: 'luSolve(lu(A), B)', op: 'luSolve', inputs: {A: matrixSpec([GENERAL]), B: random([N, 4], 5)}, weights: {W: random([N, 4], 6)}},
  {name: 'luSolve, batch [4]', op: 'luSolve', inputs: {A: matrixSpec(BATCH, [4]), B: random([4, N, 2], 7)}, weights: {W: random([4, N, 2], 8)}},
  {name: 'cholesky', op: 'cholesky', inputs: {A: matrixSpec([SPD])}, weights: {W: lowerOnly(random([N, N], 9))}},
  {name: 'choleskySolve(cholesky(A), B)', op: 'choleskySolve', inputs: {A: matrixSpec([SPD]), B: random([N, 4], 10)}, weights: {W: random([N, 4], 11)}},
  {name: 'triangularSolve (lower)', op: 'triangularSolve', inputs: {A: matrixSpec([nonsymmetric(N, 13, 4)]), B: random([N, 4], 14)}, weights: {W: random([N, 4], 15)}},
  {name: 'inv', op: 'inv', inputs: {A: matrixSpec([GENERAL])}, weights: {W: random([N, N], 16)}},
  {name: 'det', op: 'det', inputs: {A: matrixSpec([GENERAL])}, weights: {W: {shape: [], data: [1]}}},
  {name: 'logdet (SPD)', op: 'logdet', inputs: {A: matrixSpec([SPD])}, weights: {W: {shape: [], data: [1]}}},
  {name: 'slogdet', op: 'slogdet', inputs: {A: matrixSpec([GENERAL])}, weights: {W: {shape: [], data: [1]}}},
  {name: 'slogdet, batch [4]', op: 'slogdet', inputs: {A: matrixSpec(BATCH, [4])}, weights: {W: random([4], 17)}},
];

/** The same losses as linalgPeers.py, in ls.linalg. */
function runOurs(c: Case): Result {
  const t = (s: Spec) => tf.tensor(s.data, s.shape);
  const values: Record<string, number[]> = {};
  const grads: Record<string, number[]> = {};
  tf.tidy(() => {
    const w = Object.fromEntries(Object.entries(c.weights).map(([k, s]) => [k, t(s)]));
    const names = Object.keys(c.inputs).sort();
    const inputs = names.map(k => t(c.inputs[k]));
    const forward = (xs: tf.Tensor[]): {loss: tf.Tensor; out: Record<string, tf.Tensor>} => {
      const x = Object.fromEntries(names.map((k, i) => [k, xs[i]]));
      const weighted = (key: string, v: tf.Tensor) => tf.sum(tf.mul(w[key], v));
      switch (c.op) {
        case 'lu': {
          const f = ls.linalg.lu(x.A);
          return {loss: tf.add(weighted('WL', f.lower), weighted('WU', f.upper)), out: {lower: f.lower, upper: f.upper, permutation: f.permutation}};
        }
        case 'luSolve': { const X = ls.linalg.luSolve(ls.linalg.lu(x.A), x.B); return {loss: weighted('W', X), out: {x: X}}; }
        case 'cholesky': { const L = ls.linalg.cholesky(x.A); return {loss: weighted('W', L), out: {lower: L}}; }
        case 'choleskySolve': { const X = ls.linalg.choleskySolve(ls.linalg.cholesky(x.A), x.B); return {loss: weighted('W', X), out: {x: X}}; }
        case 'triangularSolve': { const X = ls.linalg.triangularSolve(x.A, x.B); return {loss: weighted('W', X), out: {x: X}}; }
        case 'inv': { const X = ls.linalg.inv(x.A); return {loss: weighted('W', X), out: {inv: X}}; }
        case 'det': { const d = ls.linalg.det(x.A); return {loss: weighted('W', d), out: {det: d}}; }
        case 'logdet': { const d = ls.linalg.logdet(x.A); return {loss: weighted('W', d), out: {logdet: d}}; }
        case 'slogdet': {
          const s = ls.linalg.slogdet(x.A);
          return {loss: weighted('W', s.logAbsDet), out: {sign: s.sign, logAbsDet: s.logAbsDet}};
        }
        default: throw new Error(c.op);
      }
    };
    for (const [k, v] of Object.entries(forward(inputs).out)) values[k] = Array.from(v.dataSync());
    const g = tf.grads((...xs: tf.Tensor[]) => forward(xs).loss)(inputs);
    names.forEach((k, i) => { grads[k] = Array.from(g[i].dataSync()); });
  });
  return {values, grads};
}

function pythonPath(): string {
  if (process.env.BENCH_PEERS_PYTHON != null) return process.env.BENCH_PEERS_PYTHON;
  const venv = path.join(__dirname, '.venv', 'bin', 'python');
  return fs.existsSync(venv) ? venv : 'python3';
}

/** max|a − b| / max|b| (NaN-aware: a NaN where b is finite is Infinity). */
function difference(a: number[], b: number[]): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < b.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    num = Math.max(num, Number.isNaN(d) ? Infinity : d);
    den = Math.max(den, Math.abs(b[i]));
  }
  return num / Math.max(den, 1e-300);
}

const fmt = (v: number) => (v === 0 ? '0' : v.toExponential(1));

async function main(): Promise<void> {
  const python = pythonPath();
  const child = spawnSync(python, [path.join(__dirname, 'peers', 'linalgPeers.py')], {input: JSON.stringify({cases: CASES}), maxBuffer: 1 << 28});
  if (child.status !== 0) throw new Error(`${python} linalgPeers.py failed: ${child.stderr?.toString() ?? child.error}`);
  const torch = JSON.parse(child.stdout.toString()) as {torch: string; cases: {float32: Result; float64: Result}[]};

  require('@tensorflow/tfjs-backend-wasm');
  const backends = ['cpu', 'wasm'];
  try { require('@tensorflow/tfjs-node'); backends.push('tensorflow'); } catch { /* tfjs-node not built: cpu and wasm only */ }
  const ours: Record<string, Result[]> = {};
  for (const backend of backends) {
    await tf.setBackend(backend);
    await tf.ready();
    ours[backend] = CASES.map(runOurs);
  }

  const header = ['op', 'quantity', ...backends.map(b => `vs torch f32 [${b}]`), ...backends.map(b => `error [${b}]`), 'torch f32 error'];
  const rows: string[][] = [];
  let worst = 0;
  CASES.forEach((c, i) => {
    const {float32: t32, float64: t64} = torch.cases[i];
    for (const kind of ['values', 'grads'] as const) {
      for (const key of Object.keys(t32[kind])) {
        const label = kind === 'values' ? key : `∂/∂${key}`;
        const vs = backends.map(b => difference(ours[b][i][kind][key], t32[kind][key]));
        const errors = backends.map(b => difference(ours[b][i][kind][key], t64[kind][key]));
        worst = Math.max(worst, ...vs);
        rows.push([c.name, label, ...vs.map(fmt), ...errors.map(fmt), fmt(difference(t32[kind][key], t64[kind][key]))]);
      }
    }
  });
  const table = [header, header.map(() => '---'), ...rows].map(r => `| ${r.join(' | ')} |`).join('\n');
  const md = `# ls.linalg against torch.linalg

Same float32 inputs (n = ${N}; a general matrix with a zero leading entry, so LU must pivot; an
SPD matrix; a batch [4, ${N}, ${N}]), same losses (weighted sums of each op's outputs). Numbers are
normwise relative differences max|a − b| / max|b|: "vs torch f32" compares ls.linalg with
torch ${torch.torch} in float32; "error" compares each with torch in float64 on the same inputs
(the truth up to float64 rounding). Permutations are the row indices of P·A (0 = identical).

Generated by \`npx ts-node --transpile-only bench/linalg-parity.ts\` on ${new Date().toISOString().slice(0, 10)}.
Largest difference from torch float32: ${fmt(worst)}.

${table}
`;
  const out = path.join(__dirname, 'results', 'linalg-parity.md');
  fs.writeFileSync(out, md);
  console.log(md);
}

main().catch(error => { console.error(error); process.exit(1); });
