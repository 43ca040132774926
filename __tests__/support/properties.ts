/**
 * The property checks, written once and run on every backend: by jest in Node (cpu, wasm,
 * tensorflow) and inside headless Chromium on webgl (webgl.test.ts bundles this file). A
 * check throws an Error that says what was measured against which bound.
 */
import * as tf from '@tensorflow/tfjs';
import * as ls from '../../src';
import {CASES, Case, Method, casesFor, convectionDiffusion, cooOf, kappaOf} from '../../testing/cases';
import {FLOAT32_EPS, Matrix64, condition, matmul, randomVector, relativeError, solve64, transpose} from '../../testing/reference';
import {RTOL, directRtol, solutionBound} from '../../testing/bounds';

export interface Check {
  /** Unique within a suite; the test's name. */
  name: string;
  run(): void;
}

/** A check that trains with the asynchronous `model.fit`: it rejects on failure. */
export interface AsyncCheck {
  name: string;
  run(): Promise<void>;
}

const ITERATIVE = new Set<Method>(['cg', 'bicgstab', 'gmres', 'jacobi']);

function atMost(what: string, value: number, bound: number): void {
  if (!(value <= bound)) throw new Error(`${what}: ${value.toExponential(3)} exceeds the bound ${bound.toExponential(3)}`);
}

/** rtol for `method` on case `c`: RTOL for iterative methods, what float32 can promise for direct ones. */
function rtolFor(method: Method, c: Case): number {
  return ITERATIVE.has(method) ? RTOL : directRtol(c.n, kappaOf(c));
}

function equal<T>(what: string, value: T, expected: T): void {
  if (value !== expected) throw new Error(`${what}: got ${String(value)}, expected ${String(expected)}`);
}

/** x = A⁻¹b against the float64 reference, for b `[n]` and `[n, 3]`, every case and method. */
export function solutionChecks(backend?: string): Check[] {
  return casesFor(backend).flatMap(c => c.methods.flatMap(method => [1, 3].map(k => ({
    name: `${c.name}, ${method}, ${k} right-hand side${k > 1 ? 's' : ''}`,
    run: () => {
      const b = Float64Array.from(randomVector(c.n * k, 11), Math.fround);
      const expected = solve64(c.A, b, k);
      const {x, status, residual} = tf.tidy(() => {
        const rhs = tf.tensor(Float32Array.from(b), k === 1 ? [c.n] : [c.n, k]);
        const result = ls.linearSolve(c.build(c.parameters()), rhs, {method, rtol: rtolFor(method, c)});
        return {x: result.x.dataSync().slice(), status: result.status, residual: result.relativeResidual};
      });
      equal('status', status, 'converged');
      atMost('‖x − x*‖/‖x*‖', relativeError(x, expected), solutionBound(c.n, kappaOf(c), ITERATIVE.has(method)));
      if (ITERATIVE.has(method)) atMost('relative residual', residual, RTOL);
    },
  }))));
}

/** Batched A `[2, n, n]` with b `[2, n]` and `[2, n, 2]`. */
export function batchChecks(): Check[] {
  const members = [CASES[0].A, CASES[1].A];
  const n = CASES[0].n;
  return (['lu', 'gmres', 'bicgstab'] as Method[]).flatMap(method => [1, 2].map(k => ({
    name: `[2, n, n] with b [2, n${k > 1 ? ', k' : ''}] by ${method}`,
    run: () => {
      const b = Float64Array.from(randomVector(2 * n * k, 5), Math.fround);
      const x = tf.tidy(() => {
        const A = tf.tensor3d(Float32Array.from([...members[0].data, ...members[1].data]), [2, n, n]);
        const rhs = tf.tensor(Float32Array.from(b), k === 1 ? [2, n] : [2, n, k]);
        const result = ls.linearSolve(A, rhs, {method, rtol: RTOL});
        equal('status', result.status, 'converged');
        equal('shape', String(result.x.shape), String(rhs.shape));
        return result.x.dataSync().slice();
      });
      members.forEach((member, i) => {
        const part = (v: ArrayLike<number>) => Float64Array.from(Array.prototype.slice.call(v, i * n * k, (i + 1) * n * k));
        const bound = solutionBound(n, condition(member), method !== 'lu');
        atMost(`member ${i}: ‖x − x*‖/‖x*‖`, relativeError(part(x), solve64(member, part(b), k)), bound);
      });
    },
  })));
}

