/**
 * Krylov loops fused on typed arrays: conjugate gradients (Hestenes & Stiefel 1952; Saad,
 * Iterative Methods for Sparse Linear Systems, 2nd ed., Alg. 9.1), BiCGStab (van der Vorst
 * 1992; Saad Alg. 7.7, right-preconditioned) and Jacobi / Richardson iteration (Saad §4.1).
 *
 * The same recurrences, per column of a block and per batch member, and the same stopping
 * logic as the tf-ops solvers in src/solvers (CGSolver, BiCGStabSolver, JacobiSolver and
 * `iterate` / `finishIterative`): thresholds 0.9·max(rtol·‖b‖, atol) (the margin of
 * `CONVERGENCE_MARGIN`), convergence judged on the
 * true residual with a restart from it, 'stagnated' when a restart does not halve it,
 * 'breakdown', 'nonFinite', and `fixed` → 'unchecked'. Vectors are stored in float32 like the
 * tensors they replace (so float32's reach, and stagnation, are the same); dot products and
 * matrix products accumulate in float64, which only helps. Two exceptions, in the WebAssembly
 * kernels (wasmOperators.ts, wasm/hostKernels.wat) that run when the problem's vectors live in
 * a wasm arena: a product by diagonals sums its ≤ ndiag float32 products in float32 (as a
 * float32 tensor product does), and the unpreconditioned one-column CG update computes
 * x += αp, r −= αAp and p = r + βp in float32 with α, β rounded to float32; every dot product
 * stays float64.
 *
 * Nothing here knows about tfjs: `hostEngine.ts` reads the tensors and decides when to call it.
 */
import {HostOperator} from './hostOperators';
import {CONVERGENCE_MARGIN} from '../../core/tolerance';
import {inWasmMemory, wasmKernels} from './wasmKernels';

/** How a host solve ended: the subset of `SolveStatus` that iterative methods report. */
export type HostStatus = 'converged' | 'maxIterations' | 'stagnated' | 'breakdown' | 'nonFinite' | 'unchecked';

/** One solve: A (B members), b `[B, n, k]`, and the solver options. */
export interface HostProblem {
  op: HostOperator;
  b: Float32Array;
  k: number;
  /** Initial guess `[B, n, k]`, or null for zeros. */
  x0: Float32Array | null;
  /** diag(A)⁻¹ as `[n]` (shared) or `[B, n]`, or null for no preconditioner. */
  inverseDiagonal: Float32Array | null;
  /**
   * A preconditioner on typed arrays (triangular sweeps: SSOR, IC(0), ILU(0)) in place of
   * `inverseDiagonal`: `to[toOffset…] = M·from[fromOffset…]` for member m's `[n, k]` block.
   */
  precondition?: HostPrecondition | null;
  rtol: number;
  /** One atol for every column, or one per system s = m·k + c (right-hand sides scaled per column). */
  atol: number | Float32Array;
  maxIterations: number;
  checkEvery: number;
  fixed: boolean;
  /**
   * A zeroed float32 vector of the problem's size (`[B, n, k]`) from the solve's WebAssembly
   * arena, or null when it is full; absent or null: plain Float32Arrays.
   */
  vector?: (() => Float32Array | null) | null;
}

/** M·X on member m's `[n, k]` block of `from` (at fromOffset) into `to` (at toOffset). */
export type HostPrecondition = (m: number, from: Float32Array, fromOffset: number, to: Float32Array, toOffset: number, k: number) => void;

export interface HostResult {
  x: Float32Array;
  status: HostStatus;
  iterations: number;
  /** max over columns and members of the true ‖b − A x‖ / ‖b‖ (NaN when `fixed`). */
  relativeResidual: number;
}

/** A restart must at least halve the true residual, or the solve has stagnated. */
const STAGNATION = 0.5;

interface Flags {converged: boolean; broken: boolean; finite: boolean; worstRatio: number}

interface Loop {
  step(): void;
  check(): Flags;
  refresh(): void;
}

