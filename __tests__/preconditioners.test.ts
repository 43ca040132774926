import * as tf from '@tensorflow/tfjs';
import * as ls from '../src';
import {describeEachBackend} from './support/backends';
import {Matrix64, condition, matrix, relativeError, solve64, transpose} from '../testing/reference';
import {solutionBound} from '../testing/bounds';
import {hostEngineRuns} from '../src/solvers/krylov/hostEngine';

/** The dense float64 copy of a gallery matrix. */
function dense64(A: ls.GridMatrix): Matrix64 {
  const n = A.shape[0];
  const out = matrix(n, () => 0);
  for (let e = 0; e < A.values.length; e++) out.data[A.indices[2 * e] * n + A.indices[2 * e + 1]] += A.values[e];
  return out;
}

/** Dense float64 product of row-major n×n matrices. */
function mul64(a: Matrix64, b: Matrix64): Matrix64 {
  const {n} = a;
  return matrix(n, (i, j) => {
    let s = 0;
    for (let k = 0; k < n; k++) s += a.data[i * n + k] * b.data[k * n + j];
    return s;
  });
}

/** A⁻¹ in float64, column by column. */
function inverse64(a: Matrix64): Matrix64 {
  const {n} = a;
  const out = matrix(n, () => 0);
  for (let j = 0; j < n; j++) {
    const e = new Float64Array(n);
    e[j] = 1;
    const col = solve64(a, e);
    for (let i = 0; i < n; i++) out.data[i * n + j] = col[i];
  }
  return out;
}

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

/** max |a − b| / max |b|. */
function relativeMax(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m / maxAbs(b);
}

/** A sparse operator on a gallery matrix, with its tensors to free. */
function operatorOf(G: ls.GridMatrix): {A: ls.SparseOperator; values: tf.Tensor; free: () => void} {
  const indices = tf.tensor2d(G.indices, [G.values.length, 2], 'int32');
  const values = tf.tensor1d(G.values);
  const A = ls.sparse({indices, values, shape: G.shape, tags: G.tags});
  return {A, values, free: () => { tf.dispose([indices, values]); A.dispose(); }};
}

/** The dense matrix of an operator, read back as float64. */
function denseOf(M: ls.LinearOperator): Matrix64 {
  const t = M.toDense();
  const out = {n: M.shape[0], data: Float64Array.from(t.dataSync())};
  t.dispose();
  return out;
}

/** Kershaw's 4×4 symmetric positive definite matrix, on which IC(0) meets a negative pivot. */
const KERSHAW = [[3, -2, 0, 2], [-2, 3, -2, 0], [0, -2, 3, -2], [2, 0, -2, 3]];

const SPD = ls.diffusion2d({m: 12, seed: 4, sigma: 1});
const NONSYMMETRIC = ls.convectionDiffusion2d({m: 10, peclet: 150, seed: 2});
const SMALL_NONSYMMETRIC = ls.convectionDiffusion2d({m: 6, peclet: 100, seed: 6});
const TINY_SPD = ls.diffusion2d({m: 4, seed: 1, sigma: 1.5});
const TINY_NONSYMMETRIC = ls.convectionDiffusion2d({m: 4, peclet: 60, angle: 0.7});

