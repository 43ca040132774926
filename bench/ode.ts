/**
 * ODE integration against torchdiffeq on one problem, as ratios, and the memory of the three
 * gradient modes.
 *
 * Problem: an MLP vector field f(y) = tanh(y W1) W2, y [16, 8], W1 [8, 32], W2 [32, 8] (seeded),
 * over t ∈ [0, 1] with 11 output times. Cases: rk4 with 100 fixed steps, dopri5 at rtol 1e-5 /
 * atol 1e-7. Phases: forward; forward + backward of Σy (direct backprop); forward + backward by
 * the continuous adjoint. Reported: median ms per step, and tfjs-linsolve / torchdiffeq.
 * Memory: peak tensor bytes above the start while computing dL/dW (sampled in f), Euler 1000
 * steps, y [1, 8], for 'direct', 'adjoint' and {checkpoints: 30}.
 *
 *   bash bench/peers/setup.sh && bench/.venv/bin/pip install torchdiffeq==0.2.5   # once
 *   npx ts-node --transpile-only bench/ode.ts            # writes bench/results/ode.{json,md}
 */
import {spawnSync} from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-node';
import * as ls from '../src';
import {rng} from '../testing/reference';

const REPEATS = Number(process.env.REPEATS ?? 5);
const times = Array.from({length: 11}, (_, i) => i / 10);

function seeded(shape: number[], scale: number, seed: number): number[][] {
  const next = rng(seed);
  return Array.from({length: shape[0]}, () => Array.from({length: shape[1]}, () => scale * (2 * next() - 1)));
}

const W1v = seeded([8, 32], 0.5, 1);
const W2v = seeded([32, 8], 0.5, 2);
const y0v = seeded([16, 8], 1, 3);

interface Case {method: 'rk4' | 'dopri5'; stepSize?: number; steps?: number; rtol?: number; atol?: number}
const CASES: Case[] = [
  {method: 'rk4', stepSize: 0.01, steps: 100},
  {method: 'dopri5', rtol: 1e-5, atol: 1e-7},
];
const PHASES = ['forward', 'forward+backward', 'forward+backward (adjoint)'] as const;

