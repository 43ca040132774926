/**
 * Determinants from the LU factorisation with partial pivoting, P A = L U: det A = det P · Πuₖₖ
 * (Golub & Van Loan, §3.2.9), with the gradients ∂det/∂A = det·A⁻ᵀ and ∂log|det|/∂A = A⁻ᵀ
 * (Jacobi's formula), A⁻ᵀ computed from the same factors. Shared by det, logdet and slogdet.
 */
import * as tf from '@tensorflow/tfjs';
import {flatOp} from './customOp';
import {floatInput, squareShape} from './matrixBatch';
import {isRecording} from './recording';
import {inverseFromLU, rawLU} from './luParts';
import {transposeLast} from './masks';
import {permutationSign} from './permutation';
import {inverseOp} from './inv';

/** Which determinant a custom op returns. */
export type DeterminantKind = 'det' | 'logAbsDet' | 'logDet';

/** sign(det A), log|det A| and det A of `[B, n, n]`, each `[B]`, from the raw factors. */
function determinantParts(a: tf.Tensor): {sign: tf.Tensor; logAbsDet: tf.Tensor; det: tf.Tensor; packed: tf.Tensor; perm: tf.Tensor} {
  const {packed, perm, pivots} = rawLU(a);
  const parts = tf.tidy(() => {
    const finiteA = tf.all(tf.isFinite(a), [1, 2]);
    // A zero pivot means A is exactly singular; the tf-ops elimination then leaves NaN behind it.
    const singular = tf.logicalAnd(finiteA, tf.any(tf.logicalOr(tf.equal(pivots, 0), tf.logicalNot(tf.isFinite(pivots))), 1));
    const nan = tf.fill([a.shape[0] as number], NaN);
    const guard = (value: tf.Tensor, atSingular: number) =>
      tf.where(finiteA, tf.where(singular, tf.fill(value.shape, atSingular), value), nan);
    const permSign = permutationSign(perm);
    return {
      sign: guard(tf.mul(permSign, tf.prod(tf.sign(pivots), 1)), 0),
      logAbsDet: guard(tf.sum(tf.log(tf.abs(pivots)), 1), -Infinity),
      det: guard(tf.mul(permSign, tf.prod(pivots, 1)), 0),
    };
  });
  pivots.dispose();
  return {...parts, packed, perm};
}

/**
 * det A, log|det A| or log det A of `a` `[B, n, n]` as a custom op (`[B]`), with sign(det A)
 * passed to `onSign` (kept; the caller owns it). The backward: Ḡ·det·A⁻ᵀ or Ḡ·A⁻ᵀ, from the saved
 * factors; for higher orders, from differentiable `inv` and `det` of the saved A.
 */
export function determinantOp(a: tf.Tensor, batch: number[], kind: DeterminantKind,
    onSign?: (sign: tf.Tensor) => void): tf.Tensor {
  return flatOp([{tensor: a, core: 2}], batch, batch, ([m], save) => {
    const {sign, logAbsDet, det, packed, perm} = determinantParts(m);
    const value = kind === 'det' ? det : kind === 'logAbsDet' ? logAbsDet :
      tf.where(tf.less(sign, 0), tf.fill(sign.shape, NaN), logAbsDet);
    if (onSign != null) onSign(tf.keep(tf.reshape(sign, batch)));
    save([m, packed, perm, det, sign]);
    return {
      value,
      gradFunc: (dy, [savedA, savedPacked, savedPerm, savedDet, savedSign]) => {
        const recording = isRecording();
        const members = [savedA.shape[0]];
        const inverseT = transposeLast(recording ? inverseOp(savedA, members, 'ignore') : inverseFromLU(savedPacked, savedPerm));
        // log det is NaN where det < 0 (and −Inf where det = 0): no gradient there either.
        const gradient = kind === 'logDet' ? tf.where(tf.greater(savedSign, 0), dy, tf.fill(dy.shape, NaN)) : dy;
        const scale = kind !== 'det' ? gradient : tf.mul(dy, recording ? determinantOp(savedA, members, 'det') : savedDet);
        return [tf.mul(tf.reshape(scale, [-1, 1, 1]), inverseT)];
      },
    };
  });
}

/** `A` `[..., n, n]` validated and flattened, the determinant op applied, the result `[...]`. */
export function batchedDeterminant(A: tf.Tensor | tf.TensorLike, kind: DeterminantKind, op: string,
    onSign?: (sign: tf.Tensor) => void): tf.Tensor {
  const input = floatInput(A, 'A', op);
  try {
    const {batchShape} = squareShape(input.tensor.shape, 'A', op);
    return determinantOp(input.tensor, batchShape, kind, onSign);
  } finally {
    if (input.owned) input.tensor.dispose();
  }
}
