/**
 * Checks of the custom WebGL programs against the tf-ops kernels they replace (the reference,
 * `ls.useWebglEngine(false)`) and against float64: the one-pass sparse product and its
 * transpose on random patterns, the fused CG and BiCGStab loops (results, iteration counts,
 * statuses, gradients through the implicit adjoint, leaks), and the hybrid dense LU and Cholesky on
 * matrices that need pivoting. Run in the WebGL page (suites.ts); on any other backend the
 * switch changes nothing and the checks compare a path with itself.
 */
import * as tf from '@tensorflow/tfjs';
import * as ls from '../../src';
import {Method, spd} from '../../testing/cases';
import {FLOAT32_EPS, Matrix64, condition, matmul, randomVector, relativeError, rng, solve64, transpose} from '../../testing/reference';
import {directRtol, solutionBound} from '../../testing/bounds';
import {AsyncCheck, Check} from './properties';

function atMost(what: string, value: number, bound: number): void {
  if (!(value <= bound)) throw new Error(`${what}: ${value.toExponential(3)} exceeds the bound ${bound.toExponential(3)}`);
}

function equal<T>(what: string, value: T, expected: T): void {
  if (value !== expected) throw new Error(`${what}: got ${String(value)}, expected ${String(expected)}`);
}

/** f() with the WebGL engine switched `on` (restored after). */
function withEngine<T>(on: boolean, f: () => T): T {
  const previous = ls.useWebglEngine(on);
  try {
    return f();
  } finally {
    ls.useWebglEngine(previous);
  }
}

/** tfjs kernels queued by f (custom programs are not tfjs kernels: tf.profile does not list them). */
function kernelCount(f: () => tf.Tensor): Promise<number> {
  return tf.profile(() => f()).then(p => p.kernels.length);
}

/**
 * A random n×n pattern with empty rows, one dense row and one dense column (longer than the
 * average by far), duplicates excluded; values uniform in [−1, 1).
 */
function randomPattern(n: number, seed: number): {indices: number[][]; values: number[]; dense: Matrix64} {
  const next = rng(seed);
  const data = new Float64Array(n * n);
  const indices: number[][] = [];
  const values: number[] = [];
  const add = (i: number, j: number) => {
    if (data[i * n + j] !== 0) return;
    const v = Math.fround(2 * next() - 1) || 0.5;
    data[i * n + j] = v;
    indices.push([i, j]);
    values.push(v);
  };
  for (let i = 0; i < n; i++) {
    if (i % 7 === 3) continue;                                        // empty rows
    const count = i === 5 ? n : 1 + Math.floor(next() * 4);           // row 5 is full
    for (let t = 0; t < count; t++) add(i, i === 5 ? t : Math.floor(next() * n));
  }
  for (let i = 0; i < n; i++) if (i % 7 !== 3) add(i, 2);            // column 2 is (nearly) full
  return {indices, values, dense: {n, data}};
}

/** A·X and Aᵀ·X on random patterns (k = 1, 3): engine against tf ops and float64. */
function productChecks(): Check[] {
  return [[57, 1, 21], [130, 3, 22]].map(([n, k, seed]) => ({
    name: `sparse product and its transpose, random pattern n=${n} with empty and long rows, k=${k}: programs vs tf ops vs float64`,
    run: () => {
      const {indices, values, dense} = randomPattern(n, seed);
      const x = Float64Array.from(randomVector(n * k, seed + 1), Math.fround);
      for (const transposed of [false, true]) {
        const expected = matmul(transposed ? transpose(dense) : dense, x, k);
        const product = (on: boolean) => withEngine(on, () => tf.tidy(() => {
          const A = ls.sparse({indices, values: tf.tensor1d(values), shape: [n, n]});
          const op = transposed ? A.transpose() : A;
          return op.apply(tf.tensor2d(Float32Array.from(x), [n, k])).dataSync().slice();
        }));
        const engine = product(true);
        const reference = product(false);
        const what = transposed ? 'Aᵀx' : 'Ax';
        // Each entry is a float32 sum of at most n products: |error| ≤ n·ε·Σ|aᵢⱼ xⱼ|.
        atMost(`${what} programs vs float64`, relativeError(engine, expected), 2 * n * FLOAT32_EPS);
        atMost(`${what} programs vs tf ops`, relativeError(engine, reference), 2 * n * FLOAT32_EPS);
      }
    },
  }));
}

