/**
 * A geometric multigrid V-cycle for operators on an m×m grid (the gallery's ordering: unknown
 * (i, j) is row i·m + j), as a preconditioner: bilinear interpolation P = P₁ ⊗ P₁ between
 * grids of m and ⌊m/2⌋ points per side, Galerkin coarse operators A_c = PᵀAP (so any stencil
 * and any coefficient field coarsen consistently), ν sweeps of damped Jacobi before and after
 * the coarse correction, and an exact solve on the coarsest grid (Briggs, Henson & McCormick,
 * A Multigrid Tutorial, 2nd ed., ch. 3–5; Trottenberg, Oosterlee & Schüller, Multigrid, 2001).
 *
 * With equal pre- and post-smoothing and restriction Pᵀ the V-cycle B satisfies
 * I − BA = Sᵛ(I − P A_c⁻¹ PᵀA)Sᵛ, S = I − ωD⁻¹A, so B is symmetric for symmetric A (CG applies)
 * and B(Aᵀ) = B(A)ᵀ in general: the transposed V-cycle runs the same cycle on Aᵀ.
 * Everything runs in tf ops (sparse products and small dense matmuls), on every backend.
 */
import * as tf from '@tensorflow/tfjs';
import {BaseOperator, LinearOperator} from '../LinearOperator';
import {SparseOperator} from '../sparse/SparseOperator';
import {SparsePattern} from '../sparse/SparsePattern';
import {LinearSolveError} from '../../core/LinearSolveError';
import type {CooMatrix} from '../../gallery/poisson2d';
import {Csr64, applyByColumns, csrApply, csrFromCoo, csrOfOperator, diagonalOf, multiplyCsr, transposeCsr} from './Csr64';

/** What `multigrid` takes. */
export interface MultigridOptions {
  /** Grid side: A is m²×m² in the row-major grid ordering. Taken from a gallery matrix's `m` when not given. */
  m?: number;
  /** Damped-Jacobi sweeps before and after each coarse correction (default 2). */
  smoothingSteps?: number;
  /** Jacobi damping ω (default 0.8, the smoothing optimum of the 5-point Laplacian). */
  damping?: number;
  /** Coarsen while the grid side exceeds this (default 4): the coarsest grid is solved exactly. */
  coarsestSize?: number;
}

/** One level: its operator, smoother diag and (except the coarsest) the 1-D interpolation to the next. */
interface Level {
  m: number;
  operator: SparseOperator;
  /** ω·diag(A)⁻¹ `[n, 1]`. */
  smoother: tf.Tensor;
  /** P₁ `[m, m_c]` dense (bilinear weights), on all but the coarsest level. */
  interpolation: tf.Tensor | null;
  /** A⁻¹ `[n, n]` on the coarsest level. */
  inverse: tf.Tensor | null;
  /** The same level on the host, for the host engine's typed-array loop on cpu and wasm. */
  host: {a: Csr64; smoother: Float64Array; interpolation: Csr64 | null; inverse: Float32Array | null};
}

/** The 1-D linear interpolation from ⌊m/2⌋ coarse points to m fine ones (coarse J at fine 2J + 1). */
function interpolation1d(m: number): {mc: number; weights: Float64Array} {
  const mc = Math.floor(m / 2);
  const weights = new Float64Array(m * mc);
  for (let i = 0; i < m; i++) {
    if (i % 2 === 1) weights[i * mc + (i - 1) / 2] = 1;
    else {
      const right = i / 2;
      if (right - 1 >= 0) weights[i * mc + right - 1] = 0.5;
      if (right < mc) weights[i * mc + right] = 0.5;
    }
  }
  return {mc, weights};
}

/** P = P₁ ⊗ P₁ as CSR `[m², m_c²]`. */
function interpolation2d(m: number, mc: number, w: Float64Array): Csr64 {
  const r: number[] = [];
  const c: number[] = [];
  const v: number[] = [];
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < m; j++) {
      for (let I = 0; I < mc; I++) {
        const wi = w[i * mc + I];
        if (wi === 0) continue;
        for (let J = 0; J < mc; J++) {
          const wj = w[j * mc + J];
          if (wj !== 0) { r.push(i * m + j); c.push(I * mc + J); v.push(wi * wj); }
        }
      }
    }
  }
  return csrFromCoo(m * m, mc * mc, r, c, v);
}