/** The control flow of `iterate` in src/solvers/iterative.ts, step for step. */
function drive(loop: Loop, {maxIterations, checkEvery, fixed}: HostProblem): {iterations: number; status: HostStatus} {
  if (fixed) {
    for (let i = 0; i < maxIterations; i++) loop.step();
    return {iterations: maxIterations, status: 'unchecked'};
  }
  let iterations = 0;
  let justRefreshed = false;
  let lastTrueRatio = Infinity;
  while (true) {
    const due = justRefreshed || iterations % checkEvery === 0 || iterations >= maxIterations;
    if (due) {
      const {converged, broken, finite, worstRatio} = loop.check();
      if (!finite) return {iterations, status: 'nonFinite'};
      if (justRefreshed && !converged) {
        if (worstRatio > STAGNATION * lastTrueRatio) return {iterations, status: 'stagnated'};
        lastTrueRatio = worstRatio;
      }
      if (converged) {
        if (justRefreshed || iterations === 0) return {iterations, status: 'converged'};
        loop.refresh();
        justRefreshed = true;
        continue;
      }
      if (broken) return {iterations, status: 'breakdown'};
      if (iterations >= maxIterations) return {iterations, status: 'maxIterations'};
    }
    loop.step();
    justRefreshed = false;
    iterations++;
  }
}

/** The shape of a problem and its per-column thresholds, shared by every method. */
class Layout {
  readonly n: number;
  readonly batch: number;
  readonly k: number;
  /** Columns over the whole batch: system s = m·k + c. */
  readonly systems: number;
  readonly size: number;
  readonly tol: Float64Array;
  readonly tol2: Float64Array;
  readonly bNorm: Float64Array;

  constructor(readonly p: HostProblem) {
    this.n = p.op.n;
    this.batch = p.op.batch;
    this.k = p.k;
    this.systems = this.batch * this.k;
    this.size = this.systems * this.n;
    this.bNorm = this.columnNorms(p.b);
    this.tol = new Float64Array(this.systems);
    this.tol2 = new Float64Array(this.systems);
    for (let s = 0; s < this.systems; s++) {
      // Rounded like the float32 tensor the tf-ops loop keeps (`thresholds`), margin included.
      const atol = typeof p.atol === 'number' ? p.atol : p.atol[s];
      const t = Math.fround(Math.fround(Math.max(Math.fround(p.rtol * this.bNorm[s]), atol)) * CONVERGENCE_MARGIN);
      this.tol[s] = t;
      this.tol2[s] = t * t;
    }
  }

  /** Element (m, i, c) sits at m·n·k + i·k + c. */
  offset(m: number): number {
    return m * this.n * this.k;
  }

  columnNorms(v: Float32Array): Float64Array {
    const out = new Float64Array(this.systems);
    const {n, k} = this;
    for (let m = 0; m < this.batch; m++) {
      const o = this.offset(m);
      for (let c = 0; c < k; c++) {
        let sum = 0;
        for (let i = 0, at = o + c; i < n; i++, at += k) sum += v[at] * v[at];
        out[m * k + c] = Math.sqrt(sum);
      }
    }
    return out;
  }

  /** A zeroed vector of the problem's size: in the kernels' arena when the problem has one. */
  vector(): Float32Array {
    return this.p.vector?.() ?? new Float32Array(this.size);
  }

  /** x0 (copied: the loop updates it in place), or zeros. */
  initialGuess(): Float32Array {
    const x = this.vector();
    if (this.p.x0 != null) x.set(this.p.x0);
    return x;
  }

  /** r = b − A x for member m, all columns; scratch receives A x. */
  residual(m: number, x: Float32Array, r: Float32Array, scratch: Float32Array): void {
    const o = this.offset(m);
    this.p.op.apply(m, x, o, scratch, o, this.k);
    const b = this.p.b;
    for (let i = o, end = o + this.n * this.k; i < end; i++) r[i] = b[i] - scratch[i];
  }

  /** The four flags of `loopFlags` from squared residual norms. */
  flags(rr: Float64Array, broken: boolean): Flags {
    let converged = true;
    let sum = 0;
    let worst = -Infinity;
    for (let s = 0; s < this.systems; s++) {
      if (!(rr[s] <= this.tol2[s])) converged = false;
      sum += rr[s];
      const ratio = this.tol[s] === 0 ? 0 : Math.sqrt(rr[s]) / this.tol[s];
      worst = nanMax(worst, ratio);
    }
    return {converged, broken, finite: Number.isFinite(sum), worstRatio: worst};
  }

