/**
 * Property checks of `ls.linalg`, shared by linalg.test.ts (cpu, wasm, tensorflow) and the
 * WebGL page (suites.ts): values against the float64 reference, gradients against analytic
 * float64 formulas (or float64 central differences of the float64 factorisations, where no
 * closed form is simpler), batches, second order, errors and leaks. Bounds are κ·c·n·ε.
 */
import * as tf from '@tensorflow/tfjs';
import * as ls from '../../src';
import {Check} from './properties';
import {needsPivoting, nonsymmetric, spd} from '../../testing/cases';
import {solutionBound} from '../../testing/bounds';
import {
  FLOAT32_EPS, Matrix64, cholesky64, condition, det64, inverse64, lu64, matmul64, matrix, randomVector, relativeError,
  slogdet64, solve64, transpose,
} from '../../testing/reference';

/** `fn()` inside a tidy, for results that are plain numbers and arrays. */
function scoped<T>(fn: () => T): T {
  let out: T | undefined;
  tf.tidy(() => { out = fn(); });
  return out as T;
}

function atMost(what: string, value: number, bound: number): void {
  if (!(value <= bound)) throw new Error(`${what}: ${value.toExponential(3)} exceeds the bound ${bound.toExponential(3)}`);
}

function equal<T>(what: string, value: T, expected: T): void {
  if (JSON.stringify(value) !== JSON.stringify(expected)) throw new Error(`${what}: ${JSON.stringify(value)}, expected ${JSON.stringify(expected)}`);
}

const f32 = (m: Matrix64): Matrix64 => ({n: m.n, data: m.data.map(Math.fround)});
const tensorOf = (members: Matrix64[], batchShape: number[] = []) => {
  const n = members[0].n;
  return tf.tensor(Float32Array.from(members.flatMap(m => Array.from(m.data))), [...batchShape, n, n]);
};
const rect = (rows: number, cols: number, seed: number) => Float64Array.from(randomVector(rows * cols, seed), Math.fround);
const read = (t: tf.Tensor) => Float64Array.from(t.dataSync());
const scale = (v: Float64Array, s: number) => v.map(x => x * s);
const slice = (v: ArrayLike<number>, i: number, size: number) => Float64Array.from(Array.prototype.slice.call(v, i * size, (i + 1) * size));

/** The matrices: a zero leading entry (no LU without row interchanges), a general one, an SPD one. */
const PIVOTING = needsPivoting(6, 3, 3, 0);
const GENERAL = nonsymmetric(8, 5, 4);
const SPD = spd(6, 2, 0.5);
const valueBound = (a: Matrix64) => solutionBound(a.n, condition(a), false);

/** −λxᵀ, the gradient of ⟨W, A⁻¹B⟩ with respect to A, with Aᵀλ = W (`[n, k]` row-major). */
function negOuter(lambda: Float64Array, x: Float64Array, n: number, k: number): Matrix64 {
  return matrix(n, (i, j) => {
    let s = 0;
    for (let c = 0; c < k; c++) s -= lambda[i * k + c] * x[j * k + c];
    return s;
  });
}

/** Float64 central differences of a float64 scalar function of A, entry by entry. */
function centralDifferences(a: Matrix64, f: (m: Matrix64) => number, symmetric = false): Matrix64 {
  const {n} = a;
  const h = 1e-6;
  return matrix(n, (i, j) => {
    if (symmetric && j > i) return NaN;   // filled from (j, i) below
    const at = (t: number) => {
      const m = {n, data: Float64Array.from(a.data)};
      m.data[i * n + j] += t;
      if (symmetric && i !== j) m.data[j * n + i] += t;
      return f(m);
    };
    const d = (at(h) - at(-h)) / (2 * h);
    return symmetric && i !== j ? d / 2 : d;
  });
}

function symmetrize(m: Matrix64): Matrix64 {
  return matrix(m.n, (i, j) => (j > i ? m.data[j * m.n + i] : m.data[i * m.n + j]));
}

const inner = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};