describeEachBackend('classical preconditioners', backend => {
  let before = 0;
  beforeEach(() => { before = tf.memory().numTensors; });
  afterEach(() => { expect(tf.memory().numTensors).toBe(before); });

  it('IC(0): LLᵀ equals A on its pattern, and M = (LLᵀ)⁻¹ (float64 reference)', () => {
    const {A, free} = operatorOf(TINY_SPD);
    const M = ls.ic0(A);
    const inverseM = inverse64(denseOf(M));
    const a = dense64(TINY_SPD);
    const n = a.n;
    for (let e = 0; e < TINY_SPD.values.length; e++) {
      const [i, j] = [TINY_SPD.indices[2 * e], TINY_SPD.indices[2 * e + 1]];
      expect(Math.abs(inverseM.data[i * n + j] - a.data[i * n + j])).toBeLessThan(1e-4 * maxAbs(a.data));
    }
    // And the reference factor itself, by the textbook column Cholesky restricted to the pattern.
    const l = new Float64Array(n * n);
    for (let j = 0; j < n; j++) {
      let d = a.data[j * n + j];
      for (let k = 0; k < j; k++) d -= l[j * n + k] ** 2;
      l[j * n + j] = Math.sqrt(d);
      for (let i = j + 1; i < n; i++) {
        if (a.data[i * n + j] === 0) continue;
        let s = a.data[i * n + j];
        for (let k = 0; k < j; k++) s -= l[i * n + k] * l[j * n + k];
        l[i * n + j] = s / l[j * n + j];
      }
    }
    const L = {n, data: l};
    const expected = inverse64(mul64(L, transpose(L)));
    expect(relativeMax(denseOf(M).data, expected.data)).toBeLessThan(1e-5);
    expect(M.hasTag('symmetric') && M.hasTag('positiveDefinite')).toBe(true);
    free();
  });

  it('SSOR: M⁻¹ = ω(2 − ω)(D + ωU)⁻¹D(D + ωL)⁻¹ and its transpose, on a nonsymmetric A (float64 reference)', () => {
    const {A, free} = operatorOf(TINY_NONSYMMETRIC);
    const omega = 1.3;
    const M = ls.ssor(A, {omega});
    const a = dense64(TINY_NONSYMMETRIC);
    const n = a.n;
    const part = (keep: (i: number, j: number) => boolean) => matrix(n, (i, j) =>
      (i === j ? a.data[i * n + i] : keep(i, j) ? omega * a.data[i * n + j] : 0));
    const lower = part((i, j) => j < i);
    const upper = part((i, j) => j > i);
    const d = matrix(n, (i, j) => (i === j ? a.data[i * n + i] : 0));
    const expected = mul64(mul64(inverse64(upper), d), inverse64(lower));
    for (let i = 0; i < expected.data.length; i++) expected.data[i] *= omega * (2 - omega);
    expect(relativeMax(denseOf(M).data, expected.data)).toBeLessThan(1e-5);
    expect(relativeMax(denseOf(M.transpose()).data, transpose(expected).data)).toBeLessThan(1e-5);
    expect(M.hasTag('symmetric')).toBe(false);
    free();
  });

  it('ILU(0): L̃U equals A on its pattern; FSAI: diag(GAGᵀ) = 1 and (GA)ᵢⱼ = 0 on the strict lower pattern', () => {
    const {A, free} = operatorOf(TINY_NONSYMMETRIC);
    const a = dense64(TINY_NONSYMMETRIC);
    const n = a.n;
    const LU = inverse64(denseOf(ls.ilu0(A)));
    for (let e = 0; e < TINY_NONSYMMETRIC.values.length; e++) {
      const [i, j] = [TINY_NONSYMMETRIC.indices[2 * e], TINY_NONSYMMETRIC.indices[2 * e + 1]];
      expect(Math.abs(LU.data[i * n + j] - a.data[i * n + j])).toBeLessThan(1e-4 * maxAbs(a.data));
    }
    free();
    const spd = operatorOf(TINY_SPD);
    const F = ls.fsai(spd.A);
    const G = denseOf(F.factor);
    const s = dense64(TINY_SPD);
    const GA = mul64(G, s);
    const GAGt = mul64(GA, transpose(G));
    for (let i = 0; i < n; i++) {
      expect(Math.abs(GAGt.data[i * n + i] - 1)).toBeLessThan(1e-5);
      for (let j = 0; j < i; j++) {
        if (s.data[i * n + j] !== 0) expect(Math.abs(GA.data[i * n + j])).toBeLessThan(1e-5 * maxAbs(s.data));
        else expect(G.data[i * n + j]).toBe(0);
      }
    }
    F.dispose();
    spd.free();
  });

  it('transposes: ⟨Mx, y⟩ = ⟨x, Mᵀy⟩ for SSOR, ILU(0) and multigrid on a nonsymmetric A; symmetric M for SPD A', () => {
    const {A, free} = operatorOf(NONSYMMETRIC);
    const n = A.shape[0];
    const x = tf.randomNormal([n, 2], 0, 1, 'float32', 1);
    const y = tf.randomNormal([n, 2], 0, 1, 'float32', 2);
    const mg = ls.multigrid(A, {m: NONSYMMETRIC.m});
    for (const M of [ls.ssor(A, {omega: 1.2}), ls.ilu0(A), mg]) {
      const left = tf.tidy(() => tf.sum(tf.mul(M.apply(x), y)).dataSync()[0]);
      const right = tf.tidy(() => tf.sum(tf.mul(x, M.transpose().apply(y))).dataSync()[0]);
      const wrong = tf.tidy(() => tf.sum(tf.mul(x, M.apply(y))).dataSync()[0]);
      expect(Math.abs(left - right)).toBeLessThan(1e-4 * Math.abs(left));
      // The check has teeth: M itself is not its own transpose here.
      expect(Math.abs(left - wrong)).toBeGreaterThan(1e-2 * Math.abs(left));
    }
    mg.dispose();
    free();
    const spd = operatorOf(TINY_SPD);
    const sym = ls.multigrid(spd.A, {m: 4, coarsestSize: 2});
    const B = denseOf(sym);
    expect(relativeMax(B.data, transpose(B).data)).toBeLessThan(1e-5);
    expect(sym.gridSizes).toEqual([4, 2]);
    sym.dispose();
    spd.free();
    tf.dispose([x, y]);
  });

  it('FSAI and multigrid: the typed-array product the host engine uses equals the tf-ops one (and its transpose)', () => {
    const check = (M: ls.LinearOperator & {applyBlock: (f: Float32Array, fo: number, t: Float32Array, to: number, k: number) => void}) => {
      const n = M.shape[0];
      const x = tf.randomNormal([n, 2], 0, 1, 'float32', 3);
      const y = M.apply(x);
      const host = new Float32Array(2 * n);
      M.applyBlock(Float32Array.from(x.dataSync()), 0, host, 0, 2);
      expect(relativeMax(host, y.dataSync())).toBeLessThan(1e-5);
      tf.dispose([x, y]);
    };
    const spd = operatorOf(SPD);
    const fsai = ls.fsai(spd.A);
    const mg = ls.multigrid(spd.A, {m: SPD.m});
    check(fsai);
    check(mg);
    const cd = operatorOf(NONSYMMETRIC);
    const mgN = ls.multigrid(cd.A, {m: NONSYMMETRIC.m});
    check(mgN);
    check(mgN.transpose() as ls.MultigridPreconditioner);
    [fsai, mg, mgN].forEach(M => M.dispose());
    spd.free();
    cd.free();
  });

  it('each preconditioner cuts CG iterations on 2-D diffusion and gives the float64 solution', () => {
    const {A, free} = operatorOf(SPD);
    const bArr = ls.gridRightHandSide({m: SPD.m, seed: 3});
    const b = tf.tensor1d(bArr);
    const reference = solve64(dense64(SPD), Float64Array.from(bArr));
    const fsai = ls.fsai(A);
    const mg = ls.multigrid(A, {m: SPD.m});
    const run = (preconditioner?: ls.SolveOptions['preconditioner']) => {
      const r = ls.linearSolve(A, b, {method: 'cg', rtol: 1e-6, checkEvery: 1, preconditioner});
      const error = relativeError(r.x.dataSync(), reference);
      r.x.dispose();
      expect(r.status).toBe('converged');
      return {iterations: r.iterations, error};
    };
    const none = run();
    const counts: Record<string, number> = {};
    for (const [name, p] of [['jacobi', 'jacobi'], ['ssor', 'ssor'], ['ic0', 'ic0'], ['ssor ω=1.5', {ssor: {omega: 1.5}}],
      ['fsai', fsai], ['multigrid', mg]] as const) {
      const {iterations, error} = run(p as ls.SolveOptions['preconditioner']);
      counts[name] = iterations;
      expect(error).toBeLessThan(1e-4);
      expect(iterations).toBeLessThan(none.iterations);
    }
    // The ordering the literature reports: IC(0) ≤ SSOR < FSAI < Jacobi, and multigrid far ahead.
    expect(counts.ic0).toBeLessThanOrEqual(counts.ssor);
    expect(counts.ssor).toBeLessThan(counts.fsai);
    expect(counts.fsai).toBeLessThan(counts.jacobi);
    expect(counts.multigrid).toBeLessThan(15);
    fsai.dispose();
    mg.dispose();
    b.dispose();
    free();
  });

  it('SSOR, ILU(0) and multigrid cut BiCGStab and GMRES iterations on convection–diffusion, float64 solution', () => {
    const {A, free} = operatorOf(NONSYMMETRIC);
    const bArr = ls.gridRightHandSide({m: NONSYMMETRIC.m, seed: 5});
    const b = tf.tensor1d(bArr);
    const reference = solve64(dense64(NONSYMMETRIC), Float64Array.from(bArr));
    const mg = ls.multigrid(A, {m: NONSYMMETRIC.m});
    for (const method of ['bicgstab', 'gmres'] as const) {
      const iterations = (preconditioner?: ls.SolveOptions['preconditioner']) => {
        const r = ls.linearSolve(A, b, {method, rtol: 1e-6, checkEvery: 1, preconditioner, maxIterations: 2000});
        expect(r.status).toBe('converged');
        expect(relativeError(r.x.dataSync(), reference)).toBeLessThan(1e-4);
        r.x.dispose();
        return r.iterations;
      };
      const none = iterations();
      for (const p of ['ssor', 'ilu0', mg] as const) expect(iterations(p)).toBeLessThan(none);
    }
    mg.dispose();
    b.dispose();
    free();
  });

  it('gradients through preconditioned solves equal the analytic ∂b = A⁻ᵀw, ∂values = −λ[row]·x[col]', () => {
    const check = (G: ls.GridMatrix, method: 'cg' | 'bicgstab' | 'gmres', preconditioner: ls.SolveOptions['preconditioner'],
        adjoint: 'implicit' | 'unrolled') => {
      const {A, values, free} = operatorOf(G);
      const n = G.shape[0];
      const bArr = ls.gridRightHandSide({m: G.m, seed: 8});
      const w = ls.gridRightHandSide({m: G.m, seed: 9, kind: 'smooth'});
      const b = tf.tensor1d(bArr);
      const weights = tf.tensor1d(w);
      const loss = (v: tf.Tensor, bb: tf.Tensor) =>
        tf.sum(tf.mul(weights, ls.solve(A.withValues(v), bb, {method, rtol: 1e-6, preconditioner, adjoint, maxIterations: 3000,
          backward: {rtol: 1e-5}})));
      const [dv, db] = tf.grads(loss)([values, b]);
      const a = dense64(G);
      const x = solve64(a, Float64Array.from(bArr));
      const lambda = solve64(transpose(a), Float64Array.from(w));
      const expectedDv = Float64Array.from({length: G.values.length}, (_, e) => -lambda[G.indices[2 * e]] * x[G.indices[2 * e + 1]]);
      // x and λ each within κ·(3nε + rtol) of the truth (testing/bounds), so ∂values within twice that.
      const bound = solutionBound(n, condition(a), true);
      expect(relativeError(db.dataSync(), lambda)).toBeLessThan(bound);
      expect(relativeMax(dv.dataSync(), expectedDv)).toBeLessThan(2 * bound);
      expect(db.shape).toEqual([n]);
      tf.dispose([dv, db, b, weights]);
      free();
    };
    check(SPD, 'cg', 'ic0', 'implicit');
    check(SPD, 'cg', 'ssor', 'implicit');
    check(NONSYMMETRIC, 'bicgstab', 'ilu0', 'implicit');
    check(NONSYMMETRIC, 'gmres', {ssor: {omega: 1.2}}, 'implicit');
    // Unrolled: the gradient runs through every application of M, so a wrong Mᵀ gives a wrong ∂b.
    check(SMALL_NONSYMMETRIC, 'bicgstab', 'ilu0', 'unrolled');
    check(SMALL_NONSYMMETRIC, 'gmres', 'ssor', 'unrolled');
  });

  it('a multigrid-preconditioned GMRES differentiates through the V-cycle (unrolled) and its transpose (implicit)', () => {
    const G = SMALL_NONSYMMETRIC;
    const {A, free} = operatorOf(G);
    const mg = ls.multigrid(A, {m: G.m});
    const w = ls.gridRightHandSide({m: G.m, seed: 11});
    const b = tf.tensor1d(ls.gridRightHandSide({m: G.m, seed: 12}));
    const weights = tf.tensor1d(w);
    const lambda = solve64(transpose(dense64(G)), Float64Array.from(w));
    for (const adjoint of ['implicit', 'unrolled'] as const) {
      const db = tf.grad(bb => tf.sum(tf.mul(weights, ls.solve(A, bb, {method: 'gmres', rtol: 1e-6, preconditioner: mg, adjoint}))))(b);
      expect(relativeError(db.dataSync(), lambda)).toBeLessThan(solutionBound(G.shape[0], condition(dense64(G)), true));
      db.dispose();
    }
    tf.dispose([b, weights]);
    mg.dispose();
    free();
  });

  it('errors: IC(0) breakdown (Kershaw) unless shifted, IC(0) and FSAI on nonsymmetric A, multigrid without m, matrix-free A', () => {
    const k = tf.tensor2d(KERSHAW);
    const K = ls.dense(k, {tags: ['symmetric', 'positiveDefinite']});
    const error = (() => { try { ls.ic0(K); } catch (e) { return e; } return null; })() as ls.LinearSolveError;
    expect(error).toBeInstanceOf(ls.LinearSolveError);
    expect(error.code).toBe('breakdown');
    expect(error.message).toMatch(/shift/);
    const b = tf.tensor1d([1, 2, 3, 4]);
    expect(() => ls.solve(K, b, {method: 'cg', preconditioner: 'ic0'})).toThrow(/broke down/);
    const x = ls.solve(K, b, {method: 'cg', preconditioner: {ic0: {shift: 'auto'}}, rtol: 1e-5});
    const reference = solve64({n: 4, data: Float64Array.from(KERSHAW.flat())}, Float64Array.from([1, 2, 3, 4]));
    expect(relativeError(x.dataSync(), reference)).toBeLessThan(1e-4);
    const {A, free} = operatorOf(TINY_NONSYMMETRIC);
    expect(() => ls.ic0(A)).toThrow(/not symmetric/);
    expect(() => ls.fsai(A)).toThrow(/not symmetric/);
    expect(() => ls.multigrid(A)).toThrow(/pass \{m\}/);
    expect(() => ls.multigrid(A, {m: 5})).toThrow(ls.LinearSolveError);
    const free2 = ls.matrixFree({shape: [4, 4], matvec: v => v, tags: ['symmetric']});
    expect(() => ls.solve(free2, b, {method: 'cg', preconditioner: 'ssor'})).toThrow(/entries/);
    expect(() => ls.solve(K, b, {method: 'cg', preconditioner: 'ilu1' as unknown as 'ilu0'})).toThrow(/preconditioner must be/);
    expect(() => ls.ssor(A, {omega: 2})).toThrow(/omega/);
    tf.dispose([k, b, x]);
    free();
  });

  it('gallery matrices feed multigrid directly, and factorize builds IC(0) once for many solves', () => {
    const mg = ls.multigrid(SPD);
    expect(mg.gridSizes[0]).toBe(12);
    const {A, free} = operatorOf(SPD);
    const handle = ls.factorize(A, {method: 'cg', preconditioner: 'ic0', rtol: 1e-6});
    for (const seed of [1, 2]) {
      const bArr = ls.gridRightHandSide({m: SPD.m, seed});
      const b = tf.tensor1d(bArr);
      const x = handle.solve(b);
      expect(relativeError(x.dataSync(), solve64(dense64(SPD), Float64Array.from(bArr)))).toBeLessThan(1e-4);
      tf.dispose([x, b]);
    }
    handle.dispose();
    mg.dispose();
    // On cpu and wasm the triangular sweeps run inside the host engine's fused loop, with the
    // iterations of the tf-ops loop.
    const b = tf.tensor1d(ls.gridRightHandSide({m: SPD.m, seed: 4}));
    const runs = hostEngineRuns('cg');
    const host = ls.linearSolve(A, b, {method: 'cg', preconditioner: 'ic0', checkEvery: 1});
    expect(hostEngineRuns('cg') > runs).toBe(backend === 'cpu' || backend === 'wasm');
    const previous = ls.useHostEngine(false);
    const ops = ls.linearSolve(A, b, {method: 'cg', preconditioner: 'ic0', checkEvery: 1});
    ls.useHostEngine(previous);
    expect(Math.abs(host.iterations - ops.iterations)).toBeLessThanOrEqual(1);
    expect(relativeError(host.x.dataSync(), ops.x.dataSync())).toBeLessThan(1e-4);
    tf.dispose([host.x, ops.x, b]);
    free();
  });
});