  /** The end of `finishIterative`: the true residual, measured once. */
  finish(x: Float32Array, {iterations, status}: {iterations: number; status: HostStatus}): HostResult {
    if (this.p.fixed) return {x, status: 'unchecked', iterations, relativeResidual: NaN};
    const r = this.vector();
    const scratch = this.vector();
    for (let m = 0; m < this.batch; m++) this.residual(m, x, r, scratch);
    const norms = this.columnNorms(r);
    let worst = -Infinity;
    let residual = -Infinity;
    for (let s = 0; s < this.systems; s++) {
      worst = nanMax(worst, norms[s] - this.tol[s]);
      residual = nanMax(residual, this.bNorm[s] > 0 ? norms[s] / Math.max(this.bNorm[s], 1e-30) : norms[s]);
    }
    let final = status;
    if (!Number.isFinite(residual) || !Number.isFinite(worst)) final = 'nonFinite';
    else if (final === 'converged' && worst > 0) final = 'maxIterations';
    return {x, status: final, iterations, relativeResidual: residual};
  }
}

/** max that propagates NaN, as a tensor reduction does. */
function nanMax(a: number, b: number): number {
  return Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.max(a, b);
}

/** a / b, and 0 where b = 0 (tf.divNoNan). */
function divNoNan(a: number, b: number): number {
  return b === 0 ? 0 : a / b;
}

/** Where member m's entries of diag(A)⁻¹ start, or −1 without a preconditioner. */
function preconditionerBase(p: HostProblem, m: number): number {
  const d = p.inverseDiagonal;
  if (d == null) return -1;
  return d.length === p.op.n ? 0 : m * p.op.n;
}

/**
 * Conjugate gradients, preconditioned by diag(A)⁻¹ when `inverseDiagonal` is given.
 * pᵀA p ≤ 0 on a column that has not converged is a 'breakdown'.
 */
export function cgHost(p: HostProblem): HostResult {
  if (p.precondition != null) return cgHostPreconditioned(p, p.precondition);
  const L = new Layout(p);
  const {n, k, batch, systems, tol2} = L;
  const inv = p.inverseDiagonal;
  const preconditioned = inv != null;
  const x = L.initialGuess();
  const r = L.vector();
  const dir = L.vector();
  const ap = L.vector();
  const rz = new Float64Array(systems);
  const rr = new Float64Array(systems);
  let broken = false;

  const restart = () => {
    for (let m = 0; m < batch; m++) {
      L.residual(m, x, r, ap);
      const o = L.offset(m);
      const d = preconditionerBase(p, m);
      for (let c = 0; c < k; c++) {
        let sz = 0;
        let ss = 0;
        for (let i = 0, at = o + c; i < n; i++, at += k) {
          const ri = r[at];
          const zi = preconditioned ? Math.fround(inv[d + i] * ri) : ri;
          dir[at] = zi;
          sz += ri * zi;
          ss += ri * ri;
        }
        rz[m * k + c] = sz;
        rr[m * k + c] = preconditioned ? ss : sz;
      }
    }
  };

  const step = () => {
    for (let m = 0; m < batch; m++) {
      // Converged columns freeze (α = 0 in the tf-ops loop); a member with none active is skipped.
      let any = false;
      for (let c = 0; c < k; c++) if (rr[m * k + c] > tol2[m * k + c]) any = true;
      if (!any) continue;
      const o = L.offset(m);
      // One column: the product and pᵀAp in one pass over A.
      const fuse = k === 1 && p.op.applyDot != null;
      const fused = fuse ? (p.op.applyDot as NonNullable<HostOperator['applyDot']>)(m, dir, o, ap, o) : 0;
      if (!fuse) p.op.apply(m, dir, o, ap, o, k);
      const d = preconditionerBase(p, m);
      for (let c = 0; c < k; c++) {
        const s = m * k + c;
        if (!(rr[s] > tol2[s])) continue;
        let pap = fused;
        if (!fuse) {
          pap = 0;
          for (let i = 0, at = o + c; i < n; i++, at += k) pap += dir[at] * ap[at];
        }
        if (pap <= 0) broken = true;
        const alpha = divNoNan(rz[s], pap);
        if (k === 1 && !preconditioned) {
          // The common case, with unit-stride loops the JIT keeps tight.
          const next = plainUpdate(x, r, dir, ap, o, n, alpha, rz[s]);
          rz[s] = next;
          rr[s] = next;
          continue;
        }
        let nextRz = 0;
        let nextRr = 0;
        for (let i = 0, at = o + c; i < n; i++, at += k) {
          x[at] += alpha * dir[at];
          r[at] -= alpha * ap[at];
          const ri = r[at];
          const zi = preconditioned ? Math.fround(inv[d + i] * ri) : ri;
          nextRz += ri * zi;
          nextRr += ri * ri;
        }
        const beta = divNoNan(nextRz, rz[s]);
        if (preconditioned) {
          for (let i = 0, at = o + c; i < n; i++, at += k) dir[at] = Math.fround(inv[d + i] * r[at]) + beta * dir[at];
        } else {
          for (let i = 0, at = o + c; i < n; i++, at += k) dir[at] = r[at] + beta * dir[at];
        }
        rz[s] = nextRz;
        rr[s] = preconditioned ? nextRr : nextRz;
      }
    }
  };

  restart();
  const outcome = drive({step, check: () => L.flags(rr, broken), refresh: restart}, p);
  return L.finish(x, outcome);
}