function luChecks(): Check[] {
  return [{
    name: 'lu: P·A = L·U matches float64 on a matrix with a zero leading entry, and so does its gradient',
    run: () => {
      const A = PIVOTING;
      const {n} = A;
      const ref = lu64(A);
      const [wL, wU] = [rect(n, n, 11), rect(n, n, 12)];
      const {lower, upper, permutation, grad} = scoped(() => {
        const a = tensorOf([A]);
        const f = ls.linalg.lu(a);
        const loss = (m: tf.Tensor) => {
          const g = ls.linalg.lu(m);
          return tf.add(tf.sum(tf.mul(g.lower, tf.tensor2d(Float32Array.from(wL), [n, n]))),
            tf.sum(tf.mul(g.upper, tf.tensor2d(Float32Array.from(wU), [n, n]))));
        };
        return {lower: read(f.lower), upper: read(f.upper), permutation: Array.from(f.permutation.dataSync()), grad: read(tf.grad(loss)(a))};
      });
      equal('permutation', permutation, ref.perm);
      if (ref.perm[0] === 0) throw new Error('the case must need a row interchange');
      atMost('‖L − L*‖/‖L*‖', relativeError(lower, ref.lower.data), valueBound(A));
      atMost('‖U − U*‖/‖U*‖', relativeError(upper, ref.upper.data), valueBound(A));
      const expected = centralDifferences(A, m => { const r = lu64(m); return inner(r.lower.data, wL) + inner(r.upper.data, wU); });
      atMost('‖∂A − ∂A*‖/‖∂A*‖', relativeError(grad, expected.data), 2 * valueBound(A));
    },
  }, {
    name: 'luSolve(lu(A), B): X and its gradients in A and B match float64',
    run: () => {
      const A = PIVOTING;
      const {n} = A;
      const k = 3;
      const [B, W] = [rect(n, k, 13), rect(n, k, 14)];
      const {x, dA, dB} = scoped(() => {
        const [a, b, w] = [tensorOf([A]), tf.tensor2d(Float32Array.from(B), [n, k]), tf.tensor2d(Float32Array.from(W), [n, k])];
        const solve = (m: tf.Tensor, r: tf.Tensor) => ls.linalg.luSolve(ls.linalg.lu(m), r);
        const [ga, gb] = tf.grads((m: tf.Tensor, r: tf.Tensor) => tf.sum(tf.mul(w, solve(m, r))))([a, b]);
        return {x: read(solve(a, b)), dA: read(ga), dB: read(gb)};
      });
      const xs = solve64(A, B, k);
      const lambda = solve64(transpose(A), W, k);
      atMost('‖X − X*‖/‖X*‖', relativeError(x, xs), valueBound(A));
      atMost('∂B error', relativeError(dB, lambda), valueBound(A));
      atMost('∂A error', relativeError(dA, negOuter(lambda, xs, n, k).data), 2 * valueBound(A));
    },
  }];
}

function choleskyChecks(): Check[] {
  return [{
    name: 'cholesky: L matches float64, and its gradient (symmetric) matches float64 differences',
    run: () => {
      const A = SPD;
      const {n} = A;
      const wL = rect(n, n, 21);
      const {lower, upper, grad} = scoped(() => {
        const a = tensorOf([A]);
        const w = tf.tensor2d(Float32Array.from(wL), [n, n]);
        return {
          lower: read(ls.linalg.cholesky(a)),
          upper: read(ls.linalg.cholesky(a, {upper: true})),
          grad: read(tf.grad(m => tf.sum(tf.mul(w, ls.linalg.cholesky(m))))(a)),
        };
      });
      const ref = cholesky64(A);
      atMost('‖L − L*‖/‖L*‖', relativeError(lower, ref.data), valueBound(A));
      atMost('‖U − L*ᵀ‖/‖L*‖', relativeError(upper, transpose(ref).data), valueBound(A));
      // L's zeros above the diagonal are constants: W there contributes nothing.
      const expected = symmetrize(centralDifferences(A, m => inner(cholesky64(m).data, wL), true));
      atMost('‖∂A − ∂A*‖/‖∂A*‖', relativeError(grad, expected.data), 2 * valueBound(A));
    },
  }, {
    name: 'choleskySolve(cholesky(A), B): X and its gradients in A (symmetric) and B match float64',
    run: () => {
      const A = SPD;
      const {n} = A;
      const k = 2;
      const [B, W] = [rect(n, k, 23), rect(n, k, 24)];
      const {x, xUpper, dA, dB} = scoped(() => {
        const [a, b, w] = [tensorOf([A]), tf.tensor2d(Float32Array.from(B), [n, k]), tf.tensor2d(Float32Array.from(W), [n, k])];
        const solve = (m: tf.Tensor, r: tf.Tensor) => ls.linalg.choleskySolve(ls.linalg.cholesky(m), r);
        const [ga, gb] = tf.grads((m: tf.Tensor, r: tf.Tensor) => tf.sum(tf.mul(w, solve(m, r))))([a, b]);
        const upper = ls.linalg.choleskySolve(ls.linalg.cholesky(a, {upper: true}), b, {upper: true});
        return {x: read(solve(a, b)), xUpper: read(upper), dA: read(ga), dB: read(gb)};
      });
      const xs = solve64(A, B, k);
      const lambda = solve64(A, W, k);
      const g = negOuter(lambda, xs, n, k);
      atMost('‖X − X*‖/‖X*‖', relativeError(x, xs), valueBound(A));
      atMost('upper: ‖X − X*‖/‖X*‖', relativeError(xUpper, xs), valueBound(A));
      atMost('∂B error', relativeError(dB, lambda), valueBound(A));
      atMost('∂A error', relativeError(dA, matrix(n, (i, j) => (g.data[i * n + j] + g.data[j * n + i]) / 2).data), 2 * valueBound(A));
    },
  }];
}

