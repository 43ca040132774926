/**
 * The absorption random-walk estimator of one entry of x* = A⁻¹b (Ulam–von Neumann, as
 * described by Forsythe & Leibler, MTAC 4 (1950); bounded form of Feng, Li & Peng,
 * arXiv 2509.13112): with H = I − D⁻¹A, a walk from u stops with probability qᵤ = δᵤ/|aᵤᵤ|
 * (δᵤ = |aᵤᵤ| − Σ_{v≠u}|aᵤᵥ| > 0 under strict row dominance) or steps to v with probability
 * |hᵤᵥ| = |aᵤᵥ/aᵤᵤ|, and pays
 *
 *     X = Π_steps sgn(h) · f_end / q_end,   f = D⁻¹b,   so f_end/q_end = sgn(a_ee)·b_e/δ_e.
 *
 * E[X] = Σₖ (Hᵏf)ᵤ = x*ᵤ (unbiased) and |X| ≤ B = maxᵤ|bᵤ|/δᵤ (bounded, so Hoeffding applies).
 * Each step reads one row of A (degree + 1 entries); E[length] ≤ 1/β_r: independent of n.
 *
 * Gradients by the stop-gradient importance trick: the sampling law (|h|, q) is held fixed and
 * X is read as Π h/sg|h| · f_end/sg(q_end), equal in value, so E[∂X/∂(h, f)] = ∂x*ᵤ/∂(h, f)
 * exactly (unbiased), chained to A and b through h_e = −a_e/aᵣᵣ and f = b/diag.
 */
import {accumulate} from './differentiable';
import {HostSystem} from './HostSystem';

/** Per-walk gradient accumulators: ∂/∂h_e by stored entry, ∂/∂f_u by node. */
export interface WalkGradient {
  h: Map<number, number>;
  f: Map<number, number>;
}

/** A reusable walker: `run(start)` returns X (0 if killed at `maxLength`), `steps` and entries read. */
export class AbsorptionWalker {
  steps = 0;
  work = 0;
  private readonly pathEntries: Int32Array;
  private readonly pathRows: Int32Array;
  private length = 0;
  private end = 0;
  private sign = 1;

  constructor(private readonly sys: HostSystem, private readonly b: ArrayLike<number>,
      private readonly uniform: () => number, readonly maxLength: number) {
    this.pathEntries = new Int32Array(maxLength);
    this.pathRows = new Int32Array(maxLength);
  }

  run(start: number): number {
    const {layout, values, diag, rowOff} = this.sys;
    const {rowPtr, rowCol, rowEntry} = layout;
    let u = start;
    let sign = 1;
    this.length = 0;
    for (;;) {
      const d = diag[u];
      const ad = Math.abs(d);
      this.work += rowPtr[u + 1] - rowPtr[u] + 1;
      let r = this.uniform() * ad;
      let next = -1;
      if (r < rowOff[u]) {
        for (let k = rowPtr[u]; k < rowPtr[u + 1]; k++) {
          const a = values[rowEntry[k]];
          r -= Math.abs(a);
          if (r < 0) {
            next = k;
            // h = −a/d, so sgn(h) = −sgn(a)·sgn(d).
            if ((a > 0) === (d > 0)) sign = -sign;
            break;
          }
        }
      }
      if (next < 0) {
        this.end = u;
        this.sign = sign;
        this.steps += this.length + 1;
        return sign * Math.sign(d) * this.b[u] / (ad - rowOff[u]);
      }
      if (this.length === this.maxLength) {
        this.steps += this.length;
        this.end = -1;
        return 0;
      }
      this.pathEntries[this.length] = rowEntry[next];
      this.pathRows[this.length] = u;
      this.length++;
      u = rowCol[next];
    }
  }

  /** Adds weight·∂X/∂(h, f) of the last walk (X its value): X·m_e/h_e per step and sgn/q at the end. */
  addGradient(grad: WalkGradient, x: number, weight: number): void {
    if (this.end < 0) return;
    const {values, diag, rowOff} = this.sys;
    for (let s = 0; s < this.length; s++) {
      const e = this.pathEntries[s];
      const h = -values[e] / diag[this.pathRows[s]];
      accumulate(grad.h, e, (weight * x) / h);
    }
    const u = this.end;
    const q = (Math.abs(diag[u]) - rowOff[u]) / Math.abs(diag[u]);
    accumulate(grad.f, u, (weight * this.sign) / q);
  }
}

/**
 * Chains ∂/∂h and ∂/∂f to A's values and b: h_e = −a_e/aᵣᵣ (r the row of e), f_u = b_u/a_uu.
 * Adds into `values` (by entry) and `b` (by node).
 */
export function chainWalkGradient(sys: HostSystem, b: ArrayLike<number>, grad: WalkGradient,
    values: Map<number, number>, db: Map<number, number>): void {
  const {diag, layout} = sys;
  const dDiag = new Map<number, number>();
  grad.h.forEach((g, e) => {
    const r = layout.entryRow[e];
    const d = diag[r];
    accumulate(values, e, -g / d);
    accumulate(dDiag, r, (g * sys.values[e]) / (d * d));
  });
  grad.f.forEach((g, u) => {
    const d = diag[u];
    accumulate(db, u, g / d);
    accumulate(dDiag, u, (-g * b[u]) / (d * d));
  });
  dDiag.forEach((g, u) => {
    for (let k = layout.diagPtr[u]; k < layout.diagPtr[u + 1]; k++) accumulate(values, layout.diagEntry[k], g);
  });
}