function medianMs(fn: () => void): number {
  fn();
  const runs: number[] = [];
  for (let i = 0; i < REPEATS; i++) {
    const start = process.hrtime.bigint();
    fn();
    runs.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  runs.sort((a, b) => a - b);
  return runs[Math.floor(runs.length / 2)];
}

function ours(): {method: string; phase: string; steps: number; msPerStep: number}[] {
  const W1 = tf.variable(tf.tensor2d(W1v));
  const W2 = tf.variable(tf.tensor2d(W2v));
  const y0 = tf.tensor2d(y0v);
  const f: ls.OdeFunction = (t, y) => tf.matMul(tf.tanh(tf.matMul(y, W1)), W2);
  const out: {method: string; phase: string; steps: number; msPerStep: number}[] = [];
  for (const c of CASES) {
    const options: ls.OdeintOptions = {method: c.method, stepSize: c.stepSize, rtol: c.rtol, atol: c.atol};
    const probe = ls.odeintWithInfo(f, y0, times, options);
    probe.y.dispose();
    for (const phase of PHASES) {
      const ms = medianMs(() => {
        if (phase === 'forward') { ls.odeint(f, y0, times, options).dispose(); return; }
        const adjoint = phase === 'forward+backward' ? 'direct' : 'adjoint';
        const {value, grads} = tf.variableGrads(() =>
          tf.sum(ls.odeint(f, y0, times, {...options, adjoint, params: [W1, W2]})) as tf.Scalar, [W1, W2]);
        tf.dispose([value, ...Object.values(grads)]);
      });
      out.push({method: c.method, phase, steps: probe.steps, msPerStep: ms / probe.steps});
    }
  }
  tf.dispose([W1, W2, y0]);
  return out;
}

function memory(): {mode: string; steps: number; peakBytes: number}[] {
  const out: {mode: string; steps: number; peakBytes: number}[] = [];
  const modes: [string, ls.OdeAdjoint][] = [['direct', 'direct'], ['adjoint', 'adjoint'], ['{checkpoints: 30}', {checkpoints: 30}]];
  for (const steps of [100, 1000]) {
    for (const [name, adjoint] of modes) {
      const W = tf.variable(tf.mul(tf.eye(8), -0.5));
      const y0 = tf.ones([1, 8]);
      const base = tf.memory().numBytes;
      let peak = 0;
      const f: ls.OdeFunction = (t, y) => { peak = Math.max(peak, tf.memory().numBytes - base); return tf.matMul(y, W); };
      const {value, grads} = tf.variableGrads(() => tf.sum(ls.odeint(f, y0, [0, 1],
        {method: 'euler', stepSize: 1 / steps, maxSteps: 2000, adjoint, params: [W]})) as tf.Scalar, [W]);
      tf.dispose([value, grads[W.name], W, y0]);
      out.push({mode: name, steps, peakBytes: peak});
    }
  }
  return out;
}

function torchdiffeq(): {versions: Record<string, unknown>; results: {method: string; phase: string; msPerStep: number; steps: number}[]} | string {
  const python = process.env.BENCH_PEERS_PYTHON ?? path.join(__dirname, '.venv', 'bin', 'python');
  if (!fs.existsSync(python)) return `no ${python}: run bash bench/peers/setup.sh, then pip install torchdiffeq into it`;
  const best: Record<string, {method: string; phase: string; msPerStep: number; steps: number}> = {};
  let versions: Record<string, unknown> = {};
  // torch with 1 and 2 threads; the faster per row (a 2-thread run stalls on a shared 2-core machine).
  for (const threads of [1, 2]) {
    const child = spawnSync(python, [path.join(__dirname, 'peers', 'odePeers.py')], {
      input: JSON.stringify({threads, repeats: REPEATS, W1: W1v, W2: W2v, y0: y0v, times, cases: CASES}),
      encoding: 'utf8', maxBuffer: 1 << 24,
    });
    if (child.status !== 0) return `torchdiffeq failed: ${child.stderr.split('\n').slice(-3).join(' ')}`;
    const parsed = JSON.parse(child.stdout);
    versions = {torch: parsed.torch, torchdiffeq: parsed.torchdiffeq};
    for (const r of parsed.results) {
      const key = `${r.method}|${r.phase}`;
      if (best[key] == null || r.msPerStep < best[key].msPerStep) best[key] = {...r, threads};
    }
  }
  return {versions, results: Object.values(best)};
}

async function main(): Promise<void> {
  await tf.ready();
  const mine = ours();
  const peer = torchdiffeq();
  const mem = memory();
  const lines = ['# ODE integration: tfjs-linsolve (tfjs-node) vs torchdiffeq (CPU)', '',
    `Problem: f(y) = tanh(y W1) W2, y [16, 8], 11 output times on [0, 1]; median of ${REPEATS}. ` +
    'ratio = tfjs-linsolve ms/step ÷ torchdiffeq ms/step (lower is better for tfjs-linsolve).', '',
    typeof peer === 'string' ? `torchdiffeq: not measured (${peer})` : `Peers: ${JSON.stringify(peer.versions)}`, '',
    '| method | phase | steps (ours) | ours ms/step | torchdiffeq ms/step | ratio |', '|---|---|---|---|---|---|'];
  for (const r of mine) {
    const p = typeof peer === 'string' ? undefined : peer.results.find(x => x.method === r.method && x.phase === r.phase);
    lines.push(`| ${r.method} | ${r.phase} | ${r.steps} | ${r.msPerStep.toFixed(3)} | ${p ? p.msPerStep.toFixed(3) : '—'} | ` +
      `${p ? (r.msPerStep / p.msPerStep).toFixed(2) + '×' : '—'} |`);
  }
  lines.push('', '## Memory of the gradient modes (Euler, y [1, 8], peak tensor bytes during dL/dW)', '',
    '| mode | 100 steps | 1000 steps |', '|---|---|---|');
  for (const mode of ['direct', 'adjoint', '{checkpoints: 30}']) {
    const at = (s: number) => mem.find(m => m.mode === mode && m.steps === s)?.peakBytes;
    lines.push(`| ${mode} | ${at(100)} | ${at(1000)} |`);
  }
  const dir = path.join(__dirname, 'results');
  fs.writeFileSync(path.join(dir, 'ode.json'), JSON.stringify({ours: mine, torchdiffeq: peer, memory: mem}, null, 2));
  fs.writeFileSync(path.join(dir, 'ode.md'), lines.join('\n') + '\n');
  console.log(lines.join('\n'));
}

main().catch(error => { console.error(error); process.exit(1); });