interface TriangularCase {lower: boolean; transpose?: boolean; unitDiagonal?: boolean; left?: boolean}

function triangularChecks(): Check[] {
  const cases: TriangularCase[] = [
    {lower: true}, {lower: false}, {lower: true, transpose: true}, {lower: false, unitDiagonal: true},
    {lower: true, left: false}, {lower: false, transpose: true, left: false},
  ];
  return cases.map(options => ({
    name: `triangularSolve ${JSON.stringify(options)}: X and its gradients in A and B match float64`,
    run: () => {
      const A = GENERAL;
      const {n} = A;
      const k = 3;
      const {lower, transpose: t = false, unitDiagonal = false, left = true} = options;
      const inPart = (i: number, j: number) => (lower ? j < i : j > i) || (!unitDiagonal && i === j);
      const T = matrix(n, (i, j) => (inPart(i, j) ? A.data[i * n + j] : i === j ? 1 : 0));   // what is solved with
      const M = t ? transpose(T) : T;
      const shapeB = left ? [n, k] : [k, n];
      const [B, W] = [rect(n, k, 31), rect(n, k, 32)];
      const {x, dA, dB} = scoped(() => {
        const a = tensorOf([A]);   // the other triangle is garbage the op must not read
        const [b, w] = [tf.tensor2d(Float32Array.from(B), shapeB as [number, number]), tf.tensor2d(Float32Array.from(W), shapeB as [number, number])];
        const [ga, gb] = tf.grads((m: tf.Tensor, r: tf.Tensor) => tf.sum(tf.mul(w, ls.linalg.triangularSolve(m, r, options))))([a, b]);
        return {x: read(ls.linalg.triangularSolve(a, b, options)), dA: read(ga), dB: read(gb)};
      });
      // Left: X = M⁻¹B, λ = M⁻ᵀW, ∂M = −λXᵀ. Right (X M = B): Xᵀ = M⁻ᵀBᵀ, λ = M⁻¹Wᵀ, ∂M = −Xᵀλᵀ.
      const T64 = (v: Float64Array, rows: number, cols: number) => Float64Array.from({length: v.length}, (_, e) => v[(e % rows) * cols + Math.floor(e / rows)]);
      let xs: Float64Array; let dBs: Float64Array; let dM: Matrix64;
      if (left) {
        xs = solve64(M, B, k);
        dBs = solve64(transpose(M), W, k);
        dM = negOuter(dBs, xs, n, k);
      } else {
        const xt = solve64(transpose(M), T64(B, k, n), k);   // [n, k]
        const lambda = solve64(M, T64(W, k, n), k);
        xs = T64(xt, n, k);
        dBs = T64(lambda, n, k);
        dM = negOuter(xt, lambda, n, k);
      }
      const dT = t ? transpose(dM) : dM;
      const dAs = matrix(n, (i, j) => (inPart(i, j) ? dT.data[i * n + j] : 0));
      const bound = solutionBound(n, condition(T), false);
      atMost('‖X − X*‖/‖X*‖', relativeError(x, xs), bound);
      atMost('∂B error', relativeError(dB, dBs), bound);
      atMost('∂A error', relativeError(dA, dAs.data), 2 * bound);
    },
  }));
}

