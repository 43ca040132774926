/**
 * Property-based fuzzing of solve/linearSolve (fast-check): random systems, shapes, dtypes,
 * operator forms, options and bad inputs. The property, for every case:
 *
 * - it returns, and then a 'converged' result meets its tolerance on the true residual
 *   computed in float64 from the float32 inputs, x is finite, and a gradient (when asked for)
 *   is finite and, for the implicit adjoint, close to the float64 A⁻ᵀw; or
 * - it throws a LinearSolveError with a code — no other exception type;
 * - and numTensors is what it was before, on every path.
 */
import * as tf from '@tensorflow/tfjs';
import fc from 'fast-check';
import * as ls from '../../src';
import {FLOAT32_EPS, Matrix64, condition, matmul, matrix, norm, relativeError, rng, solve64, transpose} from '../../testing/reference';

type Kind = 'spd' | 'nonsymmetric' | 'dominant' | 'singular' | 'nonFinite';
type Form = 'tensor' | 'dense' | 'sparse' | 'matrixFree';
const METHODS = ['auto', 'lu', 'cholesky', 'cg', 'bicgstab', 'gmres', 'jacobi'] as const;

export interface FuzzCase {
  seed: number;
  n: number;
  /** null: b is a vector. */
  k: number | null;
  /** null: no batch (only tensor and dense forms are batched). */
  batch: number | null;
  kind: Kind;
  /** Diagonal shift: smaller is worse conditioned. */
  shift: number;
  /** A and b scaled by 10^aExp and 10^bExp. */
  aExp: number;
  bExp: number;
  form: Form;
  method: typeof METHODS[number];
  rtol: number;
  tagged: boolean;
  preconditioner: boolean;
  adjoint: 'implicit' | 'unrolled' | 'truncated';
  gradient: boolean;
  intInputs: boolean;
  /** A bad input or option, or none. */
  mutation: Mutation | null;
}

type Mutation =
  | {type: 'option'; key: string; value: unknown}
  | {type: 'unknownOption'}
  | {type: 'bShape'}
  | {type: 'nonSquare'}
  | {type: 'disposedB'}
  | {type: 'boolB'};

const OPTION_KEYS = ['method', 'adjoint', 'rtol', 'atol', 'maxIterations', 'checkEvery', 'x0', 'preconditioner',
  'restart', 'fixedIterations', 'onFailure', 'tags', 'backward'];

/** Values fast-check's `anything`, minus iteration counts so large that a run could not end. */
const optionValue = fc.oneof(
  fc.anything({maxDepth: 2}),
  fc.constantFrom(0, -1, 1, 0.5, 2.5, NaN, Infinity, 1e-30, 'jacobi', 'cg', 'lu', 'unrolled', true, false, null,
    ['symmetric'], ['positiveDefinite', 'symmetric'], {truncated: 2}, {stochastic: {rate: 0.5}}, {rtol: 1e-3}),
).filter(v => !(typeof v === 'number' && v > 2000));

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  {weight: 6, arbitrary: fc.record({type: fc.constant('option' as const), key: fc.constantFrom(...OPTION_KEYS), value: optionValue})},
  fc.constant({type: 'unknownOption' as const}),
  fc.constant({type: 'bShape' as const}),
  fc.constant({type: 'nonSquare' as const}),
  fc.constant({type: 'disposedB' as const}),
  fc.constant({type: 'boolB' as const}),
);

export const fuzzCase: fc.Arbitrary<FuzzCase> = fc.record({
  seed: fc.integer({min: 0, max: 1 << 30}),
  n: fc.oneof(fc.constantFrom(0, 1, 2), fc.integer({min: 3, max: 12})),
  k: fc.oneof(fc.constant(null), fc.constantFrom(0, 1, 3)),
  batch: fc.oneof({weight: 4, arbitrary: fc.constant(null)}, fc.constantFrom(0, 2)),
  kind: fc.constantFrom<Kind>('spd', 'spd', 'nonsymmetric', 'dominant', 'singular', 'nonFinite'),
  shift: fc.constantFrom(0.01, 0.1, 0.5, 1, 3),
  aExp: fc.oneof({weight: 4, arbitrary: fc.constant(0)}, fc.integer({min: -30, max: 30})),
  bExp: fc.oneof({weight: 4, arbitrary: fc.constant(0)}, fc.integer({min: -30, max: 30})),
  form: fc.constantFrom<Form>('tensor', 'dense', 'sparse', 'matrixFree'),
  method: fc.constantFrom(...METHODS),
  rtol: fc.constantFrom(1e-2, 1e-4, 1e-5, 1e-6),
  tagged: fc.boolean(),
  preconditioner: fc.boolean(),
  adjoint: fc.constantFrom('implicit', 'implicit', 'unrolled', 'truncated'),
  gradient: fc.boolean(),
  intInputs: fc.oneof({weight: 5, arbitrary: fc.constant(false)}, fc.constant(true)),
  mutation: fc.oneof({weight: 3, arbitrary: fc.constant(null)}, mutation),
}).map(c => ({...c, batch: c.form === 'tensor' || c.form === 'dense' ? c.batch : null}));

