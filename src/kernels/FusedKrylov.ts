import * as tf from '@tensorflow/tfjs-core';
import {CooPattern} from './Kernels';

/**
 * The vectors a CG iteration carries (the tf-ops CGSolver's loop state): blocks x, r, p
 * `[..., n, k]`, and per column rz = rᵀz, rr = rᵀr and the breakdown flag `[..., 1, k]`.
 */
export interface CGVectors {
  x: tf.Tensor;
  r: tf.Tensor;
  p: tf.Tensor;
  rz: tf.Tensor;
  rr: tf.Tensor;
  broken: tf.Tensor;
}

/**
 * The vectors a BiCGStab iteration carries, in the fused programs' layout (blocks `[n]` or
 * `[B, n, k]`; the inner products as slot tensors, `[q]` or `[B, q, k]`): x, r, the shadow
 * residual r̂, p, v = A·M·p; `rs` = (rᵀr, r̂ᵀr) of the current r, `rsPrev` the previous step's
 * (its slot 1 is ρ of the β recurrence), `sigma` = r̂ᵀv, `thtt` = (tᵀh, tᵀt, hᵀh) of the last
 * step (α = ρ/σ and ω = tᵀh/tᵀt are computed from them where they are read), and the
 * per-column breakdown flag.
 */
export type BiCGStabVectors = {
  x: tf.Tensor;
  r: tf.Tensor;
  shadow: tf.Tensor;
  p: tf.Tensor;
  v: tf.Tensor;
  rs: tf.Tensor;
  rsPrev: tf.Tensor;
  sigma: tf.Tensor;
  thtt: tf.Tensor;
  broken: tf.Tensor;
};

/**
 * Krylov building blocks a backend runs in fewer, fused kernels than tf ops (custom WebGL
 * programs): the coefficients are computed on the device from the inner products, so an
 * iteration queues a handful of programs and reads nothing back.
 */
export interface FusedKrylov {
  /** Whether the fused kernels can run now (the backend exposes them and they are switched on). */
  available(): boolean;
  /** Column-wise uᵀ(w∘v) of blocks `[..., n, k]` (w `[..., n, 1]` optional) → `[..., 1, k]`. */
  columnDot(u: tf.Tensor, v: tf.Tensor, w?: tf.Tensor | null): tf.Tensor;
  /**
   * One CG iteration after the product ap = A·p, exactly as CGSolver's step: α = rz / pᵀap
   * (0 on columns with rr ≤ tol2 or pᵀap = 0), x += α p, r −= α ap, z = D r (D = `inverseDiagonal`
   * `[..., n, 1]`, or the identity), β = rᵀz / rz (0 where rz = 0), p = z + β p, and the
   * column broken once an active column meets pᵀap ≤ 0.
   */
  /**
   * Y = A·X (Aᵀ·X) for X `[n, k]`, A = (pattern, values), with the values read into the
   * product's layout once, for a loop in which they stay fixed; free `tensors` after the loop.
   */
  prepareSparse(pattern: CooPattern, values: tf.Tensor, transposed: boolean): {apply(x: tf.Tensor): tf.Tensor; tensors: tf.Tensor[]};
  cgStep(s: CGVectors, ap: tf.Tensor, tol2: tf.Tensor, inverseDiagonal: tf.Tensor | null): CGVectors;
  /**
   * BiCGStab's state restarted from x with residual r = b − A·x (`[n]`, `[n, k]` or
   * `[B, n, k]`): r̂ = r, p = v = 0, ρ = α = ω = 1, not broken.
   */
  bicgstabStart(x: tf.Tensor, r: tf.Tensor): BiCGStabVectors;
  /**
   * One BiCGStab iteration, exactly as BiCGStabSolver's step: `apply` is A·v on the layout's
   * blocks, `tol2` the squared thresholds `[..., 1, k]`, `inverseDiagonal` a Jacobi M (or null).
   */
  bicgstabStep(s: BiCGStabVectors, apply: (v: tf.Tensor) => tf.Tensor, tol2: tf.Tensor, inverseDiagonal: tf.Tensor | null): BiCGStabVectors;
  /** rᵀr of the state's residual, shaped like the thresholds (`[1]` for a vector, `[..., 1, k]`). */
  bicgstabResidual(s: BiCGStabVectors, like: tf.Tensor): tf.Tensor;
}