function inverseAndDeterminantChecks(): Check[] {
  return [{
    name: 'inv: A⁻¹ and the gradient −A⁻ᵀWA⁻ᵀ match float64',
    run: () => {
      const A = PIVOTING;
      const {n} = A;
      const W = {n, data: rect(n, n, 41)};
      const {x, grad} = scoped(() => {
        const [a, w] = [tensorOf([A]), tensorOf([W])];
        return {x: read(ls.linalg.inv(a)), grad: read(tf.grad(m => tf.sum(tf.mul(w, ls.linalg.inv(m))))(a))};
      });
      const Ai = inverse64(A);
      const AiT = transpose(Ai);
      atMost('‖X − A⁻¹‖/‖A⁻¹‖', relativeError(x, Ai.data), valueBound(A));
      atMost('∂A error', relativeError(grad, scale(matmul64(matmul64(AiT, W), AiT).data, -1)), 2 * valueBound(A));
    },
  }, {
    name: 'det, logdet, slogdet: values and the gradients det·A⁻ᵀ and A⁻ᵀ match float64 (negative det: logdet NaN)',
    run: () => {
      // PIVOTING has det < 0: logdet NaN; the others det > 0.
      for (const A of [PIVOTING, GENERAL, SPD]) {
        const got = scoped(() => {
          const a = tensorOf([A]);
          const s = ls.linalg.slogdet(a);
          return {
            det: ls.linalg.det(a).dataSync()[0], logdet: ls.linalg.logdet(a).dataSync()[0],
            sign: s.sign.dataSync()[0], logAbsDet: s.logAbsDet.dataSync()[0], rank: s.sign.rank,
            dDet: read(tf.grad(m => ls.linalg.det(m))(a)), dLog: read(tf.grad(m => ls.linalg.slogdet(m).logAbsDet)(a)),
            dLogdet: read(tf.grad(m => ls.linalg.logdet(m))(a)),
          };
        });
        const ref = slogdet64(A);
        const AiT = transpose(inverse64(A));
        const bound = valueBound(A);
        equal('sign', got.sign, ref.sign);
        equal('rank of a single matrix\'s result', got.rank, 0);
        atMost('|log|det| − ref|', Math.abs(got.logAbsDet - ref.logAbsDet), bound);
        atMost('|det − ref|/|ref|', Math.abs(got.det - det64(A)) / Math.abs(det64(A)), bound);
        if (ref.sign > 0) atMost('|logdet − ref|', Math.abs(got.logdet - ref.logAbsDet), bound);
        else if (!Number.isNaN(got.logdet)) throw new Error(`logdet of a negative determinant: ${got.logdet}, expected NaN`);
        atMost('∂log|det| error', relativeError(got.dLog, AiT.data), 2 * bound);
        atMost('∂det error', relativeError(got.dDet, scale(AiT.data, det64(A))), 2 * bound);
        if (ref.sign > 0) atMost('∂logdet error', relativeError(got.dLogdet, AiT.data), 2 * bound);
        else if (!got.dLogdet.every(Number.isNaN)) throw new Error('∂logdet of a negative determinant: expected NaN');
      }
    },
  }, {
    name: 'det, logdet, slogdet of an exactly singular matrix: 0, −Inf, (0, −Inf), without an error',
    run: () => {
      // Rows 1 and 3 are both 2·[1, 2, 3, 4].
      const S = matrix(4, (i, j) => (i === 1 || i === 3 ? 2 * (j + 1) : Math.fround(Math.sin(i + 3 * j) + (i === j ? 2 : 0))));
      const got = scoped(() => {
        const a = tensorOf([S]);
        const s = ls.linalg.slogdet(a);
        return [ls.linalg.det(a), ls.linalg.logdet(a), s.sign, s.logAbsDet].map(t => t.dataSync()[0]);
      });
      equal('[det, logdet, sign, logAbsDet]', got.map(String), ['0', '-Infinity', '0', '-Infinity']);
    },
  }];
}