/** CG with a general preconditioner M (applied to whole blocks): z = M r computed into its own buffer. */
function cgHostPreconditioned(p: HostProblem, precondition: HostPrecondition): HostResult {
  const L = new Layout(p);
  const {n, k, batch, systems, tol2} = L;
  const x = L.initialGuess();
  const r = L.vector();
  const z = L.vector();
  const dir = L.vector();
  const ap = L.vector();
  const rz = new Float64Array(systems);
  const rr = new Float64Array(systems);
  let broken = false;
  const dots = (m: number, c: number) => {
    const o = L.offset(m);
    let sz = 0;
    let ss = 0;
    for (let i = 0, at = o + c; i < n; i++, at += k) { sz += r[at] * z[at]; ss += r[at] * r[at]; }
    return [sz, ss];
  };
  const restart = () => {
    for (let m = 0; m < batch; m++) {
      L.residual(m, x, r, ap);
      const o = L.offset(m);
      precondition(m, r, o, z, o, k);
      dir.set(z.subarray(o, o + n * k), o);
      for (let c = 0; c < k; c++) [rz[m * k + c], rr[m * k + c]] = dots(m, c);
    }
  };
  const step = () => {
    for (let m = 0; m < batch; m++) {
      let any = false;
      for (let c = 0; c < k; c++) if (rr[m * k + c] > tol2[m * k + c]) any = true;
      if (!any) continue;
      const o = L.offset(m);
      p.op.apply(m, dir, o, ap, o, k);
      const alpha = new Float64Array(k);
      for (let c = 0; c < k; c++) {
        const s = m * k + c;
        if (!(rr[s] > tol2[s])) continue;
        let pap = 0;
        for (let i = 0, at = o + c; i < n; i++, at += k) pap += dir[at] * ap[at];
        if (pap <= 0) broken = true;
        alpha[c] = divNoNan(rz[s], pap);
        for (let i = 0, at = o + c; i < n; i++, at += k) {
          x[at] += alpha[c] * dir[at];
          r[at] -= alpha[c] * ap[at];
        }
      }
      // Frozen columns keep their r; M is applied to the whole block, their z unused.
      precondition(m, r, o, z, o, k);
      for (let c = 0; c < k; c++) {
        const s = m * k + c;
        if (!(rr[s] > tol2[s])) continue;
        const [nextRz, nextRr] = dots(m, c);
        const beta = divNoNan(nextRz, rz[s]);
        for (let i = 0, at = o + c; i < n; i++, at += k) dir[at] = z[at] + beta * dir[at];
        rz[s] = nextRz;
        rr[s] = nextRr;
      }
    }
  };
  restart();
  const outcome = drive({step, check: () => L.flags(rr, broken), refresh: restart}, p);
  return L.finish(x, outcome);
}