/** One member's float64 matrix (already rounded to float32). */
function member(c: FuzzCase, index: number): Matrix64 {
  const next = rng(c.seed * 7 + index);
  const n = c.n;
  const r = Float64Array.from({length: n * n}, () => 2 * next() - 1);
  const scale = 10 ** c.aExp;
  let m: Matrix64;
  if (c.kind === 'spd' || c.kind === 'singular') {
    // R Rᵀ/n + shift·I; 'singular' drops R to rank n − 1 and the shift.
    const rank = c.kind === 'singular' ? Math.max(0, n - 1) : n;
    m = matrix(n, (i, j) => {
      let s = 0;
      for (let q = 0; q < rank; q++) s += r[i * n + q] * r[j * n + q];
      return s / Math.max(n, 1) + (c.kind === 'spd' && i === j ? c.shift : 0);
    });
  } else if (c.kind === 'dominant') {
    m = matrix(n, (i, j) => (i === j ? n + c.shift : r[i * n + j]));
  } else {
    m = matrix(n, (i, j) => r[i * n + j] + (i === j ? c.shift * 3 : 0));
  }
  const data = Float64Array.from(m.data, v => Math.fround(v * scale));
  if (c.kind === 'nonFinite' && n > 0) data[Math.floor(next() * n * n)] = next() < 0.5 ? NaN : Infinity;
  return {n, data};
}

interface Built {
  members: Matrix64[];
  bData: Float64Array[];       // per member, row-major [n, k]
  columns: number;
  aShape: number[];
  bShape: number[];
}

function buildData(c: FuzzCase): Built {
  const members = Array.from({length: c.batch ?? 1}, (_, i) => member(c, i));
  const columns = c.k ?? 1;
  const next = rng(c.seed + 99);
  // int32 right-hand sides (cast by the library) hold small integers.
  const entry = () => c.intInputs ? Math.round(10 * next() - 5) : Math.fround((2 * next() - 1) * 10 ** c.bExp);
  const bData = members.map(() => Float64Array.from({length: c.n * columns}, entry));
  const aShape = c.batch == null ? [c.n, c.n] : [c.batch, c.n, c.n];
  const vector = c.k == null ? [c.n] : [c.n, c.k];
  return {members, bData, columns, aShape, bShape: c.batch == null ? vector : [c.batch, ...vector]};
}

function flat(arrays: Float64Array[]): Float32Array {
  const out = new Float32Array(arrays.reduce((s, a) => s + a.length, 0));
  let o = 0;
  for (const a of arrays) { out.set(a, o); o += a.length; }
  return out;
}

/** The operator as the case asks, built from the parameter tensor `a` (so gradients reach it). */
function operatorOf(c: FuzzCase, a: tf.Tensor, built: Built, indices: number[][]): tf.Tensor | ls.LinearOperator {
  const spdTags: ls.OperatorTag[] = c.tagged && c.kind === 'spd' ? ['symmetric', 'positiveDefinite'] : [];
  if (c.form === 'tensor') return a;
  if (c.form === 'dense') return ls.dense(a, {tags: spdTags});
  if (c.form === 'sparse') {
    return ls.sparse({indices, values: a, shape: [c.n, c.n], tags: spdTags});
  }
  // Matrix-free: the closure reads `a`; rmatvec unless tagged symmetric.
  const apply = (t: boolean) => (x: tf.Tensor) => {
    const m = tf.reshape(a, [c.n, c.n]);
    return x.rank === 1 ? tf.reshape(tf.matMul(m, tf.reshape(x, [c.n, 1]), t), [c.n]) : tf.matMul(m, x, t);
  };
  void built;
  return ls.matrixFree({shape: [c.n, c.n], matvec: apply(false), rmatvec: spdTags.length > 0 ? undefined : apply(true),
    diagonal: undefined, tags: spdTags});
}

/** The sparse pattern (every nonzero of member 0, and the diagonal) and its values. */
function sparseParts(m: Matrix64): {indices: number[][]; values: Float32Array} {
  const indices: number[][] = [];
  const values: number[] = [];
  for (let i = 0; i < m.n; i++) for (let j = 0; j < m.n; j++) {
    const v = m.data[i * m.n + j];
    if (v !== 0 || i === j) { indices.push([i, j]); values.push(v); }
  }
  return {indices, values: Float32Array.from(values)};
}

