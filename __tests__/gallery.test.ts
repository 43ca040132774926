import * as tf from '@tensorflow/tfjs';
import * as ls from '../src/index';
import {Matrix64, matrix, solve64, relativeError} from '../testing/reference';

/** The dense float64 copy of a gallery matrix. */
function dense64(A: ls.GridMatrix): Matrix64 {
  const n = A.shape[0];
  const out = matrix(n, () => 0);
  for (let e = 0; e < A.values.length; e++) out.data[A.indices[2 * e] * n + A.indices[2 * e + 1]] += A.values[e];
  return out;
}

/** Whether float64 Cholesky succeeds (every pivot > 0): positive definite for symmetric A. */
function choleskyOk(a: Matrix64): boolean {
  const {n} = a;
  const l = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    let d = a.data[j * n + j];
    for (let k = 0; k < j; k++) d -= l[j * n + k] ** 2;
    if (!(d > 0)) return false;
    l[j * n + j] = Math.sqrt(d);
    for (let i = j + 1; i < n; i++) {
      let s = a.data[i * n + j];
      for (let k = 0; k < j; k++) s -= l[i * n + k] * l[j * n + k];
      l[i * n + j] = s / l[j * n + j];
    }
  }
  return true;
}

function asymmetry(a: Matrix64): number {
  let worst = 0;
  for (let i = 0; i < a.n; i++) for (let j = 0; j < a.n; j++) worst = Math.max(worst, Math.abs(a.data[i * a.n + j] - a.data[j * a.n + i]));
  return worst;
}

const same = (a: ArrayLike<number>, b: ArrayLike<number>) => a.length === b.length && Array.from(a).every((v, i) => v === b[i]);

