/**
 * Property checks of the asynchronous solves, written once and run by jest in Node (cpu, wasm,
 * tensorflow) and inside headless Chromium on webgl and webgpu. Every value is read with
 * `await data()`, so the checks themselves never read synchronously (WebGPU breaks after a
 * synchronous read); with `compareSync` they also run the synchronous path and require the
 * same values, statuses and iteration counts.
 */
import * as tf from '@tensorflow/tfjs';
import * as ls from '../../src';
import {Case, Method, casesFor, kappaOf} from '../../testing/cases';
import {randomVector, relativeError, solve64, transpose} from '../../testing/reference';
import {RTOL, directRtol, solutionBound} from '../../testing/bounds';
import type {AsyncCheck} from './properties';

const ITERATIVE = new Set<Method>(['cg', 'bicgstab', 'gmres', 'jacobi']);

function atMost(what: string, value: number, bound: number): void {
  if (!(value <= bound)) throw new Error(`${what}: ${value.toExponential(3)} exceeds the bound ${bound.toExponential(3)}`);
}

function equal<T>(what: string, value: T, expected: T): void {
  if (value !== expected) throw new Error(`${what}: got ${String(value)}, expected ${String(expected)}`);
}

function rtolFor(method: Method, c: Case): number {
  return ITERATIVE.has(method) ? RTOL : directRtol(c.n, kappaOf(c));
}

/**
 * Counts the engine's synchronous reads (`dataSync`, `arraySync`) while `fn` runs, with the
 * stack of the first. Not counted: tfjs moving a tensor made under another backend on its
 * first use (the fixtures' cached constants, made once under the first backend tested).
 */
export async function countSyncReads<T>(fn: () => Promise<T>): Promise<{value: T; reads: number; first?: string}> {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const engine = tf.engine() as any;
  const {readSync, moveData} = engine;
  let reads = 0;
  let moving = 0;
  let first: string | undefined;
  engine.readSync = function (...args: unknown[]) {
    if (moving === 0 && reads++ === 0) first = new Error('synchronous read').stack;
    return readSync.apply(this, args);
  };
  engine.moveData = function (...args: unknown[]) {
    moving++;
    try { return moveData.apply(this, args); } finally { moving--; }
  };
  try {
    return {value: await fn(), reads, first};
  } finally {
    engine.readSync = readSync;
    engine.moveData = moveData;
  }
}

/** Owned tensors' values, read asynchronously, then disposed. */
async function take(t: tf.Tensor): Promise<Float32Array> {
  try {
    return Float32Array.from(await t.data() as Float32Array);
  } finally {
    t.dispose();
  }
}

/**
 * x from `linearSolveAsync` against the float64 reference, for b `[n]` and `[n, 3]`, every case
 * and method, with no synchronous read; with `compareSync`, equal to `linearSolve`'s x and stats.
 */
export function asyncSolutionChecks(backend: string, {compareSync, noSyncReads, iterativeOnly = false, ks = [1, 3]}: {
  compareSync: boolean; noSyncReads: boolean; iterativeOnly?: boolean; ks?: number[];
}): AsyncCheck[] {
  const methods = (c: Case) => c.methods.filter(m => !iterativeOnly || ITERATIVE.has(m));
  return casesFor(backend).flatMap(c => methods(c).flatMap(method => ks.map(k => ({
    name: `${c.name}, ${method}, ${k} right-hand side${k > 1 ? 's' : ''}`,
    run: async () => {
      const b = Float64Array.from(randomVector(c.n * k, 11), Math.fround);
      const expected = solve64(c.A, b, k);
      const params = c.parameters();
      const rhs = tf.tensor(Float32Array.from(b), k === 1 ? [c.n] : [c.n, k]);
      const options = {method, rtol: rtolFor(method, c)};
      try {
        const A = c.build(params);
        const {value: result, reads, first} = await countSyncReads(() => ls.linearSolveAsync(A, rhs, options));
        if (noSyncReads && reads > 0) throw new Error(`linearSolveAsync read synchronously ${reads} times; the first: ${first}`);
        equal('shape', String(result.x.shape), String(rhs.shape));
        const x = await take(result.x);
        equal('status', result.status, 'converged');
        equal('method', result.method, method);
        atMost('‖x − x*‖/‖x*‖', relativeError(x, expected), solutionBound(c.n, kappaOf(c), ITERATIVE.has(method)));
        if (ITERATIVE.has(method)) atMost('relative residual', result.relativeResidual, RTOL);
        if (compareSync) {
          // The asynchronous path runs the tf-ops loop on webgl and tfjs-node (the WebGL engine's
          // fused loop and hybrid factorisations, and the native engine's loop, read
          // synchronously), so its synchronous twin runs it too.
          const previousWebgl = ls.useWebglEngine(false);
          const previousNative = ls.useNativeEngine(false);
          let sync: ls.LinearSolveResult;
          try {
            sync = ls.linearSolve(A, rhs, options);
          } finally {
            ls.useWebglEngine(previousWebgl);
            ls.useNativeEngine(previousNative);
          }
          const xs = await take(sync.x);
          equal('iterations (sync vs async)', result.iterations, sync.iterations);
          equal('status (sync vs async)', result.status, sync.status);
          equal('relative residual (sync vs async)', result.relativeResidual, sync.relativeResidual);
          const differ = x.findIndex((v, i) => !Object.is(v, xs[i]));
          if (differ >= 0) throw new Error(`x[${differ}]: async ${x[differ]} ≠ sync ${xs[differ]}`);
        }
      } finally {
        tf.dispose([rhs, ...params]);
      }
    },
  }))));
}