function sparseOf(a: Csr64): SparseOperator {
  const rows = new Int32Array(a.col.length);
  for (let i = 0; i < a.rows; i++) rows.fill(i, a.rowPtr[i], a.rowPtr[i + 1]);
  return new SparseOperator(new SparsePattern(a.rows, rows, Int32Array.from(a.col)), tf.tensor1d(Float32Array.from(a.val)));
}

/** Dense inverse in float64 (Gauss–Jordan with partial pivoting) of a small CSR matrix. */
function denseInverse(a: Csr64): Float32Array {
  const n = a.rows;
  const m = new Float64Array(n * 2 * n);
  for (let i = 0; i < n; i++) {
    for (let p = a.rowPtr[i]; p < a.rowPtr[i + 1]; p++) m[i * 2 * n + a.col[p]] = a.val[p];
    m[i * 2 * n + n + i] = 1;
  }
  const w = 2 * n;
  for (let c = 0; c < n; c++) {
    let best = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r * w + c]) > Math.abs(m[best * w + c])) best = r;
    if (m[best * w + c] === 0) throw new LinearSolveError('singular', 'multigrid: the coarsest-grid operator is singular.');
    if (best !== c) for (let k = 0; k < w; k++) { const t = m[c * w + k]; m[c * w + k] = m[best * w + k]; m[best * w + k] = t; }
    const pivot = m[c * w + c];
    for (let k = 0; k < w; k++) m[c * w + k] /= pivot;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r * w + c];
      if (f !== 0) for (let k = 0; k < w; k++) m[r * w + k] -= f * m[c * w + k];
    }
  }
  const out = new Float32Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out[i * n + j] = m[i * w + n + j];
  return out;
}

/** The geometric multigrid V-cycle B ≈ A⁻¹ as an operator (see the file header). */
export class MultigridPreconditioner extends BaseOperator {
  readonly kind = 'preconditioner';
  readonly shape: [number, number];

  /** @internal Built by `ls.multigrid`. */
  constructor(private readonly levels: Level[], readonly smoothingSteps: number, private readonly transposed = false,
      symmetric = false) {
    super(symmetric ? ['symmetric', 'positiveDefinite'] : []);
    const n = levels[0].m * levels[0].m;
    this.shape = [n, n];
  }

  /** Grid sides from finest to coarsest. */
  get gridSizes(): number[] {
    return this.levels.map(l => l.m);
  }

  apply(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.cycle(0, x));
  }

  /** The V-cycle on typed arrays (float64), the same cycle as `apply`, for the host engine on cpu and wasm. */
  applyBlock(from: ArrayLike<number>, fromOffset: number, to: Float32Array, toOffset: number, k: number): void {
    applyByColumns(this.shape[0], from, fromOffset, to, toOffset, k, y => y.set(this.hostCycle(0, y)));
  }

  private hostCycle(l: number, b: Float64Array): Float64Array {
    const {a, smoother, interpolation, inverse} = this.levels[l].host;
    const n = b.length;
    const x = new Float64Array(n);
    if (inverse != null) {
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let j = 0; j < n; j++) s += (this.transposed ? inverse[j * n + i] : inverse[i * n + j]) * b[j];
        x[i] = s;
      }
      return x;
    }
    const ax = new Float64Array(n);
    const smooth = () => {
      csrApply(a, x, ax, this.transposed);
      for (let i = 0; i < n; i++) x[i] += smoother[i] * (b[i] - ax[i]);
    };
    for (let i = 0; i < n; i++) x[i] = smoother[i] * b[i];
    for (let s = 1; s < this.smoothingSteps; s++) smooth();
    csrApply(a, x, ax, this.transposed);
    for (let i = 0; i < n; i++) ax[i] = b[i] - ax[i];
    const P = interpolation as Csr64;
    const coarse = new Float64Array(P.cols);
    csrApply(P, ax, coarse, true);
    const correction = this.hostCycle(l + 1, coarse);
    csrApply(P, correction, ax);
    for (let i = 0; i < n; i++) x[i] += ax[i];
    for (let s = 0; s < this.smoothingSteps; s++) smooth();
    return x;
  }

  private cycle(l: number, b: tf.Tensor): tf.Tensor {
    const level = this.levels[l];
    if (level.inverse != null) return tf.matMul(level.inverse, b, this.transposed, false);
    const A = this.transposed ? level.operator.transpose() : level.operator;
    const smooth = (x: tf.Tensor) => tf.add(x, tf.mul(level.smoother, tf.sub(b, A.apply(x))));
    let x = tf.mul(level.smoother, b);
    for (let s = 1; s < this.smoothingSteps; s++) x = smooth(x);
    const [m, k] = [level.m, b.shape[1] as number];
    const P = level.interpolation as tf.Tensor;
    const mc = P.shape[1] as number;
    const coarse = this.cycle(l + 1, restrict(tf.sub(b, A.apply(x)), P, m, mc, k));
    x = tf.add(x, prolong(coarse, P, m, mc, k));
    for (let s = 0; s < this.smoothingSteps; s++) x = smooth(x);
    return x;
  }

  transpose(): LinearOperator {
    if (this.hasTag('symmetric')) return this;
    return new MultigridPreconditioner(this.levels, this.smoothingSteps, !this.transposed, false);
  }

  toDense(): tf.Tensor {
    return tf.tidy(() => this.apply(tf.eye(this.shape[0])));
  }

  /** Frees every level's tensors and patterns. */
  dispose(): void {
    for (const level of this.levels) {
      tf.dispose([level.operator.values, level.smoother]);
      if (level.interpolation != null) level.interpolation.dispose();
      if (level.inverse != null) level.inverse.dispose();
      level.operator.pattern.dispose();
    }
  }
}