/**
 * One unpreconditioned CG update of a single column at offset o: x += αp, r −= αAp, then
 * p = r + βp with β = r'ᵀr' / rᵀr; returns r'ᵀr'.
 */
function plainUpdate(x: Float32Array, r: Float32Array, dir: Float32Array, ap: Float32Array, o: number, n: number,
    alpha: number, rz: number): number {
  const kernels = wasmKernels();
  if (kernels != null && o === 0 && inWasmMemory(kernels, x) && inWasmMemory(kernels, r) &&
      inWasmMemory(kernels, dir) && inWasmMemory(kernels, ap)) {
    // The same two passes in float32 SIMD (α and β rounded to float32), rᵀr in float64.
    const wasmNext = kernels.update(n, x.byteOffset, r.byteOffset, dir.byteOffset, ap.byteOffset, alpha);
    kernels.direction(n, dir.byteOffset, r.byteOffset, divNoNan(wasmNext, rz));
    return wasmNext;
  }
  let next = 0;
  for (let i = o, end = o + n; i < end; i++) {
    x[i] += alpha * dir[i];
    r[i] -= alpha * ap[i];
    const ri = r[i];
    next += ri * ri;
  }
  const beta = divNoNan(next, rz);
  for (let i = o, end = o + n; i < end; i++) dir[i] = r[i] + beta * dir[i];
  return next;
}

/**
 * Jacobi / Richardson iteration x ← x + M(b − A x) with M = diag(A)⁻¹ (or the identity
 * when `inverseDiagonal` is null); r is the true residual throughout.
 */
export function jacobiHost(p: HostProblem): HostResult {
  const L = new Layout(p);
  const {n, k, batch, systems, tol} = L;
  const inv = p.inverseDiagonal;
  const x = L.initialGuess();
  const r = L.vector();
  const next = L.vector();
  const ax = L.vector();
  const rr = new Float64Array(systems);
  const active = new Uint8Array(k);

  const measure = (m: number) => {
    const o = L.offset(m);
    for (let c = 0; c < k; c++) {
      let sum = 0;
      for (let i = 0, at = o + c; i < n; i++, at += k) sum += r[at] * r[at];
      rr[m * k + c] = sum;
    }
  };
  for (let m = 0; m < batch; m++) {
    L.residual(m, x, r, ax);
    measure(m);
  }

  const step = () => {
    for (let m = 0; m < batch; m++) {
      let any = false;
      for (let c = 0; c < k; c++) {
        active[c] = Math.sqrt(rr[m * k + c]) > tol[m * k + c] ? 1 : 0;
        if (active[c]) any = true;
      }
      if (!any) continue;
      const o = L.offset(m);
      const d = preconditionerBase(p, m);
      next.set(x.subarray(o, o + n * k), o);
      for (let c = 0; c < k; c++) {
        if (!active[c]) continue;
        for (let i = 0, at = o + c; i < n; i++, at += k) {
          next[at] = x[at] + (inv != null ? Math.fround(inv[d + i] * r[at]) : r[at]);
        }
      }
      x.set(next.subarray(o, o + n * k), o);
      // Inactive columns keep x, so their recomputed residual is the one they had.
      L.residual(m, x, r, ax);
      measure(m);
    }
  };

  const outcome = drive({step, check: () => L.flags(rr, false), refresh: () => undefined}, p);
  return L.finish(x, outcome);
}

/**
 * BiCGStab, right-preconditioned by diag(A)⁻¹ when given. ρ = r̂ᵀr = 0, r̂ᵀv = 0, or ω = 0
 * (unless the half step already met the tolerance) on an active column is a 'breakdown'.
 */
