/**
 * The refinement section of bench/accuracy.ts: forward error ‖x − x*‖∞/‖x*‖∞ against the exact
 * solution of the float32 inputs (float64 reference), without and with `refine`, for κ from
 * 1e1 to 1e6 (dense LU and Cholesky) and for sparse CG / GMRES, per Node backend; and
 * torch.linalg.solve in float32 on the same inputs (bench/peers/accuracyPeer.py).
 */
import * as tf from '@tensorflow/tfjs';
import * as fs from 'fs';
import * as path from 'path';
import {spawnSync} from 'child_process';
import * as ls from '../../src';
import {Matrix64} from '../../testing/reference';
import {cooOf} from '../../testing/cases';
import {exactSolution, exactSpdSolution, forwardError, generalConditioned, pairValue, rightHandSide,
  spdConditioned} from '../../testing/accuracyProblems';
import {VENV} from '../peers/python';

const KAPPAS = [1e1, 1e2, 1e3, 1e4, 1e5, 1e6];
const N = 32;

interface DenseCase {id: string; kind: 'general' | 'spd'; kappa: number; A: Matrix64; b: Float32Array; exact: Float64Array}

function denseCases(): DenseCase[] {
  const cases: DenseCase[] = [];
  KAPPAS.forEach((kappa, i) => {
    for (const kind of ['general', 'spd'] as const) {
      const A = kind === 'general' ? generalConditioned(N, 100 + i, kappa) : spdConditioned(N, 200 + i, kappa);
      const b = rightHandSide(N, 300 + i);
      cases.push({id: `${kind}-${kappa}`, kind, kappa, A, b, exact: exactSolution(A, b)});
    }
  });
  return cases;
}

/** torch float32 forward errors by case id, or why torch did not run. */
function torchErrors(cases: DenseCase[]): {errors: Map<string, number>; note: string} {
  const python = process.env.BENCH_PEERS_PYTHON ?? path.join(VENV, 'bin', 'python');
  if (!fs.existsSync(python) && process.env.BENCH_PEERS_PYTHON == null) {
    return {errors: new Map(), note: `torch not run: no venv at bench/.venv (run \`bash bench/peers/setup.sh\`, or set BENCH_PEERS_PYTHON)`};
  }
  const input = JSON.stringify({cases: cases.map(c => ({id: c.id, n: c.A.n, A: Array.from(c.A.data), b: Array.from(c.b)}))});
  const child = spawnSync(python, [path.join(__dirname, '..', 'peers', 'accuracyPeer.py')],
    {input, encoding: 'utf8', maxBuffer: 64 * 2 ** 20, env: {...process.env, OMP_NUM_THREADS: '1'}});
  if (child.status !== 0) return {errors: new Map(), note: `torch not run: ${child.stderr?.split('\n').slice(-3).join(' ')}`};
  const {versions, solutions} = JSON.parse(child.stdout) as {versions: {torch: string}; solutions: Record<string, number[]>};
  const errors = new Map(cases.map(c => [c.id, forwardError(solutions[c.id], c.exact)]));
  return {errors, note: `torch ${versions.torch}, torch.linalg.solve in float32 (1 thread)`};
}

interface Measured {status: string; x: number; pair: number; estimate: number; steps: number; ms: number}

function measure(A: tf.Tensor | ls.LinearOperator, b: Float32Array, exact: ArrayLike<number>, options: ls.SolveOptions): Measured {
  const bt = tf.tensor1d(b);
  const t0 = Date.now();
  const r = ls.linearSolve(A, bt, {...options, onFailure: 'ignore'});
  const x = r.x.dataSync();
  const ms = Date.now() - t0;
  const pair = r.refined == null ? NaN : forwardError(pairValue(r.refined.hi!.dataSync(), r.refined.lo!.dataSync()), exact);
  const out = {status: r.status, x: forwardError(x, exact), pair, estimate: r.refined?.forwardErrorEstimate ?? NaN,
    steps: r.refined?.steps ?? 0, ms};
  tf.dispose([bt, r.x, ...(r.refined == null ? [] : [r.refined.hi!, r.refined.lo!])]);
  return out;
}