function batchChecks(): Check[] {
  const members = [PIVOTING, nonsymmetric(6, 51, 3), spd(6, 52, 0.4), needsPivoting(6, 53, 2, 0), nonsymmetric(6, 54, 5), spd(6, 55, 1)];
  const n = 6;
  const weights = [1, -0.5, 2, 0.25, -1, 0.75];
  return [{
    name: 'a batch [2, 3, n, n]: lu, inv, det, slogdet and their gradients match float64 member by member',
    run: () => {
      const got = scoped(() => {
        const a = tensorOf(members, [2, 3]);
        const w = tf.tensor(weights, [2, 3]);
        const f = ls.linalg.lu(a);
        const s = ls.linalg.slogdet(a);
        return {
          lower: read(f.lower), upper: read(f.upper), perm: Array.from(f.permutation.dataSync()), permShape: f.permutation.shape,
          inv: read(ls.linalg.inv(a)), det: read(ls.linalg.det(a)), detShape: ls.linalg.det(a).shape,
          sign: read(s.sign), logAbsDet: read(s.logAbsDet),
          dLog: read(tf.grad(m => tf.sum(tf.mul(w, ls.linalg.slogdet(m).logAbsDet)))(a)),
          dInv: read(tf.grad(m => tf.sum(tf.mul(tf.reshape(w, [2, 3, 1, 1]), ls.linalg.inv(m))))(a)),
        };
      });
      equal('permutation shape', got.permShape, [2, 3, n]);
      equal('det shape', got.detShape, [2, 3]);
      members.forEach((A, i) => {
        const ref = lu64(A);
        const bound = valueBound(A);
        const AiT = transpose(inverse64(A));
        equal(`member ${i}: permutation`, got.perm.slice(i * n, (i + 1) * n), ref.perm);
        atMost(`member ${i}: L error`, relativeError(slice(got.lower, i, n * n), ref.lower.data), bound);
        atMost(`member ${i}: U error`, relativeError(slice(got.upper, i, n * n), ref.upper.data), bound);
        atMost(`member ${i}: A⁻¹ error`, relativeError(slice(got.inv, i, n * n), inverse64(A).data), bound);
        atMost(`member ${i}: det error`, Math.abs(got.det[i] - det64(A)) / Math.abs(det64(A)), bound);
        equal(`member ${i}: sign`, got.sign[i], slogdet64(A).sign);
        atMost(`member ${i}: log|det| error`, Math.abs(got.logAbsDet[i] - slogdet64(A).logAbsDet), bound);
        atMost(`member ${i}: ∂log|det| error`, relativeError(slice(got.dLog, i, n * n), scale(AiT.data, weights[i])), 2 * bound);
        const ones = {n, data: new Float64Array(n * n).fill(weights[i])};
        atMost(`member ${i}: ∂⟨W, A⁻¹⟩ error`, relativeError(slice(got.dInv, i, n * n),
          scale(matmul64(matmul64(AiT, ones), AiT).data, -1)), 2 * bound);
      });
    },
  }, {
    name: 'a batch with one exactly singular member: det 0 there, the others exact',
    run: () => {
      const singular = matrix(n, (i, j) => (i === 4 ? 0 : PIVOTING.data[i * n + j]));
      const batch = [GENERAL, singular, SPD].map(m => (m.n === n ? m : f32(matrix(n, (i, j) => m.data[i * m.n + j]))));
      const got = scoped(() => read(ls.linalg.det(tensorOf(batch, [3]))));
      equal('det of the singular member', got[1], 0);
      [0, 2].forEach(i => atMost(`member ${i}: det error`, Math.abs(got[i] - det64(batch[i])) / Math.abs(det64(batch[i])), valueBound(batch[i])));
    },
  }, {
    name: 'luSolve, choleskySolve and triangularSolve broadcast one matrix over a batch of B [3, n, k]',
    run: () => {
      const k = 2;
      const Bs = [0, 1, 2].map(i => rect(n, k, 60 + i));
      const got = scoped(() => {
        const b = tf.tensor3d(Float32Array.from(Bs.flatMap(v => Array.from(v))), [3, n, k]);
        const a = tensorOf([PIVOTING]);
        const s = tensorOf([SPD]);
        return {
          lu: read(ls.linalg.luSolve(ls.linalg.lu(a), b)),
          chol: read(ls.linalg.choleskySolve(ls.linalg.cholesky(s), b)),
          tri: read(ls.linalg.triangularSolve(ls.linalg.cholesky(s), b)),
          shape: ls.linalg.luSolve(ls.linalg.lu(a), b).shape,
        };
      });
      equal('shape', got.shape, [3, n, k]);
      const L = cholesky64(SPD);
      Bs.forEach((B, i) => {
        atMost(`member ${i}: luSolve error`, relativeError(slice(got.lu, i, n * k), solve64(PIVOTING, B, k)), valueBound(PIVOTING));
        atMost(`member ${i}: choleskySolve error`, relativeError(slice(got.chol, i, n * k), solve64(SPD, B, k)), valueBound(SPD));
        atMost(`member ${i}: triangularSolve error`, relativeError(slice(got.tri, i, n * k), solve64(L, B, k)), valueBound(SPD));
      });
    },
  }];
}

