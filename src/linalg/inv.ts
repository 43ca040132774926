/**
 * A⁻¹ = U⁻¹ L⁻¹ P from the LU factorisation with partial pivoting (Golub & Van Loan, §3.4.9),
 * differentiable: Ā = −A⁻ᵀ Ḡ A⁻ᵀ.
 */
import * as tf from '@tensorflow/tfjs';
import * as ls from '../index';
import {flatOp} from './customOp';
import {LinalgOptions, onFailureOf, reportFailure} from './linalgOptions';
import {floatInput, squareShape} from './matrixBatch';
import {isRecording} from './recording';
import {inverseFromLU, maxAbsOf, PackedLU, rawLU} from './luParts';
import {transposeLast} from './masks';

const FLOAT32_EPS = 1.1920929e-7;

/**
 * The inverse of A `[..., n, n]`, differentiable to every order (Ā = −A⁻ᵀḠA⁻ᵀ).
 *
 * A is 'singular' (a `LinearSolveError`, unless `onFailure` says otherwise) when a pivot
 * |uₖₖ| ≤ n·ε·max|aᵢⱼ| — the test `ls.solve` applies: past it float32 cannot give A⁻¹ a
 * correct digit. To apply A⁻¹ to vectors, `ls.solve` or `luSolve` is cheaper and more accurate.
 *
 * ```ts
 * const Ainv = ls.linalg.inv(tf.tensor2d([[4, 7], [2, 6]]));   // [[0.6, −0.7], [−0.2, 0.4]]
 * ```
 */
export function inv(A: tf.Tensor | tf.TensorLike, options: LinalgOptions = {}): tf.Tensor {
  const onFailure = onFailureOf(options, 'inv');
  const input = floatInput(A, 'A', 'inv');
  try {
    const {batchShape} = squareShape(input.tensor.shape, 'A', 'inv');
    return inverseOp(input.tensor, batchShape, onFailure);
  } finally {
    if (input.owned) input.tensor.dispose();
  }
}

/** A⁻¹ of `[...batch, n, n]` as one custom op, checked before anything is saved. */
export function inverseOp(a: tf.Tensor, batch: number[], onFailure: ls.OnFailure): tf.Tensor {
  return flatOp([{tensor: a, core: 2}], batch, a.shape, ([m], save) => {
    const factors = rawLU(m);
    if (onFailure !== 'ignore') checkInvertible(m, factors, onFailure);
    const x = inverseFromLU(factors.packed, factors.perm);
    save([m, x]);
    return {
      value: x,
      gradFunc: (dx, [savedA, savedX]) => {
        const xt = transposeLast(isRecording() ? inverseOp(savedA, [savedA.shape[0]], 'ignore') : savedX);
        return [tf.neg(tf.matMul(tf.matMul(xt, dx), xt))];
      },
    };
  });
}

function checkInvertible(a: tf.Tensor, {pivots}: PackedLU, onFailure: ls.OnFailure): void {
  const n = a.shape[1] as number;
  const [worst] = tf.tidy(() => tf.min(tf.sub(tf.min(tf.abs(pivots), 1), tf.mul(maxAbsOf(a), n * FLOAT32_EPS)))).dataSync();
  if (!(worst > 0)) {
    reportFailure(onFailure, new ls.LinearSolveError('singular',
      `linalg.inv: A is singular to float32 precision (a pivot |uₖₖ| ≤ n·ε·max|aᵢⱼ|), or holds NaN/Inf. ` +
      `Check how A is built; for log-determinants of such matrices use ls.linalg.slogdet.`));
  }
}
