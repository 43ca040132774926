/**
 * What the LU-based ops share: the backend's LU with partial pivoting, P A = L U (Golub & Van
 * Loan, Alg. 3.4.1), as one packed matrix, and A⁻¹ = U⁻¹ L⁻¹ P from it.
 */
import * as tf from '@tensorflow/tfjs';
import * as ls from '../index';
import {triangleMask} from './masks';
import {permutationMatrix} from './permutation';

/** The packed factor (L strictly below the diagonal, U on and above), P's row indices, the pivots uₖₖ. */
export interface PackedLU {
  packed: tf.Tensor;
  perm: tf.Tensor;
  pivots: tf.Tensor;
}

/** P A = L U of `[B, n, n]`, raw (call it off the tape: inside a custom op's forward or backward). */
export function rawLU(a: tf.Tensor): PackedLU {
  const n = a.shape[1] as number;
  const {lower, upper, perm, pivots} = ls.kernels.luFactor(a);
  if (lower === upper) return {packed: upper, perm, pivots};
  const packed = tf.tidy(() => tf.add(tf.mul(lower, triangleMask(n, 'strictLower')), tf.mul(upper, triangleMask(n, 'upper'))));
  tf.dispose([lower, upper]);
  return {packed, perm, pivots};
}

/** L with ones on its diagonal, and U, from the packed factor `[..., n, n]` (differentiable). */
export function unpack(packed: tf.Tensor): {lower: tf.Tensor; upper: tf.Tensor} {
  const n = packed.shape[packed.rank - 1];
  return {
    lower: tf.add(tf.mul(packed, triangleMask(n, 'strictLower')), tf.eye(n)),
    upper: tf.mul(packed, triangleMask(n, 'upper')),
  };
}

/** A⁻¹ = U⁻¹ L⁻¹ P from the packed factor and P's row indices; differentiable in `packed`. */
export function inverseFromLU(packed: tf.Tensor, perm: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const {lower, upper} = unpack(packed);
    const y = ls.kernels.triangularSolve(lower, permutationMatrix(perm), {lower: true, unitDiagonal: true});
    return ls.kernels.triangularSolve(upper, y, {lower: false});
  });
}

/** max|aᵢⱼ| of each member `[B]`. */
export function maxAbsOf(a: tf.Tensor): tf.Tensor {
  return tf.max(tf.abs(a), [1, 2]);
}