/** The same with `solveAsync`, and no tensor left behind, success and failure paths alike. */
export function asyncLeakChecks(backend: string): AsyncCheck[] {
  const checks: AsyncCheck[] = casesFor(backend).flatMap(c => c.methods.map(method => ({
    name: `${c.name}, ${method}: solveAsync and linearSolveAsync leave numTensors unchanged`,
    run: async () => {
      const params = c.parameters();
      const b = tf.ones([c.n, 2]);
      const A = c.build(params);
      const options = {method, rtol: rtolFor(method, c)};
      try {
        (await ls.solveAsync(A, b, options)).dispose();   // lazily built layouts (sparse) belong to A
        const before = tf.memory().numTensors;
        (await ls.solveAsync(A, b, options)).dispose();
        (await ls.linearSolveAsync(A, b, options)).x.dispose();
        // A failure path: too few iterations, reported, then thrown.
        const capped = {...options, maxIterations: 1, rtol: 1e-7};
        if (ITERATIVE.has(method)) {
          (await ls.linearSolveAsync(A, b, {...capped, onFailure: 'ignore'})).x.dispose();
          await ls.solveAsync(A, b, capped).then(x => { x.dispose(); }, () => undefined);
        }
        const wrong = tf.ones([c.n + 1]);
        await ls.solveAsync(A, wrong, options).then(x => { x.dispose(); }, () => undefined);
        wrong.dispose();
        atMost('tensors left behind', tf.memory().numTensors - before, 0);
      } finally {
        tf.dispose([b, ...params]);
      }
    },
  })));
  return checks;
}

async function rejection(promise: Promise<unknown>): Promise<ls.LinearSolveError> {
  try {
    const value = await promise;
    if (value instanceof tf.Tensor) value.dispose();
  } catch (error) {
    if (!(error instanceof ls.LinearSolveError)) throw new Error(`rejected with a ${(error as Error)?.name}: ${String(error)}`);
    return error;
  }
  throw new Error('resolved; expected a rejection with a LinearSolveError');
}