function secondOrderChecks(): Check[] {
  return [{
    name: 'second order: ∂/∂A ⟨∇logdet(A), V⟩ = −A⁻ᵀVᵀA⁻ᵀ matches float64',
    run: () => {
      const A = PIVOTING;
      const {n} = A;
      const V = {n, data: rect(n, n, 71)};
      const got = scoped(() => {
        const [a, v] = [tensorOf([A]), tensorOf([V])];
        const g = (m: tf.Tensor) => tf.grad(x => ls.linalg.slogdet(x).logAbsDet)(m);
        return read(tf.grad(m => tf.sum(tf.mul(g(m), v)))(a));
      });
      const AiT = transpose(inverse64(A));
      atMost('Hessian-vector product error', relativeError(got, scale(matmul64(matmul64(AiT, transpose(V)), AiT).data, -1)), 4 * valueBound(A));
    },
  }, {
    name: 'second order through cholesky, choleskySolve, triangularSolve, lu, luSolve, inv and det (float32 differences of the gradient)',
    run: () => {
      const n = SPD.n;
      const y = rect(n, 1, 72);
      // A Gaussian-process style loss: ½ yᵀK⁻¹y + ½ log det K with K = A·Aᵀ + I, and terms on every other op.
      const loss = (a: tf.Tensor) => {
        const K = tf.add(tf.matMul(a, a, false, true), tf.eye(n));
        const L = ls.linalg.cholesky(K);
        const yt = tf.tensor2d(Float32Array.from(y), [n, 1]);
        const fit = tf.sum(tf.mul(yt, ls.linalg.choleskySolve(L, yt)));
        const logDet = tf.sum(tf.log(tf.sum(tf.mul(L, tf.eye(n)), -1)));
        const tri = tf.sum(ls.linalg.triangularSolve(L, yt, {transpose: true}));
        const general = tf.add(a, tf.mul(tf.eye(n), 3));
        const viaLU = tf.sum(ls.linalg.luSolve(ls.linalg.lu(general), yt));
        const other = tf.add(tf.mul(0.1, tf.sum(ls.linalg.inv(general))), tf.mul(0.01, ls.linalg.det(general)));
        return tf.addN([tf.mul(0.5, fit), logDet, tf.mul(0.3, tri), tf.mul(0.2, viaLU), other]);
      };
      const A = {n, data: rect(n, n, 73)};
      const [V, U] = [{n, data: rect(n, n, 74)}, {n, data: rect(n, n, 75)}];
      const h = 1e-2;
      const {numeric, analytic} = scoped(() => {
        const [a, v, u] = [tensorOf([A]), tensorOf([V]), tensorOf([U])];
        const directional = (m: tf.Tensor) => tf.sum(tf.mul(tf.grad(loss)(m), u));
        const at = (t: number) => directional(tf.add(a, tf.mul(v, t))).dataSync()[0];
        return {numeric: (at(h) - at(-h)) / (2 * h), analytic: tf.sum(tf.mul(tf.grad(directional)(a), v)).dataSync()[0]};
      });
      atMost('|numeric − analytic| / |analytic|', Math.abs(numeric - analytic) / Math.abs(analytic), 1e-2);
    },
  }];
}

