/**
 * Where the time goes (`npm run bench -- --profile`): the marginal cost of one CG iteration
 * ((T(k₂) − T(k₁))/(k₂ − k₁), unprofiled), the sparse product A·p alone, the tfjs kernels of one
 * iteration from tf.profile, and LU split into factorisation (`LUSolver.init`) and triangular
 * solves (`compute`) with their top kernels.
 *
 * Kernel times from tf.profile are slowed by profiling and cover registered tfjs kernels only;
 * a custom op counts as one 'customOp' whose time includes what it nests, and native ops that
 * tfjs-linsolve calls by name on tfjs-node are invisible to it (hence "A·p alone").
 */
import * as tf from '@tensorflow/tfjs';
import * as ls from '../../src';
import {LUSolver} from '../../src/extend';
import {fmtMs, now} from '../lib/measure';
import {DenseProblem, PoissonProblem} from '../lib/problems';
import {poissonTensors} from '../cases/cg';

export interface KernelCost {name: string; count: number; ms: number}

export interface CgProfile {
  backend: string;
  m: number;
  msPerIteration: number;
  fixedMs: number;
  kernelsPerIteration: number;
  customOpsPerIteration: number;
  kernelMsPerIteration: number;
  perIteration: KernelCost[];
  matvecMs: number;
}

export interface LuProfile {
  backend: string;
  n: number;
  factorMs: number;
  solveMs: number;
  factorKernels: number;
  solveKernels: number;
  factorTop: KernelCost[];
  solveTop: KernelCost[];
}

async function profileKernels(fn: () => void): Promise<KernelCost[]> {
  const check = tf.env().getBool('CHECK_COMPUTATION_FOR_ERRORS');
  tf.env().set('CHECK_COMPUTATION_FOR_ERRORS', false);
  try {
    const info = await tf.profile(() => { fn(); });
    return info.kernels.map(k => ({name: k.name, count: 1, ms: typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0}));
  } finally {
    tf.env().set('CHECK_COMPUTATION_FOR_ERRORS', check);
  }
}

function byName(kernels: KernelCost[]): Map<string, KernelCost> {
  const out = new Map<string, KernelCost>();
  for (const k of kernels) {
    const e = out.get(k.name) ?? {name: k.name, count: 0, ms: 0};
    e.count += k.count;
    e.ms += k.ms;
    out.set(k.name, e);
  }
  return out;
}

function top(costs: Iterable<KernelCost>, k = 8): KernelCost[] {
  return [...costs].sort((a, b) => b.ms - a.ms).slice(0, k)
    .map(c => ({name: c.name === 'unnamed scope' ? 'customOp' : c.name, count: +c.count.toFixed(2), ms: +c.ms.toFixed(3)}));
}

function timeIt(reps: number, fn: () => void): number {
  fn();
  const t0 = now();
  for (let i = 0; i < reps; i++) fn();
  return (now() - t0) / reps;
}