/** Statuses and errors: failures reject with a `LinearSolveError` and its code, as linearSolve throws. */
export function asyncStatusChecks(): AsyncCheck[] {
  const n = 16;
  const indefinite = () => tf.tensor2d(Float32Array.from({length: n * n}, (_, i) => {
    const row = Math.floor(i / n);
    return row === i % n ? (row % 2 === 0 ? 1 : -1) : 0;
  }), [n, n]);
  const spd = () => tf.tidy(() => tf.add(tf.mul(tf.eye(n), 4), tf.fill([n, n], 0.1)));
  const withTensors = (body: (ts: tf.Tensor[]) => Promise<void>, ...make: Array<() => tf.Tensor>) => async () => {
    const ts = make.map(m => m());
    try { await body(ts); } finally { tf.dispose(ts); }
  };
  const ones = () => tf.ones([n]);
  const random = () => tf.tensor1d(Float32Array.from(randomVector(n, 7)));
  return [
    {name: "maxIterations: rejects 'notConverged'; with onFailure 'ignore' resolves with the status",
      run: withTensors(async ([A, b]) => {
        equal('code', (await rejection(ls.solveAsync(A, b, {method: 'cg', maxIterations: 1, rtol: 1e-7}))).code, 'notConverged');
        const r = await ls.linearSolveAsync(A, b, {method: 'cg', maxIterations: 1, rtol: 1e-7, onFailure: 'ignore'});
        r.x.dispose();
        equal('status', r.status, 'maxIterations');
        equal('iterations', r.iterations, 1);
      }, spd, random)},
    {name: "CG on an indefinite A (pᵀAp = 0): rejects 'breakdown'",
      run: withTensors(async ([A, b]) => {
        equal('code', (await rejection(ls.solveAsync(A, b, {method: 'cg'}))).code, 'breakdown');
      }, indefinite, ones)},
    {name: "NaN in b: rejects 'nonFinite' for a direct and an iterative method",
      run: withTensors(async ([A, b]) => {
        equal('lu code', (await rejection(ls.solveAsync(A, b, {method: 'lu'}))).code, 'nonFinite');
        equal('gmres code', (await rejection(ls.solveAsync(A, b, {method: 'gmres'}))).code, 'nonFinite');
      }, spd, () => tf.tensor1d(Float32Array.from({length: n}, (_, i) => (i === 3 ? NaN : 1))))},
    {name: "a singular A: rejects 'singular' (lu)",
      run: withTensors(async ([A, b]) => {
        equal('code', (await rejection(ls.solveAsync(A, b, {method: 'lu'}))).code, 'singular');
      }, () => tf.zeros([n, n]), ones)},
    {name: "bad input rejects (not throws) with 'shape', 'option' and 'dtype'",
      run: withTensors(async ([A, b]) => {
        let thrown = false;
        let promise: Promise<unknown> | null = null;
        const wrong = tf.ones([n + 1]);
        try { promise = ls.solveAsync(A, wrong); } catch { thrown = true; }
        equal('threw synchronously', thrown, false);
        equal('shape code', (await rejection(promise as Promise<unknown>)).code, 'shape');
        wrong.dispose();
        equal('option code', (await rejection(ls.solveAsync(A, b, {method: 'cg', bogus: 1} as unknown as ls.SolveOptions))).code, 'option');
        equal('restart on lu', (await rejection(ls.solveAsync(A, b, {method: 'lu', restart: 5}))).code, 'option');
        equal('dtype code', (await rejection(ls.solveAsync('A' as unknown as tf.Tensor, b))).code, 'dtype');
      }, spd, ones)},
    {name: "inside tf.grad: rejects with 'option' (tfjs gradients are synchronous), nothing left behind",
      run: withTensors(async ([A, b]) => {
        const before = tf.memory().numTensors;
        let pending: Promise<unknown> | null = null;
        const g = tf.grad((bb: tf.Tensor) => { pending = ls.solveAsync(A, bb, {method: 'cg'}); return tf.sum(bb); })(b);
        g.dispose();
        equal('code', (await rejection(pending as unknown as Promise<unknown>)).code, 'option');
        atMost('tensors left behind', tf.memory().numTensors - before, 0);
      }, spd, ones)},
    {name: 'numbers as tfjs ops take them (nested arrays, a TypedArray): the same x as tensors, copies freed',
      run: withTensors(async ([A, b]) => {
        const rows = await A.array() as number[][];
        const values = Float32Array.from(await b.data() as Float32Array);
        const before = tf.memory().numTensors;
        const fromArrays = await ls.linearSolveAsync(rows, values, {method: 'lu'});
        atMost('tensors beyond x', tf.memory().numTensors - before, 1);
        const expected = await take(await ls.solveAsync(A, b, {method: 'lu'}));
        const x = await take(fromArrays.x);
        equal('status', fromArrays.status, 'converged');
        const differ = x.findIndex((v, i) => !Object.is(v, expected[i]));
        if (differ >= 0) throw new Error(`x[${differ}]: from arrays ${x[differ]} ≠ from tensors ${expected[differ]}`);
        atMost('tensors left behind', tf.memory().numTensors - before, 0);
      }, spd, random)},
    {name: 'empty systems resolve to the empty x',
      run: withTensors(async ([A]) => {
        const empty = tf.zeros([n, 0]);
        const x = await ls.solveAsync(A, empty);
        equal('shape', String(x.shape), `${n},0`);
        tf.dispose([x, empty]);
      }, spd)},
  ];
}