/** Every bad input a LinearSolveError with its code; nothing left behind, also under tf.grad. */
function errorChecks(): Check[] {
  return [{
    name: 'bad input is a LinearSolveError with a code, and no path leaks a tensor',
    run: () => {
      const singular = tf.tensor2d([[1, 2], [2, 4]]);
      const indefinite = tf.tensor2d([[1, 2], [2, 1]]);
      const zeroDiagonal = tf.tensor2d([[1, 0], [3, 0]]);
      const rectangular = tf.ones([2, 3]);
      const good = tf.tensor2d([[2, 1], [1, 3]]);
      const vector = tf.ones([2]);
      const bad = tf.tensor2d([[1, 0], [NaN, 1]]);
      const [zeros, empty, ones21, ones31, ones222, ones321] = [tf.zeros([2, 2]), tf.zeros([0, 0]), tf.ones([2, 1]), tf.ones([3, 1]), tf.ones([2, 2, 2]), tf.ones([3, 2, 1])];
      const [nanB, infB] = [tf.tensor2d([[NaN], [1]]), tf.tensor2d([[Infinity], [1]])];
      const flags = tf.tensor2d([[true, false], [false, true]], [2, 2], 'bool');
      const L = ls.linalg.cholesky(good);
      const factors = ls.linalg.lu(good);
      const inputs = [singular, indefinite, zeroDiagonal, rectangular, good, vector, bad, zeros, empty, ones21, ones31, ones222, ones321,
        nanB, infB, flags, L, factors.lower, factors.upper, factors.permutation];
      const expectCode = (code: string, f: () => unknown) => {
        try {
          f();
        } catch (error) {
          if (!(error instanceof ls.LinearSolveError)) throw new Error(`expected a LinearSolveError '${code}', got ${String(error)}`);
          equal(`code of "${error.message}"`, error.code, code);
          if (error.message.length < 30) throw new Error(`message too terse: ${error.message}`);
          return;
        }
        throw new Error(`expected a LinearSolveError '${code}', nothing was thrown`);
      };
      const before = tf.memory().numTensors;
      expectCode('singular', () => ls.linalg.inv(singular));
      expectCode('singular', () => tf.grad(m => tf.sum(ls.linalg.inv(m)))(singular));
      expectCode('singular', () => ls.linalg.lu(zeros));
      expectCode('singular', () => tf.grad(m => tf.sum(ls.linalg.lu(m).upper))(zeros));
      expectCode('singular', () => ls.linalg.cholesky(indefinite));
      expectCode('singular', () => tf.grad(m => tf.sum(ls.linalg.cholesky(m)))(indefinite));
      expectCode('singular', () => ls.linalg.triangularSolve(zeroDiagonal, ones21));
      expectCode('singular', () => tf.grads((m: tf.Tensor, b: tf.Tensor) => tf.sum(ls.linalg.triangularSolve(m, b)))([zeroDiagonal, ones21]));
      expectCode('nonFinite', () => ls.linalg.choleskySolve(L, nanB));
      expectCode('nonFinite', () => tf.grad(b => tf.sum(ls.linalg.luSolve(factors, b)))(infB));
      expectCode('nonFinite', () => ls.linalg.triangularSolve(good, infB));
      expectCode('shape', () => ls.linalg.det(rectangular));
      expectCode('shape', () => ls.linalg.logdet(vector));
      expectCode('shape', () => ls.linalg.inv(empty));
      expectCode('shape', () => ls.linalg.luSolve(factors, vector));
      expectCode('shape', () => ls.linalg.choleskySolve(good, ones31));
      expectCode('shape', () => ls.linalg.triangularSolve(ones222, ones321));
      expectCode('shape', () => ls.linalg.triangularSolve(good, ones21, {left: false}));
      expectCode('dtype', () => ls.linalg.slogdet(flags));
      expectCode('dtype', () => ls.linalg.det(null as unknown as tf.Tensor));
      expectCode('option', () => ls.linalg.inv(good, {onFailure: 'loud' as unknown as 'throw'}));
      expectCode('option', () => ls.linalg.triangularSolve(good, ones21, {lower: 'yes' as unknown as boolean}));
      expectCode('option', () => ls.linalg.luSolve({lower: good} as unknown as ls.linalg.LUDecomposition, ones21));
      // onFailure 'ignore': no readback, the NaN/Inf result returned.
      const ignored = ls.linalg.cholesky(bad, {onFailure: 'ignore'});
      const ignoredValue = ignored.dataSync();
      ignored.dispose();
      if (ignoredValue.every(Number.isFinite)) throw new Error('expected a non-finite factor of a NaN input');
      equal('tensors left behind', tf.memory().numTensors - before, 0);
      // Arrays are converted as tfjs ops convert them; int32 is cast.
      const fromArray = ls.linalg.det([[1, 2], [3, 4]]);
      const fromInt = ls.linalg.det(tf.tensor2d([[1, 2], [3, 4]], [2, 2], 'int32'));
      atMost('det of an array', Math.abs(fromArray.dataSync()[0] + 2), 1e-5);
      atMost('det of int32', Math.abs(fromInt.dataSync()[0] + 2), 1e-5);
      tf.dispose([fromArray, fromInt, ...inputs]);
    },
  }];
}