describe('gallery families', () => {
  test('diffusion2d is seeded: same seed, same matrix; another seed, another field on the same pattern', () => {
    const a = ls.diffusion2d({m: 12, seed: 5});
    const b = ls.diffusion2d({m: 12, seed: 5});
    const c = ls.diffusion2d({m: 12, seed: 6});
    expect(same(a.values, b.values)).toBe(true);
    expect(same(a.indices, c.indices)).toBe(true);
    expect(same(a.values, c.values)).toBe(false);
  });

  test('diffusion2d with σ = 0 is poisson2d; the pattern is poisson2d\'s for every σ', () => {
    const p = ls.poisson2d(7);
    const d = ls.diffusion2d({m: 7, sigma: 0});
    expect(same(d.indices, p.indices)).toBe(true);
    expect(same(d.values, p.values)).toBe(true);
    expect(same(ls.diffusion2d({m: 7, sigma: 2, seed: 1}).indices, p.indices)).toBe(true);
  });

  test('diffusion2d is symmetric positive definite, an M-matrix, with unit-variance log κ', () => {
    for (const sigma of [1, 3]) {
      const A = ls.diffusion2d({m: 10, seed: 2, sigma});
      expect(A.tags).toEqual(['symmetric', 'positiveDefinite']);
      const a = dense64(A);
      expect(asymmetry(a)).toBe(0);
      expect(choleskyOk(a)).toBe(true);
      for (let e = 0; e < A.values.length; e++) {
        if (A.indices[2 * e] !== A.indices[2 * e + 1]) expect(A.values[e]).toBeLessThan(0);
      }
    }
    // log κ / σ over a 128² grid (many correlation lengths): mean ≈ 0, variance ≈ 1.
    const A = ls.diffusion2d({m: 126, seed: 3, sigma: 1});
    const g = Array.from(A.coefficient, Math.log);
    const mean = g.reduce((s, v) => s + v, 0) / g.length;
    const variance = g.reduce((s, v) => s + (v - mean) ** 2, 0) / g.length;
    expect(Math.abs(mean)).toBeLessThan(0.3);
    expect(variance).toBeGreaterThan(0.6);
    expect(variance).toBeLessThan(1.4);
  });

  test('anisotropicDiffusion2d is SPD for rotated angles, one 9-point pattern for every angle', () => {
    const a0 = ls.anisotropicDiffusion2d({m: 8, epsilon: 1e-3, angle: 0});
    for (const angle of [Math.PI / 6, Math.PI / 4, 2]) {
      const A = ls.anisotropicDiffusion2d({m: 8, epsilon: 1e-3, angle});
      expect(same(A.indices, a0.indices)).toBe(true);
      const a = dense64(A);
      expect(asymmetry(a)).toBe(0);
      expect(choleskyOk(a)).toBe(true);
    }
    const seeded = ls.anisotropicDiffusion2d({m: 8, seed: 9});
    expect(seeded.angle).toBe(ls.anisotropicDiffusion2d({m: 8, seed: 9}).angle);
    expect(seeded.angle).not.toBe(ls.anisotropicDiffusion2d({m: 8, seed: 10}).angle);
    expect(seeded.angle).toBeGreaterThanOrEqual(0);
    expect(seeded.angle).toBeLessThan(Math.PI);
  });

  test('convectionDiffusion2d is nonsymmetric for Pe > 0 and Poisson at Pe = 0; upwind keeps it an M-matrix', () => {
    const A = ls.convectionDiffusion2d({m: 8, peclet: 200, seed: 1});
    expect(A.tags).toEqual([]);
    const a = dense64(A);
    expect(asymmetry(a)).toBeGreaterThan(1);
    for (let i = 0; i < a.n; i++) {
      let off = 0;
      for (let j = 0; j < a.n; j++) if (j !== i) { expect(a.data[i * a.n + j]).toBeLessThanOrEqual(0); off += Math.abs(a.data[i * a.n + j]); }
      expect(a.data[i * a.n + i]).toBeGreaterThanOrEqual(off - 1e-5);
    }
    expect(same(ls.convectionDiffusion2d({m: 6, peclet: 0}).values, ls.poisson2d(6).values)).toBe(true);
    const central = dense64(ls.convectionDiffusion2d({m: 6, peclet: 10, angle: 0, scheme: 'central'}));
    // Central differences along x: entries (i, j±1) are −1 ± h·Pe/2.
    const h = 1 / 7;
    expect(central.data[1 * 36 + 2]).toBeCloseTo(-1 + h * 10 / 2, 5);
    expect(central.data[1 * 36 + 0]).toBeCloseTo(-1 - h * 10 / 2, 5);
  });

  test('gridProblems: seeded, reproducible, disjoint splits, right-hand sides from their own stream', () => {
    const train = ls.gridProblems({family: 'diffusion', m: 8, split: 'train', count: 3});
    const again = ls.gridProblems({family: 'diffusion', m: 8, split: 'train', count: 2, start: 1});
    const test = ls.gridProblems({family: 'diffusion', m: 8, split: 'test', count: 3});
    expect(same(train[1].A.values, again[0].A.values)).toBe(true);
    expect(same(train[2].b, again[1].b)).toBe(true);
    const seeds = new Set([...train, ...test, ...ls.gridProblems({family: 'diffusion', m: 8, split: 'validation', count: 3})].map(p => p.seed));
    expect(seeds.size).toBe(9);
    expect(same(train[0].A.values, test[0].A.values)).toBe(false);
    expect(ls.splitSeed('validation', 4)).toBe(2 ** 20 + 4);
    const smooth = ls.gridRightHandSide({m: 8, seed: 1, kind: 'smooth'});
    expect(smooth.length).toBe(64);
    expect(same(ls.gridRightHandSide({m: 8, seed: 1}), ls.gridRightHandSide({m: 8, seed: 1}))).toBe(true);
    const point = ls.gridRightHandSide({m: 8, seed: 1, kind: 'pointSource'});
    expect(point.reduce((s, v) => s + v, 0)).toBe(1);
    const conv = ls.gridProblems({family: 'convectionDiffusion', m: 6, split: 'validation', count: 2, parameters: {peclet: 50}});
    expect(conv[0].A.tags).toEqual([]);
    expect(() => ls.gridProblems({family: 'nope' as ls.GridFamily, m: 4, split: 'train'})).toThrow(ls.LinearSolveError);
    expect(() => ls.diffusion2d({m: 0})).toThrow(ls.LinearSolveError);
    expect(() => ls.diffusion2d({m: 4, seed: -1})).toThrow(ls.LinearSolveError);
    expect(() => ls.splitSeed('train', 2 ** 20)).toThrow(ls.LinearSolveError);
  });

  test('a gallery matrix feeds ls.sparse and solves to the float64 answer', async () => {
    await tf.setBackend('cpu');
    const {A: G, b} = ls.gridProblems({family: 'diffusion', m: 10, split: 'test', parameters: {sigma: 1}})[0];
    const before = tf.memory().numTensors;
    const indices = tf.tensor2d(G.indices, [G.values.length, 2], 'int32');
    const values = tf.tensor1d(G.values);
    const A = ls.sparse({indices, values, shape: G.shape, tags: G.tags});
    const rhs = tf.tensor1d(b);
    const x = ls.solve(A, rhs, {method: 'cg', rtol: 1e-6});
    const reference = solve64(dense64(G), Float64Array.from(b));
    expect(relativeError(x.dataSync(), reference)).toBeLessThan(1e-4);
    tf.dispose([x, rhs, values, indices]);
    A.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