/**
 * The gradient fixture both gradient checks use: dense SPD n = 24, b and the loss weights w
 * from fixed seeds; `gradients` returns ∂(wᵀx)/∂b and ∂(wᵀx)/∂A, checked against float64
 * (∂b = A⁻ᵀw, ∂A = −λxᵀ).
 */
async function expectImplicitGradient(
    gradients: (A: tf.Tensor, b: tf.Tensor, w: tf.Tensor) => Promise<[tf.Tensor, tf.Tensor]>): Promise<void> {
  const c = gradientCase();
  const n = c.n;
  const bv = Float64Array.from(randomVector(n, 21), Math.fround);
  const wv = Float64Array.from(randomVector(n, 22), Math.fround);
  const [A] = c.parameters();
  const b = tf.tensor1d(Float32Array.from(bv));
  const w = tf.tensor1d(Float32Array.from(wv));
  try {
    const [db, dA] = await gradients(A, b, w);
    const lambda = solve64(transpose(c.A), wv, 1);
    const x = solve64(c.A, bv, 1);
    const bound = solutionBound(n, kappaOf(c), true);
    atMost('∂b error', relativeError(await take(db), lambda), bound);
    atMost('∂A error', relativeError(await take(dA), c.gradient(lambda, x, 1)[0]), 2 * bound);
  } finally {
    tf.dispose([A, b, w]);
  }
}

const gradientCase = () => casesFor().find(x => x.name.startsWith('dense SPD n=24')) as Case;

/**
 * The documented gradient recipe: `ls.solve` inside `tf.grad`, warm-started with the awaited x.
 * Its forward converges at the first check (0 iterations), and its gradient is the implicit
 * adjoint's: ∂b = A⁻ᵀw against float64, equal to a cold synchronous solve's.
 */
export function asyncGradientChecks(): AsyncCheck[] {
  return (['cg', 'gmres'] as Method[]).map(method => ({
    name: `${gradientCase().name}, ${method}: ls.solve warm-started from solveAsync's x gives the implicit gradient`,
    run: () => expectImplicitGradient(async (A, b, w) => {
      const x0 = await ls.solveAsync(A, b, {method});
      const stats: {warm?: ls.LinearSolveResult} = {};
      const grads = tf.grads((bb: tf.Tensor, aa: tf.Tensor) => {
        stats.warm = ls.linearSolve(aa, bb, {method, x0});
        return tf.sum(tf.mul(w, stats.warm.x));
      })([b, A]);
      x0.dispose();
      equal('warm-started iterations', stats.warm?.iterations, 0);
      return grads as [tf.Tensor, tf.Tensor];
    }),
  }));
}

/**
 * A gradient with no readback at all, as WebGPU allows: CG with `fixedIterations` (no
 * convergence check, status 'unchecked') inside `tf.grads`, forward and implicit backward, read
 * with `await data()`. With 3n iterations CG has converged on this well-conditioned SPD case,
 * so ∂b and ∂A meet the float64 bounds.
 */
export function readbackFreeGradientChecks(): AsyncCheck[] {
  return [{
    name: `${gradientCase().name}, cg with fixedIterations: ∂b = A⁻ᵀw and ∂A = −λxᵀ with no synchronous read`,
    run: () => expectImplicitGradient(async (A, b, w) => {
      const options = {method: 'cg' as const, fixedIterations: true, maxIterations: 3 * gradientCase().n};
      const {value, reads, first} = await countSyncReads(async () =>
        tf.grads((bb: tf.Tensor, aa: tf.Tensor) => tf.sum(tf.mul(w, ls.solve(aa, bb, options))))([b, A]));
      if (reads > 0) throw new Error(`the gradient read synchronously ${reads} times; the first: ${first}`);
      return value as [tf.Tensor, tf.Tensor];
    }),
  }];
}