interface CgRun {x: Float32Array; status: string; iterations: number; residual: number}

function cgRun(on: boolean, build: () => ls.LinearOperator, b: Float64Array, shape: number[], options: ls.SolveOptions): CgRun {
  return withEngine(on, () => tf.tidy(() => {
    const r = ls.linearSolve(build(), tf.tensor(Float32Array.from(b), shape), {method: 'cg', ...options});
    return {x: r.x.dataSync().slice() as Float32Array, status: r.status, iterations: r.iterations, residual: r.relativeResidual};
  }));
}

/** CG on the fused engine against the tf-ops loop: same status, iterations, and x within the bound. */
function cgChecks(): Check[] {
  const m = 8;
  const n = m * m;
  const poisson = () => ls.poisson2dOperator(m);
  const spd30 = spd(30, 31, 0.3);
  // The case table's CG solves run on the engine in the other suites (against float64); these
  // compare it with the tf-ops loop on both product layouts, blocks, Jacobi and checkEvery 1.
  const cases: {name: string; build: () => ls.LinearOperator; A: () => Matrix64; n: number; k: number; batch?: number;
    options: ls.SolveOptions}[] = [
    {name: `Poisson ${m}² (sparse, DIA layout), k=1`, build: poisson, A: () => densePoisson(m), n, k: 1, options: {rtol: 1e-5}},
    {name: 'random SPD pattern n=30 (sparse, ELL layout), k=2, Jacobi, checkEvery 1', build: () => sparseOf(spd30), A: () => spd30,
      n: 30, k: 2, options: {rtol: 1e-5, preconditioner: 'jacobi', checkEvery: 1}},
  ];
  return cases.map(c => ({
    name: `CG ${c.name}: fused programs vs tf ops (status, iterations, x) and float64`,
    run: () => {
      const b = Float64Array.from(randomVector(c.n * c.k, 5), Math.fround);
      const shape = c.k === 1 ? [c.n] : [c.n, c.k];
      const engine = cgRun(true, c.build, b, shape, c.options);
      const reference = cgRun(false, c.build, b, shape, c.options);
      equal('status (programs)', engine.status, 'converged');
      equal('status (tf ops)', reference.status, 'converged');
      // Float32 sums in another order move the residual's crossing of rtol by at most a check.
      atMost('|iterations − tf-ops iterations|', Math.abs(engine.iterations - reference.iterations),
        c.options.checkEvery ?? 10);
      const A = c.A();
      const exact = solve64(A, b, c.k);
      const bound = solutionBound(c.n, condition(A), true);
      atMost('‖x − x*‖/‖x*‖ (programs)', relativeError(engine.x, exact), bound);
      atMost('‖x − x_tf-ops‖/‖x*‖', relativeError(engine.x, reference.x), 2 * bound);
    },
  }));
}

function densePoisson(m: number): Matrix64 {
  const n = m * m;
  const data = new Float64Array(n * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) {
    const r = i * m + j;
    data[r * n + r] = 4;
    if (i > 0) data[r * n + r - m] = -1;
    if (i < m - 1) data[r * n + r + m] = -1;
    if (j > 0) data[r * n + r - 1] = -1;
    if (j < m - 1) data[r * n + r + 1] = -1;
  }
  return {n, data};
}

/** The nonzeros of a dense matrix as a sparse operator. */
function sparseOf(a: Matrix64): ls.LinearOperator {
  const indices: number[][] = [];
  const values: number[] = [];
  for (let i = 0; i < a.n; i++) for (let j = 0; j < a.n; j++) {
    const v = a.data[i * a.n + j];
    if (v !== 0) { indices.push([i, j]); values.push(v); }
  }
  return ls.sparse({indices, values: tf.tensor1d(values), shape: [a.n, a.n]});
}