export interface Verdict {
  kind: 'solved' | 'error';
  code?: string;
  status?: string;
}

/**
 * Runs one case and checks the property; throws (an assertion failure) when it does not hold.
 * Returns what happened, for statistics.
 */
export function runCase(c: FuzzCase): Verdict {
  const built = buildData(c);
  const sparse = c.form === 'sparse' ? sparseParts(built.members[0]) : null;
  const aValues = sparse != null ? sparse.values : flat(built.members.map(m => m.data));
  const a = sparse != null ? tf.tensor1d(aValues) :
    c.form === 'matrixFree' ? tf.tensor1d(aValues) : tf.tensor(aValues, built.aShape);
  let b = c.intInputs ? tf.tensor(Int32Array.from(flat(built.bData)), built.bShape, 'int32') :
    tf.tensor(flat(built.bData), built.bShape);
  const w = tf.tensor(Float32Array.from({length: b.size}, (_, i) => Math.sin(i + 1)), built.bShape);
  const options: Record<string, unknown> = {method: c.method, rtol: c.rtol};
  if (c.preconditioner) options.preconditioner = 'jacobi';
  if (c.adjoint === 'unrolled') options.adjoint = 'unrolled';
  if (c.adjoint === 'truncated') options.adjoint = {truncated: 3};
  if (c.form === 'tensor' && c.tagged && c.kind === 'spd') options.tags = ['symmetric', 'positiveDefinite'];
  let extra: tf.Tensor[] = [];
  let A: tf.Tensor | ls.LinearOperator | null = null;
  const m = c.mutation;
  if (m?.type === 'option') options[m.key] = m.value;
  if (m?.type === 'unknownOption') options.tolerance = 1e-3;
  if (m?.type === 'bShape') { b = tf.ones([c.n + 1]); extra.push(b); }
  if (m?.type === 'boolB') { b = tf.ones(built.bShape, 'bool'); extra.push(b); }
  if (m?.type === 'disposedB') { b = tf.clone(b); b.dispose(); }
  const build = (p: tf.Tensor) => {
    if (m?.type === 'nonSquare') return tf.ones([Math.max(c.n, 1), c.n + 1]);
    return operatorOf(c, p, built, sparse?.indices ?? []);
  };
  let verdict: Verdict;
  const before = tf.memory().numTensors;
  try {
    A = build(a);
    verdict = solveAndCheck(c, A, a, b, w, options, built, build);
  } catch (error) {
    if (!(error instanceof ls.LinearSolveError) || typeof error.code !== 'string') {
      throw new Error(`not a LinearSolveError: ${(error as Error)?.constructor?.name}: ${(error as Error)?.message}\n` +
        `${(error as Error)?.stack}`);
    }
    verdict = {kind: 'error', code: error.code};
  }
  if (A != null && (A as ls.SparseOperator).kind === 'sparse') (A as ls.SparseOperator).dispose();
  if (m?.type === 'nonSquare' && A instanceof tf.Tensor) A.dispose();
  const after = tf.memory().numTensors;
  tf.dispose([a, w, ...extra]);
  if (!b.isDisposed) b.dispose();
  if (after !== before) throw new Error(`${after - before} tensors leaked (${verdict.kind} ${verdict.code ?? verdict.status})`);
  return verdict;
}

function solveAndCheck(c: FuzzCase, A: tf.Tensor | ls.LinearOperator, a: tf.Tensor, b: tf.Tensor, w: tf.Tensor,
    options: Record<string, unknown>, built: Built, build: (p: tf.Tensor) => tf.Tensor | ls.LinearOperator): Verdict {
  const result = ls.linearSolve(A, b, options as ls.SolveOptions);
  const x = result.x.dataSync().slice();
  result.x.dispose();
  if (A instanceof tf.Tensor && A !== a) A.dispose();
  const unchecked = result.status === 'unchecked';
  if (result.status !== 'converged' && !unchecked) {
    // Only onFailure 'warn'/'ignore' return a failed status; then x may be anything.
    if (options.onFailure !== 'warn' && options.onFailure !== 'ignore') throw new Error(`returned status ${result.status} without onFailure`);
    return {kind: 'solved', status: result.status};
  }
  if (unchecked) return {kind: 'solved', status: 'unchecked'};
  if (!x.every(Number.isFinite)) throw new Error(`'converged' with a non-finite x`);
  checkResidual(c, options, built, Float32Array.from(x), result.refined != null);
  if (c.gradient && x.length > 0) checkGradient(c, a, b, w, options, built, build);
  return {kind: 'solved', status: result.status};
}

