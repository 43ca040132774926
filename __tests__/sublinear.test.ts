import * as tf from '@tensorflow/tfjs';
import * as ls from '../src';
import {describeEachBackend} from './support/backends';
import {randomVector} from '../testing/reference';
import {Coo, dominantRandom, functionalGradient64, pageRank, pairs, shiftedLaplacian, solveDominant64} from '../testing/sublinearProblems';

type Method = 'neumann' | 'backwardPush' | 'randomWalk' | 'bidirectional' | 'auto';
const ALL: Method[] = ['neumann', 'backwardPush', 'randomWalk', 'bidirectional', 'auto'];
const RANDOM = new Set<Method>(['randomWalk', 'bidirectional']);

function operator(a: Coo): ls.SparseOperator {
  return ls.sparse({indices: pairs(a), values: tf.tensor1d(Float32Array.from(a.values)), shape: [a.n, a.n]});
}

function free(A: ls.SparseOperator): void {
  tf.dispose(A.values);
  A.dispose();
}

function coo(n: number, entries: [number, number, number][]): Coo {
  return {n, rows: Int32Array.from(entries, e => e[0]), cols: Int32Array.from(entries, e => e[1]),
    values: Float64Array.from(entries, e => Math.fround(e[2]))};
}

/** R1: the README system of the upstream project; x = [7/9, 17/9, 22/9], not [1, 1, 2]. */
const R1 = coo(3, [[0, 0, 4], [0, 1, 1], [1, 0, 1], [1, 1, 3], [1, 2, -1], [2, 1, -1], [2, 2, 2]]);
/** R2: the 8-node chain, diagonal 4, off-diagonal −1. */
const R2 = coo(8, [...Array.from({length: 8}, (_, i) => [i, i, 4] as [number, number, number]),
  ...Array.from({length: 7}, (_, i) => [i, i + 1, -1] as [number, number, number]),
  ...Array.from({length: 7}, (_, i) => [i + 1, i, -1] as [number, number, number])]);

/** Runs `f` and checks that it leaves no tensor behind (its result's value is disposed by the caller). */
function estimate(A: ls.SparseOperator, b: tf.Tensor, i: number, options: ls.EstimateOptions): ls.EstimateResult & {x: number} {
  const r = ls.estimateEntry(A, b, i, options);
  const x = r.value.dataSync()[0];
  r.value.dispose();
  return {...r, x};
}

function expectWithinBound(r: {x: number; bound: number}, exact: number): void {
  expect(Number.isFinite(r.bound)).toBe(true);
  expect(Math.abs(r.x - exact)).toBeLessThanOrEqual(r.bound);
}