/** The fused loop: fixed iterations agree, the gradient's transposed solve too, nothing leaks, few kernels. */
function cgLoopChecks(): Check[] {
  const m = 10;
  const n = m * m;
  return [
    {
      name: 'CG fixedIterations 30, Poisson 10²: fused programs vs tf ops, and no tensor leaked',
      run: () => {
        const b = Float64Array.from(randomVector(n, 9), Math.fround);
        const options: ls.SolveOptions = {fixedIterations: true, maxIterations: 30};
        const A = ls.poisson2dOperator(m);
        try {
          cgRun(true, () => A, b, [n], options);   // compile the programs, build the pattern's layouts
          const before = tf.memory().numTensors;
          cgRun(true, () => A, b, [n], options);
          equal('tensors leaked', tf.memory().numTensors - before, 0);
        } finally {
          tf.dispose((A as ls.SparseOperator).values);
          (A as ls.SparseOperator).dispose();
        }
        const engine = cgRun(true, () => ls.poisson2dOperator(m), b, [n], options);
        const reference = cgRun(false, () => ls.poisson2dOperator(m), b, [n], options);
        equal('status', engine.status, 'unchecked');
        equal('iterations', engine.iterations, 30);
        atMost('‖x − x_tf-ops‖/‖x_tf-ops‖', relativeError(engine.x, reference.x), 1e-4);
      },
    },
    {
      name: 'CG gradient ∂values, ∂b through the implicit adjoint (a transposed solve on the fused loop) vs tf ops',
      run: () => {
        const b = Float64Array.from(randomVector(n, 12), Math.fround);
        const w = Float64Array.from(randomVector(n, 13), Math.fround);
        const gradients = (on: boolean) => withEngine(on, () => tf.tidy(() => {
          const A = ls.poisson2dOperator(m) as ls.SparseOperator;
          const weights = tf.tensor1d(Float32Array.from(w));
          const loss = (values: tf.Tensor, rhs: tf.Tensor) =>
            tf.sum(tf.mul(weights, ls.solve(A.withValues(values), rhs, {method: 'cg', rtol: 1e-6})));
          return tf.grads(loss)([A.values, tf.tensor1d(Float32Array.from(b))]).map(g => g.dataSync().slice());
        }));
        const [engine, reference] = [gradients(true), gradients(false)];
        const kappa = 4 * (m + 1) ** 2 / Math.PI ** 2;
        const bound = kappa * 1e-6 * 4;
        atMost('∂values programs vs tf ops', relativeError(engine[0], reference[0]), bound);
        atMost('∂b programs vs tf ops', relativeError(engine[1], reference[1]), bound);
      },
    },
  ];
}

/** tfjs kernels queued by `body` with the WebGL engine on and off: [engine, tf ops]. */
async function kernelsOnAndOff(body: () => tf.Tensor): Promise<[number, number]> {
  const count = async (on: boolean) => {
    const previous = ls.useWebglEngine(on);
    try {
      return await kernelCount(body);
    } finally {
      ls.useWebglEngine(previous);
    }
  };
  return [await count(true), await count(false)];
}

/**
 * On webgl, proof that the programs ran: they are not tfjs kernels, so tf.profile of a solve on
 * them lists a fraction of the tf-ops loop's kernels.
 */
function kernelCountCheck(): AsyncCheck {
  const m = 10;
  return {
    name: 'CG on webgl queues under a fifth of the tf-ops loop\'s tfjs kernels (the programs ran)',
    run: async () => {
      if (tf.getBackend() !== 'webgl') return;
      const [engine, reference] = await kernelsOnAndOff(() => ls.solve(ls.poisson2dOperator(m), tf.ones([m * m]),
        {method: 'cg', fixedIterations: true, maxIterations: 20}));
      atMost(`tfjs kernels with the programs (tf ops: ${reference})`, engine, reference / 5);
    },
  };
}

/** Dense LU and Cholesky (hybrid on webgl) against tf ops and float64, on matrices that need pivoting. */
function factorChecks(): Check[] {
  // n = 100: four panels, the last one narrower. Every pivot comes from a row 37 places away,
  // most of them in another panel.
  const lu = [[100, 41]].map(([n, seed]) => ({
    name: `LU n=${n}, rows of a dominant matrix shifted by 37 (every pivot a row exchange across panels), 2 right-hand sides: ` +
      'hybrid factors and blocked triangular solves vs float64, the transposed solve too',
    run: () => factorCheck('lu', shiftedRows(n, 37, seed), 2),
  }));
  const cholesky = [[70, 43]].map(([n, seed]) => ({
    name: `Cholesky n=${n}: hybrid factor and blocked triangular solves vs float64, the transposed solve too`,
    run: () => factorCheck('cholesky', spd(n, seed, 0.2), 1),
  }));
  return [...lu, ...cholesky];
}

