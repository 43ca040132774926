/**
 * LU factorisation with partial pivoting, P A = L U (Golub & Van Loan, Matrix Computations,
 * 4th ed., Alg. 3.4.1), differentiable in L and U with the pivots held fixed. The backward is
 * Ā = Pᵀ L⁻ᵀ (tril₋(Lᵀ L̄) + triu(Ū Uᵀ)) U⁻ᵀ (the square case of PyTorch's
 * `linalg_lu_backward`; TensorFlow's LuGrad), written in differentiable triangular solves.
 */
import * as tf from '@tensorflow/tfjs';
import * as ls from '../index';
import {adopt, flatOp} from './customOp';
import {LinalgOptions, onFailureOf, reportFailure} from './linalgOptions';
import {floatInput, squareShape} from './matrixBatch';
import {isRecording} from './recording';
import {PackedLU, rawLU, unpack} from './luParts';
import {permutationMatrix} from './permutation';
import {transposeLast, triangleMask} from './masks';

/** The factors of P A = L U, as `ls.linalg.lu` returns them and `ls.linalg.luSolve` takes them. */
export interface LUDecomposition {
  /** L `[..., n, n]`: unit lower triangular (ones on the diagonal, zeros above). */
  lower: tf.Tensor;
  /** U `[..., n, n]`: upper triangular. */
  upper: tf.Tensor;
  /**
   * P as int32 row indices `[..., n]`: row i of P·A is row `permutation[i]` of A, so
   * `tf.gather(A, permutation)` equals L·U for one matrix.
   */
  permutation: tf.Tensor;
}

/**
 * LU factorisation with partial pivoting: P A = L U for A `[..., n, n]`, differentiable.
 *
 * L and U carry gradients to A (the pivots, a piecewise-constant choice, are held fixed); every
 * order of derivative works. An exactly singular A (a zero pivot, or a factor that is not
 * finite) is a 'singular' `LinearSolveError` unless `onFailure` says otherwise; for
 * determinants of possibly singular matrices use `det` or `slogdet`.
 *
 * ```ts
 * const A = tf.tensor2d([[0, 2], [1, 1]]);
 * const {lower, upper, permutation} = ls.linalg.lu(A);   // permutation [1, 0]
 * const g = tf.grad(a => tf.sum(ls.linalg.lu(a).upper))(A);
 * ```
 */
export function lu(A: tf.Tensor | tf.TensorLike, options: LinalgOptions = {}): LUDecomposition {
  const onFailure = onFailureOf(options, 'lu');
  const input = floatInput(A, 'A', 'lu');
  try {
    const {batchShape} = squareShape(input.tensor.shape, 'A', 'lu');
    const {packed, perm} = packedLU(input.tensor, batchShape, onFailure);
    const {lower, upper} = tf.tidy(() => unpack(packed));
    packed.dispose();
    return {lower, upper, permutation: perm};
  } finally {
    if (input.owned) input.tensor.dispose();
  }
}

/**
 * The packed factor of `a` `[...batch, n, n]` as one custom op (the permutation `[...batch, n]`
 * leaves by closure, an integer output without a gradient), checked before anything is saved.
 */
export function packedLU(a: tf.Tensor, batch: number[], onFailure: ls.OnFailure): {packed: tf.Tensor; perm: tf.Tensor} {
  const n = a.shape[a.rank - 1];
  const held: {perm?: tf.Tensor} = {};
  const packed = flatOp([{tensor: a, core: 2}], batch, [...batch, n, n], ([m], save) => {
    const raw = rawLU(m);
    if (onFailure !== 'ignore') checkPivots(raw, m.shape[0] as number, onFailure);
    held.perm = tf.keep(tf.reshape(raw.perm, [...batch, n]));
    save([m, raw.packed, raw.perm]);
    return {
      value: raw.packed,
      gradFunc: (dPacked, [savedA, savedPacked, savedPerm]) => {
        if (!isRecording()) return [luBackward(savedPacked, savedPerm, dPacked)];
        // Second order: the factors as differentiable functions of A (the pivots do not move).
        const again = packedLU(savedA, [savedA.shape[0]], 'ignore');
        const grad = luBackward(again.packed, again.perm, dPacked);
        again.perm.dispose();
        return [grad];
      },
    };
  });
  return {packed, perm: adopt(held.perm as tf.Tensor)};
}

function checkPivots({pivots}: PackedLU, batch: number, onFailure: ls.OnFailure): void {
  // A zero pivot, or NaN/Inf after one (the tf-ops elimination divides by it).
  const bad = tf.tidy(() => tf.sum(tf.cast(tf.logicalOr(tf.equal(pivots, 0), tf.logicalNot(tf.isFinite(pivots))), 'float32')))
    .dataSync()[0];
  if (bad > 0) {
    reportFailure(onFailure, new ls.LinearSolveError('singular',
      `linalg.lu: A is singular (a zero pivot${batch > 1 ? ' in some member of the batch' : ''}), or holds NaN/Inf; ` +
      `its LU factors are not finite. For the determinant of a possibly singular A use ls.linalg.det or slogdet.`));
  }
}

/** Ā = Pᵀ L⁻ᵀ (tril₋(Lᵀ L̄) + triu(Ū Uᵀ)) U⁻ᵀ from the packed factor `[B, n, n]` and its gradient. */
function luBackward(packed: tf.Tensor, perm: tf.Tensor, dPacked: tf.Tensor): tf.Tensor {
  const n = packed.shape[1] as number;
  const strictLower = triangleMask(n, 'strictLower');
  const upperMask = triangleMask(n, 'upper');
  const {lower, upper} = unpack(packed);
  const dL = tf.mul(dPacked, strictLower);
  const dU = tf.mul(dPacked, upperMask);
  const middle = tf.add(tf.mul(tf.matMul(lower, dL, true, false), strictLower),
    tf.mul(tf.matMul(dU, upper, false, true), upperMask));
  const y = ls.kernels.triangularSolve(lower, middle, {lower: false, transposeT: true, unitDiagonal: true});
  const z = transposeLast(ls.kernels.triangularSolve(upper, transposeLast(y), {lower: false}));
  return tf.matMul(permutationMatrix(perm), z, true, false);
}