/**
 * A batch of two sparse matrices on one pattern (values `[2, nnz]`: 6×6-grid Poisson and
 * convection-diffusion, whose patterns agree), b `[2, n]` and `[2, n, 2]`: each member's
 * x against float64, and ∂values `[2, nnz]` against −Σₖ λ[row e]·x[col e] per member.
 */
export function sparseBatchChecks(): Check[] {
  const members = [convectionDiffusion(6, 0), convectionDiffusion(6, 0.8)];
  const n = members[0].n;
  const coo = members.map(cooOf);
  if (JSON.stringify(coo[0].indices) !== JSON.stringify(coo[1].indices)) throw new Error('patterns differ');
  const {indices} = coo[0];
  const nnz = indices.length;
  const part = (v: ArrayLike<number>, i: number, size: number) =>
    Float64Array.from(Array.prototype.slice.call(v, i * size, (i + 1) * size));
  return (['lu', 'bicgstab', 'gmres', 'jacobi'] as Method[]).flatMap(method => [1, 2].map(k => ({
    name: `sparse values [2, nnz] with b [2, n${k > 1 ? ', k' : ''}] by ${method}: x and ∂values`,
    run: () => {
      const b = Float64Array.from(randomVector(2 * n * k, 7), Math.fround);
      const w = Float64Array.from(randomVector(2 * n * k, 8), Math.fround);
      const shape = k === 1 ? [2, n] : [2, n, k];
      const {x, dValues} = tf.tidy(() => {
        const values = tf.tensor2d(Float32Array.from([...coo[0].values, ...coo[1].values]), [2, nnz]);
        const rhs = tf.tensor(Float32Array.from(b), shape);
        const weights = tf.tensor(Float32Array.from(w), shape);
        const solveWith = (v: tf.Tensor) => ls.solve(ls.sparse({indices, values: v, shape: [n, n]}), rhs, {method, rtol: RTOL});
        const solution = solveWith(values);
        equal('shape', String(solution.shape), String(shape));
        const [g] = tf.grads((v: tf.Tensor) => tf.sum(tf.mul(weights, solveWith(v))))([values]);
        equal('∂values shape', String(g.shape), String([2, nnz]));
        return {x: solution.dataSync().slice(), dValues: g.dataSync().slice()};
      });
      members.forEach((member, i) => {
        const bound = solutionBound(n, condition(member), method !== 'lu');
        const xi = solve64(member, part(b, i, n * k), k);
        const lambda = solve64(transpose(member), part(w, i, n * k), k);
        atMost(`member ${i}: ‖x − x*‖/‖x*‖`, relativeError(part(x, i, n * k), xi), bound);
        const expected = Float64Array.from(indices, ([r, c]) => {
          let s = 0;
          for (let j = 0; j < k; j++) s += lambda[r * k + j] * xi[c * k + j];
          return -s;
        });
        atMost(`member ${i}: ∂values error`, relativeError(part(dValues, i, nnz), expected), 2 * bound);
      });
    },
  })));
}
/**
/**

/** L = Σ w ⊙ x: ∂L/∂b and ∂L/∂θ from the library, flattened. */
function libraryGradients(c: Case, method: Method, b: Float64Array, w: Float64Array, k: number): Float32Array[] {
  return tf.tidy(() => {
    const shape = k === 1 ? [c.n] : [c.n, k];
    const rhs = tf.tensor(Float32Array.from(b), shape);
    const weights = tf.tensor(Float32Array.from(w), shape);
    const loss = (bb: tf.Tensor, ...params: tf.Tensor[]) =>
      tf.sum(tf.mul(weights, ls.solve(c.build(params), bb, {method, rtol: rtolFor(method, c)})));
    return tf.grads(loss)([rhs, ...c.parameters()]).map(g => g.dataSync().slice() as Float32Array);
  });
}