/** Pᵀr for P = P₁ ⊗ P₁: P₁ᵀ along each grid axis, r `[m², k]` → `[m_c², k]`. */
function restrict(r: tf.Tensor, P: tf.Tensor, m: number, mc: number, k: number): tf.Tensor {
  const rows = tf.matMul(P, tf.reshape(r, [m, m * k]), true, false);                      // [mc, m·k]
  const swapped = tf.reshape(tf.transpose(tf.reshape(rows, [mc, m, k]), [1, 0, 2]), [m, mc * k]);
  const both = tf.matMul(P, swapped, true, false);                                         // [mc(J), mc(I)·k]
  return tf.reshape(tf.transpose(tf.reshape(both, [mc, mc, k]), [1, 0, 2]), [mc * mc, k]);
}

/** P e for P = P₁ ⊗ P₁: e `[m_c², k]` → `[m², k]`. */
function prolong(e: tf.Tensor, P: tf.Tensor, m: number, mc: number, k: number): tf.Tensor {
  const rows = tf.matMul(P, tf.reshape(e, [mc, mc * k]));                                  // [m, mc·k]
  const swapped = tf.reshape(tf.transpose(tf.reshape(rows, [m, mc, k]), [1, 0, 2]), [mc, m * k]);
  const both = tf.matMul(P, swapped);                                                      // [m(j), m(i)·k]
  return tf.reshape(tf.transpose(tf.reshape(both, [m, m, k]), [1, 0, 2]), [m * m, k]);
}

/**
 * A geometric multigrid V-cycle for an operator on an m×m grid (a gallery matrix such as
 * `ls.diffusion2d(…)` itself, whose `m` it reads, or any sparse or dense A in the row-major
 * grid ordering), as a preconditioner operator M ≈ A⁻¹.
 *
 * Setup (on the host, float64): bilinear interpolation P between grids of m and ⌊m/2⌋ points
 * per side, Galerkin coarse operators PᵀAP down to `coarsestSize`, and the coarsest inverse.
 * Each product is one V(ν, ν)-cycle with damped Jacobi, in tf ops on every backend.
 * Symmetric A gives a symmetric positive definite M (for CG); otherwise use BiCGStab or GMRES,
 * whose backward runs the transposed cycle. Free it with `dispose()`.
 *
 * ```ts
 * const problem = ls.diffusion2d({m: 128, seed: 1});
 * const A = ls.sparse({indices: tf.tensor2d(problem.indices, [problem.values.length, 2], 'int32'),
 *   values: tf.tensor1d(problem.values), shape: problem.shape, tags: problem.tags});
 * const M = ls.multigrid(A, {m: 128});
 * const x = ls.solve(A, b, {method: 'cg', preconditioner: M});   // ≈ 10 iterations
 * M.dispose();
 * ```
 */