/**
 * Row i of A is row (i + shift) mod n of M = D + 0.1·R/√n (D on [1, 2], R uniform in [−1, 1)):
 * κ(A) = κ(M) is small, and A's diagonal is M's small off-diagonal, so LU without row
 * exchanges grows by ~10√n per step and fails, and LU with them must find each pivot `shift`
 * rows down.
 */
function shiftedRows(n: number, shift: number, seed: number): Matrix64 {
  const r = randomVector(n * n, seed);
  const m = (i: number, j: number) => Math.fround((i === j ? 1 + (i % 7) / 7 : 0) + 0.1 * r[i * n + j] / Math.sqrt(n));
  const data = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) data[i * n + j] = m((i + shift) % n, j);
  return {n, data};
}

function factorCheck(method: Method, A: Matrix64, k: number): void {
  const n = A.n;
  const b = Float64Array.from(randomVector(n * k, 3), Math.fround);
  const kappa = condition(A);
  const rtol = directRtol(n, kappa);
  const engine = withEngine(true, () => tf.tidy(() => {
    const handle = ls.factorize(ls.dense(tf.tensor2d(Float32Array.from(A.data), [n, n])), {method, rtol});
    const rhs = tf.tensor2d(Float32Array.from(b), [n, k]);
    const x = handle.solve(rhs).dataSync().slice();
    // The transposed solve reuses the factors: the gradient of Σ x.
    const g = tf.grad((bb: tf.Tensor) => tf.sum(handle.solve(bb)))(rhs).dataSync().slice();
    handle.dispose();
    return {x, g};
  }));
  const bound = solutionBound(n, kappa, false);
  atMost('‖x − x*‖/‖x*‖', relativeError(engine.x, solve64(A, b, k)), bound);
  const ones = new Float64Array(n * k).fill(1);
  atMost('‖∂b − A⁻ᵀ1‖/‖A⁻ᵀ1‖', relativeError(engine.g, solve64(transpose(A), ones, k)), bound);
}

interface SolveRun {x: Float32Array; status: string; iterations: number}

function bicgstabRun(on: boolean, build: () => ls.LinearOperator, b: Float64Array, shape: number[], options: ls.SolveOptions): SolveRun {
  return withEngine(on, () => tf.tidy(() => {
    const r = ls.linearSolve(build(), tf.tensor(Float32Array.from(b), shape), {method: 'bicgstab', ...options});
    return {x: r.x.dataSync().slice() as Float32Array, status: r.status, iterations: r.iterations};
  }));
}

/** A gallery matrix as a float64 dense copy and a sparse operator builder. */
function galleryCase(a: {indices: Int32Array; values: Float32Array; shape: [number, number]}): {A: Matrix64; build: () => ls.LinearOperator} {
  const n = a.shape[0];
  const data = new Float64Array(n * n);
  const indices: number[][] = [];
  for (let e = 0; e < a.values.length; e++) {
    const [i, j] = [a.indices[2 * e], a.indices[2 * e + 1]];
    data[i * n + j] += a.values[e];
    indices.push([i, j]);
  }
  return {A: {n, data}, build: () => ls.sparse({indices, values: tf.tensor1d(a.values), shape: [n, n]})};
}

/** A nonsymmetric, diagonally dominant n×n matrix with ~4 random off-diagonal entries a row (ELL layout). */
function randomNonsymmetric(n: number, seed: number): Matrix64 {
  const next = rng(seed);
  const data = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < 4; t++) data[i * n + Math.floor(next() * n)] = Math.fround(2 * next() - 1);
    data[i * n + i] = Math.fround(3 + next());
  }
  return {n, data};
}

/** A block of B dense matrices `[B, n, n]` (for the batched, 3-D layout) from one generator. */
function denseBatch(ms: Matrix64[]): () => ls.LinearOperator {
  const n = ms[0].n;
  const flat = new Float32Array(ms.length * n * n);
  ms.forEach((m, i) => flat.set(Float32Array.from(m.data), i * n * n));
  return () => ls.dense(tf.tensor3d(flat, [ms.length, n, n]));
}

/**
 * BiCGStab on the fused engine against the tf-ops loop and float64 on nonsymmetric matrices:
 * the same status and iterations (within a check), x within the iterative bound.
 */