/** ∂b = A⁻ᵀw and ∂θ = −λᵀ(∂A/∂θ)x against float64, every case and method, k = 1 and 2. */
export function gradientChecks(backend?: string): Check[] {
  return casesFor(backend).flatMap(c => c.methods.flatMap(method => [1, 2].map(k => ({
    name: `${c.name}, ${method}, k=${k}: ∂b = A⁻ᵀw, ∂θ = −λᵀ(∂A/∂θ)x`,
    run: () => {
      const b = Float64Array.from(randomVector(c.n * k, 21), Math.fround);
      const w = Float64Array.from(randomVector(c.n * k, 22), Math.fround);
      const x = solve64(c.A, b, k);
      const lambda = solve64(transpose(c.A), w, k);
      const expected = c.gradient(lambda, x, k);
      const [db, ...dParams] = libraryGradients(c, method, b, w, k);
      const bound = solutionBound(c.n, kappaOf(c), ITERATIVE.has(method));
      atMost('∂b error', relativeError(db, lambda), bound);
      // ∂θ is bilinear in λ and x, so its error is at most the sum of theirs.
      dParams.forEach((g, i) => atMost(`∂θ${i} error`, relativeError(g, expected[i]), 2 * bound));
    },
  }))));
}

/**
 * Central differences in float32 with step h carry O(h²) truncation and O(ε/h) rounding: with
 * h = 1e-2 they are good to about 1e-2 of the derivative's own size, which is all this loose
 * check claims — compared relative to the directional derivative, so a wrong sign or scale
 * fails it at any gradient size. Every method of every case whose κ lets float32 differences
 * mean anything.
 */
export function finiteDifferenceChecks(backend?: string): Check[] {
  const h = 1e-2;
  return casesFor(backend).filter(c => c.finiteDifferences !== false).flatMap(c => c.methods.map(method => ({
    name: `${c.name}, ${method}: d/dt L(θ + t·v) at t = 0`,
    run: () => tf.tidy(() => {
      const b = tf.tensor1d(Float32Array.from(randomVector(c.n, 31)));
      const w = tf.tensor1d(Float32Array.from(randomVector(c.n, 32)));
      const params = c.parameters();
      const V = c.admissible(params.map((p, i) => randomVector(p.size, 40 + i)));
      const directions = params.map((p, i) => tf.tensor(Float32Array.from(V[i]), p.shape));
      const loss = (...ps: tf.Tensor[]) => tf.sum(tf.mul(w, ls.solve(c.build(ps), b, {method, rtol: 1e-6})));
      const at = (t: number) => loss(...params.map((p, i) => tf.add(p, tf.mul(directions[i], t)))).dataSync()[0];
      const numeric = (at(h) - at(-h)) / (2 * h);
      const grads = tf.grads(loss)(params);
      const analytic = grads.reduce((sum, g, i) => sum + tf.sum(tf.mul(g, directions[i])).dataSync()[0], 0);
      atMost('|numeric − analytic| / |analytic|', Math.abs(numeric - analytic) / Math.abs(analytic), 1e-2);
    }),
  })));
}

/** `'auto'` picks the method the capabilities say, and its answer meets that method's bound. */
export function autoChecks(backend?: string): Check[] {
  return casesFor(backend).map(c => ({
    name: `${c.name}: 'auto' picks ${c.auto}`,
    run: () => {
      const b = Float64Array.from(randomVector(c.n, 61), Math.fround);
      const {x, method, status} = tf.tidy(() => {
        const result = ls.linearSolve(c.build(c.parameters()), tf.tensor1d(Float32Array.from(b)), {rtol: rtolFor(c.auto, c)});
        return {x: result.x.dataSync().slice(), method: result.method, status: result.status};
      });
      equal('method', method, c.auto);
      equal('status', status, 'converged');
      atMost('‖x − x*‖/‖x*‖', relativeError(x, solve64(c.A, b)), solutionBound(c.n, kappaOf(c), ITERATIVE.has(c.auto)));
    },
  }));
}

/**
 * Second derivatives with respect to A's parameters θ, on every case with explicit parameters
 * and every method: for f(θ) = wᵀA(θ)⁻¹b (A linear in θ, E = ∂A along V), the Hessian-vector
 * product is ∂/∂θ⟨∇f, V⟩ = −[gradient(A⁻ᵀEᵀλ, x) + gradient(λ, A⁻¹E x)], against float64.
 * Matrix-free operators are left out: their parameters live in a closure, where the implicit
 * adjoint gives first derivatives only (documented in ImplicitAdjoint).
 */