const e = (v: number) => (Number.isNaN(v) ? '–' : v.toExponential(1));

/** The markdown of the refinement section, for the given backends. */
export async function refinementSection(backends: string[]): Promise<string> {
  const cases = denseCases();
  const torch = torchErrors(cases);
  const lines = [
    '## Iterative refinement: forward error against the exact solution of the float32 inputs',
    '',
    `Dense n = ${N}, A = Q₁ diag(σ) Q₂ (general, LU) or Q diag(σ) Qᵀ (SPD, Cholesky), σ geometric from 1 to 1/κ, rounded to`,
    'float32; b uniform in [−1, 1), float32. Error = ‖x − x*‖∞/‖x*‖∞ with x* the float64 solution of these float32',
    "inputs. \"plain\": `refine: false`; \"refined\": `refine: true` (default precision: float64 residuals on these",
    "host backends); \"pair\": hi + lo of `result.refined`; \"estimate\": its `forwardErrorEstimate`. " + torch.note + '.',
    '`singular` is the library refusing a pivot ≤ n·ε·max|A| (κ near 1/(nε)), as designed.',
    '',
    '| backend | A | κ | status plain | error plain | status refined | error refined | pair | estimate | steps | torch f32 |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const backend of backends) {
    await tf.setBackend(backend);
    for (const c of cases) {
      const A = tf.tensor2d(Float32Array.from(c.A.data), [N, N]);
      const method = c.kind === 'general' ? 'lu' : 'cholesky';
      const plain = measure(A, c.b, c.exact, {method, refine: false});
      const refined = measure(A, c.b, c.exact, {method, refine: true});
      A.dispose();
      lines.push(`| ${backend} | ${c.kind} (${method}) | ${c.kappa.toExponential(0)} | ${plain.status} | ${e(plain.x)} | ` +
        `${refined.status} | ${e(refined.x)} | ${e(refined.pair)} | ${e(refined.estimate)} | ${refined.steps} | ${e(torch.errors.get(c.id) ?? NaN)} |`);
    }
  }
  lines.push('', '### Sparse', '',
    'CG on 2-D Poisson m² (κ ≈ 0.4·m²), b = 1; GMRES (restart 30) on the dense-pattern sparse form of the general',
    `matrix above at κ = 1e4. Default rtol 1e-5; "plain" is \`refine: false\` (onFailure 'ignore'), "refined" \`refine: true\`.`,
    '',
    '| backend | problem | method | status plain | error plain | status refined | error refined | pair | steps | ms refined |',
    '|---|---|---|---|---|---|---|---|---|---|');
  for (const backend of backends) {
    await tf.setBackend(backend);
    for (const m of [32, 64, 128]) {
      const {indices, values} = ls.poisson2d(m);
      const b = new Float32Array(m * m).fill(1);
      const exact = exactSpdSolution({n: m * m, indices, values}, b);
      const A = ls.poisson2dOperator(m);
      const plain = measure(A, b, exact, {method: 'cg', refine: false});
      const refined = measure(A, b, exact, {method: 'cg', refine: true});
      A.values.dispose();
      lines.push(`| ${backend} | Poisson ${m}² | cg | ${plain.status} | ${e(plain.x)} | ${refined.status} | ${e(refined.x)} | ` +
        `${e(refined.pair)} | ${refined.steps} | ${refined.ms} |`);
    }
    const G = cases.find(c => c.id === 'general-10000') as DenseCase;
    const {indices, values} = cooOf(G.A);
    const S = ls.sparse({indices, values: tf.tensor1d(values), shape: [N, N]});
    const plain = measure(S, G.b, G.exact, {method: 'gmres', restart: 30, refine: false});
    const refined = measure(S, G.b, G.exact, {method: 'gmres', restart: 30, refine: true});
    S.values.dispose();
    lines.push(`| ${backend} | sparse general κ=1e4 | gmres | ${plain.status} | ${e(plain.x)} | ${refined.status} | ` +
      `${e(refined.x)} | ${e(refined.pair)} | ${refined.steps} | ${refined.ms} |`);
  }
  return lines.join('\n');
}
