/**
 * The kernel seam's differentiable wrappers, on every backend: solving through the factors
 * (luFactor / choleskyFactor, permuteRows, triangularSolve) and differentiating that whole
 * chain gives the analytic ∂(wᵀA⁻¹b)/∂A = −λxᵀ and its Hessian-vector product, against
 * float64 — whichever backend's kernel (native, typed arrays, tf ops) ran underneath.
 */
import * as tf from '@tensorflow/tfjs';
import {describeEachBackend} from './support/backends';
import {choleskyFactor, flatPermutation, kernels, luFactor, permuteRows, triangularSolve} from '../src/kernels';
import {needsPivoting, spd} from '../testing/cases';
import {FLOAT32_EPS, Matrix64, condition, matmul, outerNegative, randomVector, relativeError, solve64, transpose} from '../testing/reference';

const n = 8;

/** x = A⁻¹b through the LU factors, every step differentiable. */
function luSolve(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const {lower, upper, perm} = luFactor(tf.expandDims(a, 0));
  const {forward, inverse} = flatPermutation(perm);
  const y = triangularSolve(lower, permuteRows(tf.reshape(b, [1, n, 1]), forward, inverse), {lower: true, unitDiagonal: true});
  return tf.reshape(triangularSolve(upper, y, {lower: false}), [n]);
}

/** x = A⁻¹b through the Cholesky factor. */
function choleskySolve(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const L = choleskyFactor(tf.expandDims(a, 0));
  const y = triangularSolve(L, tf.reshape(b, [1, n, 1]), {lower: true});
  return tf.reshape(triangularSolve(L, y, {lower: false, transposeT: true}), [n]);
}

function symmetricPart(m: Float64Array | Float32Array): Float64Array {
  return Float64Array.from(m, (_, e) => (m[e] + m[(e % n) * n + Math.floor(e / n)]) / 2);
}

/** Analytic HVP of wᵀA⁻¹b along V: A⁻ᵀVᵀλ xᵀ + λ (A⁻¹V x)ᵀ. */
function hvp(A: Matrix64, b: Float64Array, w: Float64Array, V: Float64Array): Float64Array {
  const x = solve64(A, b);
  const lambda = solve64(transpose(A), w);
  const a = solve64(transpose(A), matmul(transpose({n, data: V}), lambda));
  const c = solve64(A, matmul({n, data: V}, x));
  return Float64Array.from({length: n * n}, (_, e) => a[Math.floor(e / n)] * x[e % n] + lambda[Math.floor(e / n)] * c[e % n]);
}

describeEachBackend('kernel seam: factorisations are differentiable to second order', () => {
  const cases = [
    {name: 'LU (needs pivoting)', A: needsPivoting(n, 21, 2, 1e-3), solveWith: luSolve, symmetric: false},
    {name: 'Cholesky', A: spd(n, 22, 0.5), solveWith: choleskySolve, symmetric: true},
  ];
  for (const {name, A, solveWith, symmetric} of cases) {
    const b = Float64Array.from(randomVector(n, 23), Math.fround);
    const w = Float64Array.from(randomVector(n, 24), Math.fround);
    const V0 = Float64Array.from(randomVector(n * n, 25), Math.fround);
    const V = symmetric ? Float64Array.from(symmetricPart(V0), Math.fround) : V0;
    const bound = 4 * condition(A) * 3 * n * FLOAT32_EPS;
    const project = (m: Float64Array | Float32Array) => (symmetric ? symmetricPart(m) : Float64Array.from(m));
    const run = (order: 1 | 2) => tf.tidy(() => {
      const [At, bt, wt, Vt] = [tf.tensor2d(Float32Array.from(A.data), [n, n]), tf.tensor1d(Float32Array.from(b)),
        tf.tensor1d(Float32Array.from(w)), tf.tensor2d(Float32Array.from(V), [n, n])];
      const f = (a: tf.Tensor) => tf.sum(tf.mul(wt, solveWith(a, bt)));
      if (order === 1) return tf.grad(f)(At).dataSync().slice() as Float32Array;
      return tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.grad(f)(a), Vt)))(At).dataSync().slice() as Float32Array;
    });

    it(`${name}: ∂(wᵀA⁻¹b)/∂A = −λxᵀ`, () => {
      const expected = outerNegative(solve64(transpose(A), w), solve64(A, b), n);
      expect(relativeError(project(run(1)), project(expected))).toBeLessThanOrEqual(bound);
    });

    it(`${name}: the Hessian-vector product matches float64`, () => {
      expect(relativeError(project(run(2)), project(hvp(A, b, w, V)))).toBeLessThanOrEqual(bound);
    });
  }
});

// The host kernel's exactness, where it runs (cpu, and wasm with the host engine on). tfjs-node
// flushes subnormals to zero, so there a subnormal column scales by 1, as a zero one does.
describeEachBackend('kernel seam: the power-of-two column scale', backend => {
  // Columns: subnormal, zero, ordinary, a NaN, huge, an exact power of two (log₂ may round
  // across it), ±∞, and one below 1.
  const columns = [
    [1e-40, -2e-41], [0, 0], [3, -0.7], [NaN, 1], [1e30, -3e35], [-4, 4], [Infinity, 1], [0.3, -0.01],
  ];
  /** The exact scale in float64: s = 2^e with s ≤ max|bⱼ| < 2s, or 1 when there is none. */
  const expected = (column: number[]) => {
    const max = Math.max(...column.map(v => Math.abs(Math.fround(v))));
    if (!Number.isFinite(max) || max === 0) return 1;
    let s = 1;
    while (s > max) s /= 2;
    while (2 * s <= max) s *= 2;
    return s;
  };

  it(`${backend}: s ≤ max|bⱼ| < 2s per column, 1 for zero or non-finite columns, batched too`, () => {
    const k = columns.length;
    const b = tf.tensor2d(Float32Array.from({length: 2 * k}, (_, e) => columns[e % k][Math.floor(e / k)]), [2, k]);
    const batched = tf.tidy(() => tf.stack([b, tf.mul(b, 3)]));
    const before = tf.memory().numTensors;
    const s = kernels().columnScale(b);
    const sb = kernels().columnScale(batched);
    expect(tf.memory().numTensors - before).toBe(2);
    expect(s.shape).toEqual([1, k]);
    expect(sb.shape).toEqual([2, 1, k]);
    expect(Array.from(s.dataSync())).toEqual(columns.map(expected));
    expect(Array.from(sb.dataSync())).toEqual([...columns.map(expected), ...columns.map(c => expected(c.map(v => Math.fround(v) * 3)))]);
    tf.dispose([b, batched, s, sb]);
  });
}, {backends: ['cpu', 'wasm']});