describeEachBackend('single-entry estimators', () => {
  it('R1: every method finds x = [7/9, 17/9, 22/9] within its bound (the upstream Neumann sign bug gives [1.67, 1.67, 0.67])', () => {
    const A = operator(R1);
    const b = tf.tensor1d([5, 4, 3]);
    const exact = [7 / 9, 17 / 9, 22 / 9];
    const before = tf.memory().numTensors;
    for (const method of ALL) {
      for (let i = 0; i < 3; i++) {
        const epsilon = RANDOM.has(method) ? 1e-1 : 1e-5;
        const r = estimate(A, b, i, {method, epsilon, confidence: 0.99, seed: 11 + i});
        expectWithinBound(r, exact[i]);
        expect(r.bound).toBeLessThanOrEqual(epsilon * 1.001);
        expect(r.boundKind).toBe(RANDOM.has(method) ? 'probabilistic' : 'deterministic');
        expect(r.method).toBe(method === 'auto' ? 'backwardPush' : method);
      }
    }
    expect(tf.memory().numTensors).toBe(before);
    const d = ls.dominance(A);
    expect(d.rowMargin).toBeCloseTo(1 / 3, 6);
    expect(d.colMargin).toBeCloseTo(1 / 3, 6);
    expect(d.minDiagonalMargin).toBeCloseTo(1, 6);
    expect(d.certifiable).toBe(true);
    free(A);
    b.dispose();
  });

  it('R2: the chain, b = e₃ → x₃ = 0.288667 and b = e₆ → x₃ = 0.005525 (no single-term early exit)', () => {
    const A = operator(R2);
    for (const [at, expected] of [[3, 0.288667], [6, 0.005525]] as const) {
      const b = tf.oneHot(tf.tensor1d([at], 'int32'), 8).reshape([8]).asType('float32');
      const exact = solveDominant64(R2, Float64Array.from({length: 8}, (_, k) => (k === at ? 1 : 0)))[3];
      expect(exact).toBeCloseTo(expected, 6);
      for (const method of ['neumann', 'backwardPush', 'randomWalk', 'bidirectional'] as Method[]) {
        const epsilon = RANDOM.has(method) ? 1e-2 : 1e-6;
        const r = estimate(A, b, 3, {method, epsilon, seed: 5});
        expectWithinBound(r, exact);
        if (!RANDOM.has(method)) expect(Math.abs(r.x - expected)).toBeLessThan(2e-6);
      }
      b.dispose();
    }
    free(A);
  });

  it('refuses what it cannot certify: 2-D Poisson (T4), SPD but not dominant (T5), zero-ish diagonal (T7)', () => {
    const P = ls.poisson2d(6);
    const poisson = ls.sparse({indices: Array.from({length: P.values.length}, (_, e) => [P.indices[2 * e], P.indices[2 * e + 1]]),
      values: tf.tensor1d(P.values), shape: P.shape});
    const a = 0.6;
    const T5 = coo(3, [0, 1, 2].flatMap(i => [0, 1, 2].map(j => [i, j, (i === j ? 1 - a : 0) + a] as [number, number, number])));
    const T7 = coo(2, [[0, 0, 1], [0, 1, 3], [1, 0, 2], [1, 1, 1]]);
    const systems = [poisson, operator(T5), operator(T7)];
    expect(ls.dominance(poisson)).toMatchObject({rowMargin: 0, colMargin: 0, certifiable: false});
    const before = tf.memory().numTensors;
    for (const A of systems) {
      const n = A.shape[0];
      const b = tf.ones([n]);
      for (const method of ALL) {
        expect(() => ls.estimateEntry(A, b, 0, {method})).toThrow(expect.objectContaining({code: 'notApplicable'}));
      }
      expect(() => ls.localSolve(A, {indices: [0], values: [1]})).toThrow(expect.objectContaining({code: 'notApplicable'}));
      b.dispose();
    }
    // Run uncertified on request, T5 (ρ(M) = 1.2) and T7 (ρ(M) = √6) are detected as diverging.
    for (const A of systems.slice(1)) {
      const b = tf.ones([A.shape[0]]);
      expect(() => ls.estimateEntry(A, b, 0, {method: 'neumann', onFailure: 'ignore'}))
        .toThrow(expect.objectContaining({code: 'notConverged'}));
      b.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
    expect(() => ls.estimateEntry(poisson, tf.ones([36]), 0)).toThrow(/method: 'cg'/);
    systems.forEach(free);
  });

  it('T6: non-normal, ρ(M) < 1 but ‖M‖∞ = 3: refused by default, uncertified on request, and then correct', () => {
    const T6 = coo(2, [[0, 0, 1], [0, 1, -3], [1, 0, -0.05], [1, 1, 1]]);
    const A = operator(T6);
    const b = tf.tensor1d([1, 1]);
    expect(() => ls.estimateEntry(A, b, 0, {method: 'neumann'})).toThrow(expect.objectContaining({code: 'notApplicable'}));
    const r = estimate(A, b, 0, {method: 'neumann', onFailure: 'ignore', epsilon: 1e-6});
    expect(r.boundKind).toBe('uncertified');
    expect(r.bound).toBe(Infinity);
    expect(Math.abs(r.x - 4 / 0.85)).toBeLessThan(1e-5 * 4 / 0.85);
    free(A);
    b.dispose();
  });

  it('gradients of push and Neumann match float64 analytic ones: ∂/∂b = A⁻ᵀc, ∂/∂a_e = −λ_row x_col', () => {
    const a = dominantRandom(40, 3);
    const A = operator(a);
    const b64 = Float64Array.from(randomVector(40, 4), Math.fround);
    const b = tf.tensor1d(Float32Array.from(b64));
    const i = 7;
    const exact = functionalGradient64(a, b64, Float64Array.from({length: 40}, (_, k) => (k === i ? 1 : 0)));
    const scale = Math.max(...exact.values.map(Math.abs));
    for (const method of ['neumann', 'backwardPush'] as Method[]) {
      const before = tf.memory().numTensors;
      const [gv, gb] = tf.grads((v: tf.Tensor, rhs: tf.Tensor) => ls.estimateEntry(A.withValues(v), rhs, i, {method, epsilon: 1e-7}).value)([A.values, b]);
      const values = gv.dataSync();
      const db = gb.dataSync();
      exact.values.forEach((g, e) => expect(Math.abs(values[e] - g)).toBeLessThanOrEqual(1e-5 * scale));
      exact.b.forEach((g, k) => expect(Math.abs(db[k] - g)).toBeLessThanOrEqual(1e-6));
      tf.dispose([gv, gb]);
      expect(tf.memory().numTensors).toBe(before);
    }
    free(A);
    b.dispose();
  });

  it('rejects bad input with a code', () => {
    const A = operator(R1);
    const b = tf.tensor1d([5, 4, 3]);
    expect(() => ls.estimateEntry(A, b, 3)).toThrow(expect.objectContaining({code: 'shape'}));
    expect(() => ls.estimateEntry(A, tf.ones([4]), 0)).toThrow(expect.objectContaining({code: 'shape'}));
    expect(() => ls.estimateEntry(A, b, 0, {method: 'cg' as Method})).toThrow(expect.objectContaining({code: 'option'}));
    expect(() => ls.estimateEntry(A, b, 0, {tolerance: 1} as ls.EstimateOptions)).toThrow(expect.objectContaining({code: 'option'}));
    expect(() => ls.estimateEntry(tf.eye(3) as unknown as ls.SparseOperator, b, 0)).toThrow(expect.objectContaining({code: 'option'}));
    expect(() => ls.estimateEntry(A, b, 0, {method: 'randomWalk', epsilon: 1e-4, maxWork: 1e4}))
      .toThrow(expect.objectContaining({code: 'notConverged'}));
    const partial = estimate(A, b, 0, {method: 'randomWalk', epsilon: 1e-4, maxWork: 1e4, onFailure: 'ignore', seed: 1});
    expect(partial.bound).toBeGreaterThan(1e-4);
    expectWithinBound(partial, 7 / 9);
    const f = ls.estimateFunctional(A, b, {indices: [0, 2], values: [1, 1]}, {epsilon: 1e-6});
    expect(Math.abs(f.value.dataSync()[0] - 29 / 9)).toBeLessThanOrEqual(f.bound);
    f.value.dispose();
    free(A);
    b.dispose();
  });
});

// The estimators run on the host; what differs between backends (reading values and b, the
// custom gradient) is covered above, so the statistical and scaling checks run once, on cpu.
describe('random estimators and scaling (cpu)', () => {
  beforeAll(async () => { await tf.setBackend('cpu'); });

  it('random walks: errors within 4 standard errors over many seeds, and the stop-gradient gradient is unbiased', () => {
    const A = operator(R1);
    const b = tf.tensor1d([5, 4, 3]);
    const exact = functionalGradient64(R1, Float64Array.of(5, 4, 3), Float64Array.of(1, 0, 0));
    for (const method of ['randomWalk', 'bidirectional'] as Method[]) {
      const seeds = 30;
      const mean = new Float64Array(7);
      const square = new Float64Array(7);
      let zSum = 0;
      for (let s = 0; s < seeds; s++) {
        let se = 0;
        let x = 0;
        const g = tf.tidy(() => tf.grad((v: tf.Tensor) => {
          const r = ls.estimateEntry(A.withValues(v), b, 0, {method, epsilon: 1.5e-1, seed: 1000 + s});
          se = r.standardError as number;
          x = r.value.dataSync()[0];
          return r.value;
        })(A.values).dataSync());
        const z = Math.abs(x - 7 / 9) / se;
        expect(z).toBeLessThan(4.5);
        zSum += z;
        g.forEach((v, e) => { mean[e] += v / seeds; square[e] += (v * v) / seeds; });
      }
      // E|z| = √(2/π) ≈ 0.80 for a normal z: the reported se is the estimator's own.
      expect(zSum / seeds).toBeGreaterThan(0.5);
      expect(zSum / seeds).toBeLessThan(1.1);
      mean.forEach((m, e) => {
        const se = Math.sqrt(Math.max(square[e] - m * m, 0) / seeds);
        expect(Math.abs(m - exact.values[e])).toBeLessThanOrEqual(4 * se + 1e-4);
      });
    }
    free(A);
    b.dispose();
  });

  it('localSolve: forward push from a sparse b, certified; PPR (T2) sums to 1 and agrees with backward push and walks on the target system', () => {
    const n = 2000;
    const alpha = 0.15;
    const {source, target} = pageRank(n, 8, alpha);
    const S = operator(source);
    const T = operator(target);
    const s = 5;
    const exact = solveDominant64(source, Float64Array.from({length: n}, (_, k) => (k === s ? alpha : 0)));
    const before = tf.memory().numTensors;
    const r = ls.localSolve(S, {indices: [s], values: [alpha]}, {epsilon: 1e-5});
    const idx = r.x.indices.dataSync();
    const val = r.x.values.dataSync();
    const p = new Float64Array(n);
    idx.forEach((k, j) => { p[k] = val[j]; });
    p.forEach((v, k) => expect(Math.abs(v - exact[k])).toBeLessThanOrEqual(r.bound + 1e-6 * Math.abs(exact[k])));
    expect(Math.abs(p.reduce((a, v) => a + v, 0) - 1)).toBeLessThanOrEqual(r.oneNormBound + 1e-5);
    expect(r.work).toBeLessThan(1.2 * (alpha / (alpha * 1e-5 * 0.15)));
    tf.dispose([r.x.indices, r.x.values, r.residual.indices, r.residual.values]);
    // The target system's entry s is the same PPR value π_s(t) (a single-pair query).
    const t = idx[val.indexOf(Math.max(...Array.from(val).filter((_, j) => idx[j] !== s)))];
    const bt = tf.tensor1d(Float32Array.from({length: n}, (_, k) => (k === t ? alpha : 0)));
    for (const method of ['backwardPush', 'randomWalk', 'bidirectional'] as Method[]) {
      const e = estimate(T, bt, s, {method, epsilon: RANDOM.has(method) ? 2e-2 : 1e-4, seed: 2});
      expectWithinBound(e, exact[t]);
    }
    bt.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(() => ls.localSolve(T, {indices: [s], values: [1]})).toThrow(expect.objectContaining({code: 'notApplicable'}));
    free(S);
    free(T);
  });


  it('T1: backward push (fixed θ), walks and bidirectional read the same order of entries for n = 10³, 10⁴, 3·10⁴ (bench: to 10⁶), errors within bounds', () => {
    const works: Record<string, number[]> = {backwardPush: [], randomWalk: [], bidirectional: []};
    for (const n of [1e3, 1e4, 3e4]) {
      const a = dominantRandom(n, 17);
      const A = operator(a);
      const b64 = Float64Array.from(randomVector(n, 18), Math.fround);
      const b = tf.tensor1d(Float32Array.from(b64));
      const exact = solveDominant64(a, b64)[0];
      for (const method of Object.keys(works) as Method[]) {
        // A fixed push threshold: work ≤ ‖c‖₁/(β_r θ) whatever n; the certificate is then what it is.
        const r = estimate(A, b, 0, method === 'backwardPush' ? {method, threshold: 1e-4} : {method, epsilon: 1e-1, seed: 3});
        expectWithinBound(r, exact);
        works[method].push(r.work);
      }
      free(A);
      b.dispose();
    }
    for (const w of Object.values(works)) expect(Math.max(...w) / Math.min(...w)).toBeLessThan(2);
    // Neumann reads every entry every term: linear.
  });

  it('T2: forward push volume for PPR is the same for n = 10³ … 3·10⁴; T3: shifted Laplacian costs ∝ 1/σ', () => {
    const works = [1e3, 1e4, 3e4].map(n => {
      const S = operator(pageRank(n, 9).source);
      const r = ls.localSolve(S, {indices: [0], values: [0.15]}, {threshold: 1e-4});
      tf.dispose([r.x.indices, r.x.values, r.residual.indices, r.residual.values]);
      free(S);
      return r.work;
    });
    expect(Math.max(...works) / Math.min(...works)).toBeLessThan(1.5);
    const costs = [1, 0.25].map(sigma => {
      const a = shiftedLaplacian(2000, 4, sigma);
      const A = operator(a);
      const b64 = Float64Array.from(randomVector(2000, 5), Math.fround);
      const b = tf.tensor1d(Float32Array.from(b64));
      const r = estimate(A, b, 1, {method: 'backwardPush', epsilon: 1e-3});
      expectWithinBound(r, solveDominant64(a, b64)[1]);
      free(A);
      b.dispose();
      return r.work;
    });
    expect(costs[1]).toBeGreaterThan(2 * costs[0]);
  });
});
