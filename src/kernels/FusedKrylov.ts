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
}