function bicgstabChecks(): Check[] {
  const m = 12;
  const cd = galleryCase(ls.convectionDiffusion2d({m, peclet: 50, seed: 3}));
  const random = randomNonsymmetric(40, 17);
  const batch = [randomNonsymmetric(24, 18), randomNonsymmetric(24, 19)];
  const cases: {name: string; build: () => ls.LinearOperator; As: Matrix64[]; k: number; options: ls.SolveOptions}[] = [
    {name: `convection–diffusion ${m}² (Pe 50, sparse, DIA layout), k=1`, build: cd.build, As: [cd.A], k: 1, options: {rtol: 1e-5}},
    {name: 'random nonsymmetric n=40 (sparse, ELL layout), k=2, Jacobi, checkEvery 1', build: () => sparseOf(random), As: [random],
      k: 2, options: {rtol: 1e-5, preconditioner: 'jacobi', checkEvery: 1}},
    {name: 'a batch of 2 dense nonsymmetric n=24, k=1 (batched layout)', build: denseBatch(batch), As: batch, k: 1,
      options: {rtol: 1e-5, checkEvery: 3}},
  ];
  return cases.map(c => ({
    name: `BiCGStab ${c.name}: fused programs vs tf ops (status, iterations, x) and float64`,
    run: () => {
      const n = c.As[0].n;
      const B = c.As.length;
      const b = Float64Array.from(randomVector(B * n * c.k, 6), Math.fround);
      const shape = B > 1 ? [B, n, c.k] : c.k === 1 ? [n] : [n, c.k];
      const engine = bicgstabRun(true, c.build, b, shape, c.options);
      const reference = bicgstabRun(false, c.build, b, shape, c.options);
      equal('status (programs)', engine.status, 'converged');
      equal('status (tf ops)', reference.status, 'converged');
      atMost('|iterations − tf-ops iterations|', Math.abs(engine.iterations - reference.iterations), c.options.checkEvery ?? 10);
      c.As.forEach((A, i) => {
        const part = (x: ArrayLike<number>) => Array.from(x).slice(i * n * c.k, (i + 1) * n * c.k);
        const exact = solve64(A, Float64Array.from(part(b)), c.k);
        const bound = solutionBound(n, condition(A), true);
        atMost(`‖x − x*‖/‖x*‖ (programs, member ${i})`, relativeError(part(engine.x), exact), bound);
        atMost(`‖x − x_tf-ops‖/‖x*‖ (member ${i})`, relativeError(part(engine.x), part(reference.x)), 2 * bound);
      });
    },
  }));
}