export function multigrid(A: LinearOperator | (CooMatrix & {m?: number}), options: MultigridOptions = {}): MultigridPreconditioner {
  const a = isCooMatrix(A) ? csrFromCoo(A.shape[0], A.shape[1], rowsOf(A.indices), colsOf(A.indices), A.values) :
    csrOfOperator(A as LinearOperator, 'multigrid');
  const m = options.m ?? (isCooMatrix(A) ? A.m : undefined);
  const n = a.rows;
  if (m == null || !Number.isInteger(m) || m < 1 || m * m !== n) {
    throw new LinearSolveError('option',
      `multigrid: A is ${n}×${n}; pass {m} with m² = n (the grid side in the row-major grid ordering)${m == null ? '' : `, got m = ${m}`}.`);
  }
  const steps = options.smoothingSteps ?? 2;
  const damping = options.damping ?? 0.8;
  const coarsest = options.coarsestSize ?? 4;
  if (!Number.isInteger(steps) || steps < 1) throw new LinearSolveError('option', `multigrid: smoothingSteps must be an integer ≥ 1, got ${steps}.`);
  if (!(damping > 0 && damping < 2)) throw new LinearSolveError('option', `multigrid: damping must be in (0, 2), got ${damping}.`);
  if (!Number.isInteger(coarsest) || coarsest < 1) throw new LinearSolveError('option', `multigrid: coarsestSize must be an integer ≥ 1, got ${coarsest}.`);
  const symmetric = isSymmetric(a);
  const levels: Level[] = [];
  let current = a;
  let side = m;
  try {
    while (true) {
      const d = diagonalOf(current);
      if (d.some(v => v === 0 || !Number.isFinite(v))) {
        throw new LinearSolveError('singular', `multigrid: a zero diagonal entry on the ${side}×${side} grid; damped Jacobi divides by diag(A).`);
      }
      const operator = sparseOf(current);
      const smoother = tf.tensor2d(Float32Array.from(d, v => damping / v), [d.length, 1]);
      const smootherHost = Float64Array.from(d, v => damping / v);
      if (side <= coarsest || side < 2) {
        const inverse = denseInverse(current);
        levels.push({m: side, operator, smoother, interpolation: null, inverse: tf.tensor2d(inverse, [side * side, side * side]),
          host: {a: current, smoother: smootherHost, interpolation: null, inverse}});
        break;
      }
      const {mc, weights} = interpolation1d(side);
      const P = interpolation2d(side, mc, weights);
      levels.push({m: side, operator, smoother, interpolation: tf.tensor2d(Float32Array.from(weights), [side, mc]), inverse: null,
        host: {a: current, smoother: smootherHost, interpolation: P, inverse: null}});
      current = multiplyCsr(transposeCsr(P), multiplyCsr(current, P));
      side = mc;
    }
  } catch (error) {
    for (const level of levels) {
      tf.dispose([level.operator.values, level.smoother, ...(level.interpolation ? [level.interpolation] : []), ...(level.inverse ? [level.inverse] : [])]);
      level.operator.pattern.dispose();
    }
    throw error;
  }
  return new MultigridPreconditioner(levels, steps, false, symmetric);
}

function isCooMatrix(A: unknown): A is CooMatrix & {m?: number} {
  const a = A as CooMatrix;
  return a != null && !(a.values instanceof tf.Tensor) && typeof (A as LinearOperator).apply !== 'function' &&
    a.indices != null && a.values != null && Array.isArray(a.shape);
}

function rowsOf(indices: ArrayLike<number>): Int32Array {
  return Int32Array.from({length: indices.length / 2}, (_, e) => indices[2 * e]);
}

function colsOf(indices: ArrayLike<number>): Int32Array {
  return Int32Array.from({length: indices.length / 2}, (_, e) => indices[2 * e + 1]);
}

function isSymmetric(a: Csr64): boolean {
  const t = transposeCsr(a);
  if (t.col.length !== a.col.length) return false;
  for (let p = 0; p < a.col.length; p++) if (t.col[p] !== a.col[p] || t.val[p] !== a.val[p]) return false;
  for (let i = 0; i <= a.rows; i++) if (t.rowPtr[i] !== a.rowPtr[i]) return false;
  return true;
}