function leakChecks(gradsLeak: number): Check[] {
  return [{
    name: 'every op and its gradient leave numTensors unchanged',
    run: () => {
      const a = tensorOf([PIVOTING]);
      const s = tensorOf([SPD]);
      const b = tf.ones([PIVOTING.n, 2]);
      const run = () => {
        const f = ls.linalg.lu(a);
        const s2 = ls.linalg.slogdet(a);
        const L = ls.linalg.cholesky(s);
        tf.dispose([f.lower, f.upper, f.permutation, s2.sign, s2.logAbsDet, ls.linalg.luSolve(f, b), ls.linalg.inv(a),
          ls.linalg.det(a), ls.linalg.logdet(s), L, ls.linalg.choleskySolve(L, b),
          ls.linalg.triangularSolve(s, b, {lower: false})]);
        const losses: Array<(m: tf.Tensor) => tf.Tensor> = [
          m => tf.sum(ls.linalg.luSolve(ls.linalg.lu(m), b)), m => tf.sum(ls.linalg.inv(m)), m => ls.linalg.det(m),
          m => ls.linalg.slogdet(m).logAbsDet,
        ];
        losses.forEach(loss => tf.dispose(tf.grads(loss)([a])));
        tf.dispose(tf.grads((m: tf.Tensor) => tf.sum(ls.linalg.triangularSolve(m, b)))([s]));
        tf.dispose(tf.grads((m: tf.Tensor) => tf.sum(ls.linalg.choleskySolve(ls.linalg.cholesky(m), b)))([s]));
        tf.dispose(tf.grads((m: tf.Tensor) => tf.sum(tf.grad(x => ls.linalg.logdet(x))(m)))([s]));
      };
      run();
      const before = tf.memory().numTensors;
      run();
      const after = tf.memory().numTensors;
      tf.dispose([a, s, b]);
      atMost('tensors left behind', after - before, gradsLeak * 7);
    },
  }];
}

/**
 * The WebGL page's share (SwiftShader compiles a shader per new op, ~1–10 s each): every op's
 * values and gradients, second order and leaks; batches, singular inputs and error paths run
 * in Node only.
 */
export function linalgWebglChecks(gradsLeak = 0): Check[] {
  const skip = [/^a batch/, /singular/, /^bad input/, /float32 differences/, /"left":false/, /broadcast/];
  return linalgChecks(gradsLeak).filter(c => !skip.some(r => r.test(c.name)));
}

/** Every ls.linalg check, for the active backend. */
export function linalgChecks(gradsLeak = 0): Check[] {
  return [...luChecks(), ...choleskyChecks(), ...triangularChecks(), ...inverseAndDeterminantChecks(), ...batchChecks(),
    ...secondOrderChecks(), ...errorChecks(), ...leakChecks(gradsLeak)];
}

export {FLOAT32_EPS};