/**
 * Each column: ‖b − A x‖ ≤ max(rtol·‖b‖, atol), in float64 from the float32 inputs. A refined
 * result promises that of its extended-precision solution, of which x is the float32 rounding
 * (|x − x̃| ≤ ε/2·|x|), so x may exceed it by ε/2·‖|A||x|‖ and no more.
 */
function checkResidual(c: FuzzCase, options: Record<string, unknown>, built: Built, x: Float32Array,
    refined: boolean): void {
  const rtol = typeof options.rtol === 'number' ? options.rtol : 1e-5;
  const atol = typeof options.atol === 'number' ? options.atol : 0;
  const k = built.columns;
  built.members.forEach((P, member) => {
    const offset = member * c.n * k;
    const xm = Float64Array.from(x.subarray(offset, offset + c.n * k));
    const ax = matmul(P, xm, k);
    const absAx = refined ? matmul({n: P.n, data: P.data.map(Math.abs)}, xm.map(Math.abs), k) : null;
    for (let col = 0; col < k; col++) {
      let r = 0;
      let bb = 0;
      let rounding = 0;
      for (let i = 0; i < c.n; i++) {
        const bi = built.bData[member][i * k + col];
        r += (bi - ax[i * k + col]) ** 2;
        bb += bi * bi;
        if (absAx != null) rounding += absAx[i * k + col] ** 2;
      }
      const limit = Math.max(rtol * Math.sqrt(bb), atol) + (FLOAT32_EPS / 2) * Math.sqrt(rounding);
      if (!(Math.sqrt(r) <= limit)) {
        throw new Error(`'converged' but member ${member} column ${col} has ‖r‖ = ${Math.sqrt(r)} > ${limit} ` +
          `(relative ${Math.sqrt(r / bb)}, rtol ${rtol})`);
      }
    }
  });
}

/** The gradient is finite; for the implicit adjoint ∂b is within κ·(rtol + n·ε)·c of A⁻ᵀw. */
function checkGradient(c: FuzzCase, a: tf.Tensor, b: tf.Tensor, w: tf.Tensor, options: Record<string, unknown>,
    built: Built, build: (p: tf.Tensor) => tf.Tensor | ls.LinearOperator): void {
  let grads: tf.Tensor[];
  try {
    grads = tf.grads((bb: tf.Tensor, aa: tf.Tensor) => {
      const A = build(aa);
      return tf.sum(tf.mul(w, ls.solve(A, bb, options as ls.SolveOptions)));
    })([b, a]);
  } catch (error) {
    if (error instanceof ls.LinearSolveError) return;   // e.g. the backward did not converge
    throw error;
  }
  const [gb, ga] = grads.map(g => g.dataSync().slice());
  tf.dispose(grads);
  // |∂A| ~ |λ||x| ~ 10^(bExp − 2·aExp) and |∂b| ~ 10^(−aExp): beyond float32's range the exact
  // gradient itself is not representable, and overflows (a documented limit, not checked).
  const representable = Math.abs(c.bExp - 2 * c.aExp) < 30 && Math.abs(c.aExp) < 30;
  if (representable && (!gb.every(Number.isFinite) || !ga.every(Number.isFinite))) {
    throw new Error('gradient not finite without an error');
  }
  if (c.adjoint !== 'implicit' || options.adjoint != null && options.adjoint !== 'implicit' || options.backward != null) return;
  const k = built.columns;
  const wData = w.dataSync();
  built.members.forEach((P, member) => {
    const offset = member * c.n * k;
    const lambda = solve64(transpose(P), Float64Array.from(wData.subarray(offset, offset + c.n * k)), k);
    const kappa = condition(P);
    const rtol = typeof options.rtol === 'number' ? options.rtol : 1e-5;
    const bound = Math.max(1e-4, kappa * (10 * rtol + 30 * c.n * FLOAT32_EPS));
    const error = relativeError(gb.subarray(offset, offset + c.n * k), lambda);
    if (!(error <= bound) && norm(lambda) > 0) throw new Error(`∂b off by ${error} > ${bound} (κ₁ ${kappa})`);
  });
}

/** fast-check parameters: a fixed seed, and the number of runs from LINSOLVE_FUZZ_RUNS. */
export function fuzzParameters(defaultRuns: number): fc.Parameters<[FuzzCase]> {
  return {
    seed: Number(process.env.LINSOLVE_FUZZ_SEED ?? 20261201),
    numRuns: Number(process.env.LINSOLVE_FUZZ_RUNS ?? defaultRuns),
    endOnFailure: true,
  };
}