/** Statuses other than 'converged', fixed iterations, leaks and the adjoint's transposed solve, engine vs tf ops. */
function bicgstabLoopChecks(): Check[] {
  const m = 10;
  const n = m * m;
  const cd = galleryCase(ls.convectionDiffusion2d({m, peclet: 30, seed: 4}));
  const b = Float64Array.from(randomVector(n, 7), Math.fround);
  return [
    {
      name: 'BiCGStab statuses, fused programs vs tf ops: breakdown (r̂ᵀA r = 0), maxIterations, and the same iterations',
      run: () => {
        // A swaps the two unknowns: v = A·r ⟂ r̂ = r = e₁ in the first step, σ = r̂ᵀv = 0.
        const swap = () => ls.dense(tf.tensor2d([[0, 1], [1, 0]]));
        for (const [what, build, rhs, shape, options, status] of [
          ['breakdown', swap, Float64Array.from([1, 0]), [2], {onFailure: 'ignore'}, 'breakdown'],
          ['maxIterations', cd.build, b, [n], {maxIterations: 3, rtol: 1e-6, onFailure: 'ignore'}, 'maxIterations'],
        ] as [string, () => ls.LinearOperator, Float64Array, number[], ls.SolveOptions, string][]) {
          const engine = bicgstabRun(true, build, rhs, shape, options);
          const reference = bicgstabRun(false, build, rhs, shape, options);
          equal(`${what}: status (programs)`, engine.status, status);
          equal(`${what}: status (tf ops)`, reference.status, status);
          equal(`${what}: iterations (programs vs tf ops)`, engine.iterations, reference.iterations);
        }
      },
    },
    {
      name: 'BiCGStab fixedIterations 12, convection–diffusion 10²: fused programs vs tf ops, and no tensor leaked',
      run: () => {
        const options: ls.SolveOptions = {fixedIterations: true, maxIterations: 12};
        const A = cd.build() as ls.SparseOperator;
        try {
          const jacobi: ls.SolveOptions = {rtol: 1e-5, preconditioner: 'jacobi'};
          // Compile the programs, build the pattern's layouts (cached on the pattern) for both solves.
          bicgstabRun(true, () => A, b, [n], options);
          bicgstabRun(true, () => A, b, [n], jacobi);
          const before = tf.memory().numTensors;
          bicgstabRun(true, () => A, b, [n], options);
          bicgstabRun(true, () => A, b, [n], jacobi);
          equal('tensors leaked', tf.memory().numTensors - before, 0);
        } finally {
          tf.dispose(A.values);
          A.dispose();
        }
        const engine = bicgstabRun(true, cd.build, b, [n], options);
        const reference = bicgstabRun(false, cd.build, b, [n], options);
        equal('status', engine.status, 'unchecked');
        equal('iterations', engine.iterations, 12);
        // Twelve steps from the same start: float32 sums in another order, amplified by κ per step at most.
        atMost('‖x − x_tf-ops‖/‖x_tf-ops‖', relativeError(engine.x, reference.x), 12 * condition(cd.A) * 8 * FLOAT32_EPS);
      },
    },
    {
      name: 'BiCGStab gradient ∂values, ∂b through the implicit adjoint (a transposed solve on the fused loop) vs tf ops',
      run: () => {
        const w = Float64Array.from(randomVector(n, 13), Math.fround);
        const gradients = (on: boolean) => withEngine(on, () => tf.tidy(() => {
          const A = cd.build() as ls.SparseOperator;
          const weights = tf.tensor1d(Float32Array.from(w));
          const loss = (values: tf.Tensor, rhs: tf.Tensor) =>
            tf.sum(tf.mul(weights, ls.solve(A.withValues(values), rhs, {method: 'bicgstab', rtol: 1e-6})));
          return tf.grads(loss)([A.values, tf.tensor1d(Float32Array.from(b))]).map(g => g.dataSync().slice());
        }));
        const [engine, reference] = [gradients(true), gradients(false)];
        const bound = condition(cd.A) * 1e-6 * 4;
        atMost('∂values programs vs tf ops', relativeError(engine[0], reference[0]), bound);
        atMost('∂b programs vs tf ops', relativeError(engine[1], reference[1]), bound);
      },
    },
  ];
}

/** On webgl, proof that BiCGStab's programs ran: a fraction of the tf-ops loop's tfjs kernels. */
function bicgstabKernelCountCheck(): AsyncCheck {
  const m = 10;
  return {
    name: 'BiCGStab on webgl queues under a fifth of the tf-ops loop\'s tfjs kernels, solve and adjoint (the programs ran)',
    run: async () => {
      if (tf.getBackend() !== 'webgl') return;
      const [engine, reference] = await kernelsOnAndOff(() => ls.solve(ls.poisson2dOperator(m), tf.ones([m * m]),
        {method: 'bicgstab', fixedIterations: true, maxIterations: 20}));
      atMost(`tfjs kernels with the programs (tf ops: ${reference})`, engine, reference / 5);
      // The gradient's transposed solve too: were it on tf ops, half the kernels would remain.
      const gradient = async (on: boolean) => {
        const previous = ls.useWebglEngine(on);
        try {
          const A = ls.poisson2dOperator(m) as ls.SparseOperator;
          const b = tf.ones([m * m]);
          const counted = await kernelCount(() => tf.grad((values: tf.Tensor) =>
            tf.sum(ls.solve(A.withValues(values), b, {method: 'bicgstab', rtol: 1e-5})))(A.values));
          tf.dispose([A.values, b]);
          A.dispose();
          return counted;
        } finally {
          ls.useWebglEngine(previous);
        }
      };
      const [engineGrad, referenceGrad] = [await gradient(true), await gradient(false)];
      atMost(`tfjs kernels of solve + adjoint with the programs (tf ops: ${referenceGrad})`, engineGrad, referenceGrad / 5);
    },
  };
}

/** Every check of the WebGL engine. */
export function webglEngineChecks(): Array<Check | AsyncCheck> {
  return [...productChecks(), ...cgChecks(), ...cgLoopChecks(), kernelCountCheck(), ...bicgstabChecks(), ...bicgstabLoopChecks(),
    bicgstabKernelCountCheck(), ...factorChecks()];
}