export function bicgstabHost(p: HostProblem): HostResult {
  const L = new Layout(p);
  const {n, k, batch, systems, tol} = L;
  const inv = p.inverseDiagonal;
  const x = L.initialGuess();
  const r = L.vector();
  const shadow = L.vector();
  const dir = L.vector();
  const v = L.vector();
  const pHat = L.vector();
  const vNext = L.vector();
  const half = L.vector();
  const sHat = L.vector();
  const t = L.vector();
  const rho = new Float64Array(systems);
  const alpha = new Float64Array(systems);
  const omega = new Float64Array(systems);
  const rr = new Float64Array(systems);
  const nextRho = new Float64Array(k);
  const nextAlpha = new Float64Array(k);
  const active = new Uint8Array(k);
  let broken = false;

  const general = p.precondition;
  const precondition = (m: number, c: number, from: Float32Array, to: Float32Array) => {
    const o = L.offset(m);
    if (general != null) {
      // One column of the block through M: gather it, apply, scatter back.
      const column = new Float32Array(n);
      const out = new Float32Array(n);
      for (let i = 0, at = o + c; i < n; i++, at += k) column[i] = from[at];
      general(m, column, 0, out, 0, 1);
      for (let i = 0, at = o + c; i < n; i++, at += k) to[at] = out[i];
      return;
    }
    const d = preconditionerBase(p, m);
    for (let i = 0, at = o + c; i < n; i++, at += k) to[at] = inv != null ? Math.fround(inv[d + i] * from[at]) : from[at];
  };
  const dot = (o: number, c: number, a: Float32Array, b: Float32Array) => {
    let sum = 0;
    for (let i = 0, at = o + c; i < n; i++, at += k) sum += a[at] * b[at];
    return sum;
  };

  const restart = () => {
    for (let m = 0; m < batch; m++) {
      L.residual(m, x, r, t);
      const o = L.offset(m);
      for (let c = 0; c < k; c++) rr[m * k + c] = dot(o, c, r, r);
    }
    shadow.set(r);
    dir.fill(0);
    v.fill(0);
    rho.fill(1);
    alpha.fill(1);
    omega.fill(1);
  };

  const step = () => {
    for (let m = 0; m < batch; m++) {
      let any = false;
      for (let c = 0; c < k; c++) {
        active[c] = Math.sqrt(rr[m * k + c]) > tol[m * k + c] ? 1 : 0;
        if (active[c]) any = true;
      }
      if (!any) continue;
      const o = L.offset(m);
      for (let c = 0; c < k; c++) {
        if (!active[c]) continue;
        const s = m * k + c;
        nextRho[c] = dot(o, c, shadow, r);
        const beta = divNoNan(nextRho[c], rho[s]) * divNoNan(alpha[s], omega[s]);
        const w = omega[s];
        for (let i = 0, at = o + c; i < n; i++, at += k) dir[at] = r[at] + beta * (dir[at] - w * v[at]);
        precondition(m, c, dir, pHat);
      }
      p.op.apply(m, pHat, o, vNext, o, k);
      for (let c = 0; c < k; c++) {
        if (!active[c]) continue;
        const shadowV = dot(o, c, shadow, vNext);
        nextAlpha[c] = divNoNan(nextRho[c], shadowV);
        if (nextRho[c] === 0 || shadowV === 0) broken = true;
        const a = nextAlpha[c];
        for (let i = 0, at = o + c; i < n; i++, at += k) half[at] = r[at] - a * vNext[at];
        precondition(m, c, half, sHat);
      }
      p.op.apply(m, sHat, o, t, o, k);
      for (let c = 0; c < k; c++) {
        if (!active[c]) continue;
        const s = m * k + c;
        const w = divNoNan(dot(o, c, t, half), dot(o, c, t, t));
        const halfDone = Math.sqrt(dot(o, c, half, half)) <= tol[s];
        if (w === 0 && !halfDone) broken = true;
        const a = nextAlpha[c];
        let sum = 0;
        for (let i = 0, at = o + c; i < n; i++, at += k) {
          x[at] += a * pHat[at] + w * sHat[at];
          r[at] = half[at] - w * t[at];
          v[at] = vNext[at];
          sum += r[at] * r[at];
        }
        rr[s] = sum;
        rho[s] = nextRho[c];
        alpha[s] = a;
        omega[s] = w;
      }
    }
  };

  restart();
  const outcome = drive({step, check: () => L.flags(rr, broken), refresh: restart}, p);
  return L.finish(x, outcome);
}