export function secondOrderChecks(backend?: string): Check[] {
  return casesFor(backend).filter(c => !c.name.startsWith('matrix-free')).flatMap(c => c.methods.map(method => ({
    name: `${c.name}, ${method}: ∂/∂θ ⟨∇f, V⟩ matches the float64 Hessian-vector product`,
    run: () => {
      const b = Float64Array.from(randomVector(c.n, 71), Math.fround);
      const w = Float64Array.from(randomVector(c.n, 72), Math.fround);
      const sizes = tf.tidy(() => c.parameters().map(p => p.size));
      const V = c.admissible(sizes.map((size, i) => randomVector(size, 73 + i))).map(v => Float64Array.from(v, Math.fround));
      const expected = hessianVectorProduct(c, b, w, V);
      const got = tf.tidy(() => {
        const bt = tf.tensor1d(Float32Array.from(b));
        const wt = tf.tensor1d(Float32Array.from(w));
        const params = c.parameters();
        const Vt = params.map((p, i) => tf.tensor(Float32Array.from(V[i]), p.shape));
        const f = (...ps: tf.Tensor[]) => tf.sum(tf.mul(wt, ls.solve(c.build(ps), bt, {method, rtol: rtolFor(method, c)})));
        const directional = (...ps: tf.Tensor[]) =>
          tf.addN(tf.grads(f)(ps).map((g, i) => tf.sum(tf.mul(g, Vt[i]))));
        return tf.grads(directional)(params).map(g => g.dataSync().slice());
      });
      // Three solves deep (x, λ and their derivatives): 4κ times a solve's own error.
      const bound = 4 * kappaOf(c) * (3 * c.n * FLOAT32_EPS + (ITERATIVE.has(method) ? RTOL : 0));
      // Compared on admissible directions only: a symmetric tag makes the solvers treat A as
      // symmetric, so only the symmetric part of a derivative with respect to A is owed.
      const [gotAdmissible, expectedAdmissible] = [c.admissible(got.map(g => Float64Array.from(g))), c.admissible(expected)];
      gotAdmissible.forEach((g, i) =>
        atMost(`Hessian-vector product θ${i} error`, relativeError(g, expectedAdmissible[i]), bound));
    },
  })));
}

function hessianVectorProduct(c: Case, b: Float64Array, w: Float64Array, V: Float64Array[]): Float64Array[] {
  const E: Matrix64 = c.direction(V);
  const x = solve64(c.A, b);
  const lambda = solve64(transpose(c.A), w);
  const a = solve64(transpose(c.A), matmul(transpose(E), lambda));
  const cx = solve64(c.A, matmul(E, x));
  const first = c.gradient(a, x, 1);
  const second = c.gradient(lambda, cx, 1);
  return first.map((g, i) => g.map((v, j) => -(v + second[i][j])));
}

/**
 * numTensors after solve, linearSolve, tf.grads and tf.variableGrads equals numTensors before,
 * up to `gradsLeak` per input of each tf.grads/variableGrads call: tfjs 4.22 on WebGL itself
 * leaks that many (measured in the same page with tf.grads(a => tf.sum(a))).
 */
export function leakChecks(gradsLeak = 0, backend?: string): Check[] {
  return casesFor(backend).flatMap(c => c.methods.map(method => ({
    name: `${c.name}, ${method}: solve, linearSolve and a gradient leave numTensors unchanged`,
    run: () => {
      const params = c.parameters();
      const b = tf.ones([c.n, 2]);
      const bVariable = tf.variable(b);
      const A = c.build(params);
      const options = {method, rtol: rtolFor(method, c)};
      ls.solve(A, b, options).dispose();   // lazily built layouts (sparse) belong to A
      const before = tf.memory().numTensors;
      ls.solve(A, b, options).dispose();
      ls.linearSolve(A, b, options).x.dispose();
      const grads = tf.grads((bb: tf.Tensor, ...ps: tf.Tensor[]) =>
        tf.sum(ls.solve(c.build(ps), bb, options)))([b, ...params]);
      tf.dispose(grads);
      const {value, grads: vg} = tf.variableGrads(() => tf.sum(ls.solve(A, bVariable, options)), [bVariable]);
      tf.dispose([value, ...Object.values(vg)]);
      const allowed = gradsLeak * (1 + params.length + 1);
      const after = tf.memory().numTensors;
      tf.dispose([b, bVariable, ...params]);
      atMost('tensors left behind', after - before, allowed);
    },
  })));
}

/** What tfjs itself leaks per input of one tf.grads call on the active backend. */
export function measureGradsLeak(): number {
  const a = tf.ones([3]);
  const before = tf.memory().numTensors;
  tf.dispose(tf.grads((x: tf.Tensor) => tf.sum(x))([a]));
  const leaked = tf.memory().numTensors - before;
  a.dispose();
  return leaked;
}