export async function profileCg(backend: string, problem: PoissonProblem, msPerIterationHint: number): Promise<CgProfile> {
  const t = poissonTensors(problem, `profile-${backend}`);
  try {
    const solveFor = (k: number) => () => {
      const r = ls.linearSolve(t.A, t.bVar, {method: 'cg', maxIterations: k, fixedIterations: true});
      r.x.dataSync();
      r.x.dispose();
    };
    const k1 = 5;
    // About 2 s of iterations, between 10 and 100 more than k1.
    const k2 = k1 + Math.max(10, Math.min(100, Math.round(2000 / Math.max(msPerIterationHint, 1e-3))));
    solveFor(k1)();
    const t1 = timeIt(1, solveFor(k1));
    const t2 = timeIt(1, solveFor(k2));
    const msPerIteration = (t2 - t1) / (k2 - k1);
    const p1 = byName(await profileKernels(solveFor(k1)));
    const p2 = byName(await profileKernels(solveFor(k2)));
    const perIteration: KernelCost[] = [];
    let customOps = 0;
    for (const [name, c] of p2) {
      const base = p1.get(name) ?? {name, count: 0, ms: 0};
      const count = (c.count - base.count) / (k2 - k1);
      if (name === 'unnamed scope') customOps += count;
      else if (count > 0) perIteration.push({name, count, ms: (c.ms - base.ms) / (k2 - k1)});
    }
    const x = tf.ones([problem.n, 1]);
    const matvecMs = timeIt(Math.max(3, Math.min(200, Math.round(500 / Math.max(msPerIterationHint, 1e-3)))),
      () => tf.tidy(() => { t.A.apply(x); }));
    x.dispose();
    return {backend, m: problem.m, msPerIteration, fixedMs: t1 - k1 * msPerIteration,
      kernelsPerIteration: perIteration.reduce((s, c) => s + c.count, 0), customOpsPerIteration: customOps,
      kernelMsPerIteration: perIteration.reduce((s, c) => s + c.ms, 0), perIteration: top(perIteration, 10), matvecMs};
  } finally {
    t.dispose();
  }
}

export async function profileLu(backend: string, problem: DenseProblem): Promise<LuProfile> {
  const n = problem.n;
  const a = tf.tensor2d(problem.A, [n, n]);
  const b = tf.tensor2d(problem.b, [n, 1]);
  const operator = ls.dense(a);
  const solver: ls.Solver = new LUSolver();
  const options: ls.SolverOptions = {rtol: 1e-5, atol: 0, maxIterations: null, checkEvery: 1, x0: null,
    preconditioner: null, restart: 20, fixedIterations: false};
  try {
    let state: ls.SolverState | null = null;
    let t0 = now();
    const factor = await profileKernels(() => {
      state = solver.init(operator, options);
      state.tensors.forEach(s => s.dataSync());
    });
    const factorMs = now() - t0;
    const s = state as unknown as ls.SolverState;
    t0 = now();
    const solve = await profileKernels(() => {
      const r = solver.compute(s, b, options);
      r.x.dataSync();
      r.x.dispose();
    });
    const solveMs = now() - t0;
    tf.dispose(s.tensors);
    return {backend, n, factorMs, solveMs, factorKernels: factor.length, solveKernels: solve.length,
      factorTop: top(byName(factor).values(), 6), solveTop: top(byName(solve).values(), 6)};
  } finally {
    tf.dispose([a, b]);
  }
}

const fmtTop = (ks: KernelCost[], k = 6) => ks.slice(0, k).map(c => `${c.name} ×${c.count} ${fmtMs(c.ms)}`).join(', ');

export function profileTable(cg: CgProfile[], lu: LuProfile[]): string {
  const lines = [
    '| backend | grid | ms/iter | fixed ms/solve | A·p alone | kernels/iter | their ms/iter | top kernels per iteration |',
    '|---|---|---:|---:|---:|---:|---:|---|'];
  for (const p of cg) {
    lines.push(`| ${p.backend} | ${p.m}² | ${p.msPerIteration.toFixed(3)} | ${p.fixedMs.toFixed(1)} | ${fmtMs(p.matvecMs)} | ` +
      `${p.kernelsPerIteration.toFixed(1)} + ${p.customOpsPerIteration.toFixed(1)} custom | ` +
      `${p.kernelMsPerIteration.toFixed(3)} | ${fmtTop(p.perIteration)} |`);
  }
  lines.push('', '| backend | n | LU factor | kernels | top kernels (factor) | solve | kernels | top kernels (solve) |',
    '|---|---:|---:|---:|---|---:|---:|---|');
  for (const p of lu) {
    lines.push(`| ${p.backend} | ${p.n} | ${fmtMs(p.factorMs)} | ${p.factorKernels} | ${fmtTop(p.factorTop, 4)} | ` +
      `${fmtMs(p.solveMs)} | ${p.solveKernels} | ${fmtTop(p.solveTop, 4)} |`);
  }
  return lines.join('\n');
}