/**
 * Restarted GMRES(m), right-preconditioned by diag(A)⁻¹ when given (Saad & Schultz 1986; Saad
 * Alg. 6.9, §9.3.2): Arnoldi with modified Gram–Schmidt and Givens rotations per column, the
 * rotated right-hand side |ĝ| as the residual estimate, and each cycle that looks converged
 * confirmed by the true residual at the start of the next; the control flow of GMRESSolver.
 */
/** Relative size of an Arnoldi remainder treated as zero: 16 float32 roundings. */
const LUCKY_BREAKDOWN = 16 * 1.1920929e-7;

export function gmresHost(p: HostProblem, restart: number): HostResult {
  const L = new Layout(p);
  const {n, k, batch, systems, size, tol} = L;
  const inv = p.inverseDiagonal;
  const m = Math.max(1, Math.min(restart, n));
  const x = L.initialGuess();
  const r = L.vector();
  const scratch = L.vector();
  const w = L.vector();
  const basis = Array.from({length: m + 1}, () => L.vector());
  // triangle[j][i·systems + s] = Rᵢⱼ of system s; rotations and ĝ per step and system.
  const triangle = Array.from({length: m}, (_, j) => new Float64Array((j + 1) * systems));
  const cs = Array.from({length: m}, () => new Float64Array(systems));
  const sn = Array.from({length: m}, () => new Float64Array(systems));
  const g = Array.from({length: m + 1}, () => new Float64Array(systems));
  const h = new Float64Array(m + 1);

  const precondition = (from: Float32Array, to: Float32Array) => {
    if (p.precondition != null) {
      for (let mm = 0; mm < batch; mm++) (p.precondition as HostPrecondition)(mm, from, L.offset(mm), to, L.offset(mm), k);
      return;
    }
    if (inv == null) { to.set(from); return; }
    for (let mm = 0; mm < batch; mm++) {
      const o = L.offset(mm);
      const d = preconditionerBase(p, mm);
      for (let i = 0; i < n; i++) {
        const di = inv[d + i];
        for (let c = 0; c < k; c++) to[o + i * k + c] = Math.fround(di * from[o + i * k + c]);
      }
    }
  };

  /** One cycle from r: up to `steps` Arnoldi steps; x += M·V·y. Returns steps and max |ĝ|/tol. */
  const cycle = (steps: number, checkEvery: number): {taken: number; estimate: number} => {
    const norms = L.columnNorms(r);
    for (let s = 0; s < systems; s++) g[0][s] = norms[s];
    scale(basis[0], r, norms, (a, b) => divNoNan(a, b));
    let taken = 0;
    for (let j = 0; j < steps; j++) {
      precondition(basis[j], scratch);
      for (let mm = 0; mm < batch; mm++) p.op.apply(mm, scratch, L.offset(mm), w, L.offset(mm), k);
      for (let mm = 0; mm < batch; mm++) {
        const o = L.offset(mm);
        for (let c = 0; c < k; c++) {
          const s = mm * k + c;
          let before = 0;
          for (let e = 0, at = o + c; e < n; e++, at += k) before += w[at] * w[at];
          for (let i = 0; i <= j; i++) {
            const v = basis[i];
            let dot = 0;
            for (let e = 0, at = o + c; e < n; e++, at += k) dot += w[at] * v[at];
            h[i] = dot;
            for (let e = 0, at = o + c; e < n; e++, at += k) w[at] -= dot * v[at];
          }
          let hh = 0;
          for (let e = 0, at = o + c; e < n; e++, at += k) hh += w[at] * w[at];
          // What orthogonalisation leaves of w below a few float32 roundings of ‖Av‖ is noise: the
          // Krylov space is invariant (a lucky breakdown). Normalising that noise would add a
          // direction parallel to the basis and an ill-conditioned R (NaN on an eigenvector b).
          const hNext = hh <= (LUCKY_BREAKDOWN * LUCKY_BREAKDOWN) * before ? 0 : Math.sqrt(hh);
          for (let i = 0; i < j; i++) {
            const top = cs[i][s] * h[i] + sn[i][s] * h[i + 1];
            h[i + 1] = cs[i][s] * h[i + 1] - sn[i][s] * h[i];
            h[i] = top;
          }
          const radius = Math.sqrt(h[j] * h[j] + hNext * hNext);
          cs[j][s] = radius > 0 ? divNoNan(h[j], radius) : 1;
          sn[j][s] = divNoNan(hNext, radius);
          h[j] = radius;
          for (let i = 0; i <= j; i++) triangle[j][i * systems + s] = h[i];
          const next = basis[j + 1];
          for (let e = 0, at = o + c; e < n; e++, at += k) next[at] = divNoNan(w[at], hNext);
          g[j + 1][s] = -sn[j][s] * g[j][s];
          g[j][s] = cs[j][s] * g[j][s];
        }
      }
      taken++;
      if (taken % checkEvery === 0 && taken < steps) {
        let done = true;
        for (let s = 0; s < systems; s++) if (!(Math.abs(g[j + 1][s]) <= tol[s])) done = false;
        if (done) break;
      }
    }
    // y with R y = ĝ, then x += M Σ yᵢ vᵢ, column by column.
    const y = new Float64Array(taken);
    const combination = scratch;
    combination.fill(0);
    for (let mm = 0; mm < batch; mm++) {
      const o = L.offset(mm);
      for (let c = 0; c < k; c++) {
        const s = mm * k + c;
        for (let i = taken - 1; i >= 0; i--) {
          let sum = g[i][s];
          for (let jj = i + 1; jj < taken; jj++) sum -= triangle[jj][i * systems + s] * y[jj];
          y[i] = divNoNan(sum, triangle[i][i * systems + s]);
        }
        for (let i = 0; i < taken; i++) {
          const v = basis[i];
          const yi = y[i];
          for (let e = 0, at = o + c; e < n; e++, at += k) combination[at] += yi * v[at];
        }
      }
    }
    precondition(combination, w);
    for (let i = 0; i < size; i++) x[i] += w[i];
    let estimate = -Infinity;
    for (let s = 0; s < systems; s++) estimate = nanMax(estimate, divNoNan(Math.abs(g[taken][s]), tol[s]));
    return {taken, estimate};
  };

  /** out = v / f per column (f per system), for the first basis vector. */
  function scale(out: Float32Array, v: Float32Array, f: Float64Array, op: (a: number, b: number) => number) {
    for (let mm = 0; mm < batch; mm++) {
      const o = L.offset(mm);
      for (let i = 0; i < n; i++) for (let c = 0; c < k; c++) out[o + i * k + c] = op(v[o + i * k + c], f[mm * k + c]);
    }
  }

  let iterations = 0;
  let status: HostStatus = 'maxIterations';
  let estimate: number | null = null;
  let lastRatio = Infinity;
  const {maxIterations} = p;
  while (true) {
    for (let mm = 0; mm < batch; mm++) L.residual(mm, x, r, scratch);
    if (p.fixed) {
      if (iterations >= maxIterations) break;
      iterations += cycle(Math.min(m, maxIterations - iterations), Infinity).taken;
      continue;
    }
    const norms = L.columnNorms(r);
    let converged = true;
    let finite = true;
    let ratio = -Infinity;
    for (let i = 0; i < size; i++) if (!Number.isFinite(r[i])) finite = false;
    for (let s = 0; s < systems; s++) {
      if (!(norms[s] <= tol[s])) converged = false;
      ratio = nanMax(ratio, divNoNan(norms[s], tol[s]));
    }
    const claimed = (estimate ?? Infinity) <= 1;
    estimate = null;
    if (!finite) { status = 'nonFinite'; break; }
    if (converged) { status = 'converged'; break; }
    if (claimed) {
      if (ratio > STAGNATION * lastRatio) { status = 'stagnated'; break; }
      lastRatio = ratio;
    }
    if (iterations >= maxIterations) break;
    const result = cycle(Math.min(m, maxIterations - iterations), p.checkEvery);
    iterations += result.taken;
    estimate = result.estimate;
  }
  return L.finish(x, {iterations, status});
}
