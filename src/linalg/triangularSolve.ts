/**
 * X = M⁻¹B for triangular M = A or Aᵀ by substitution (Golub & Van Loan, §3.1), the backend's
 * kernel. Differentiable in B and A: B̄ = M⁻ᵀX̄ (the transposed solve) and M̄ = −B̄Xᵀ on M's
 * triangle (strictly, with a unit diagonal).
 */
import * as tf from '@tensorflow/tfjs';
import * as ls from '../index';
import {flatOp, Forward} from './customOp';
import {flagOf, LinalgOptions, onFailureOf} from './linalgOptions';
import {floatInput, Input, squareShape} from './matrixBatch';
import {isRecording} from './recording';
import {diagonalOf, transposeLast, triangleMask} from './masks';
import {checkSolve} from './checkSolve';
import {rhsBatch} from './luSolve';

/** Options of `ls.linalg.triangularSolve`. */
export interface TriangularSolveOptions extends LinalgOptions {
  /** A is lower triangular (default true); only that triangle of A is read. */
  lower?: boolean;
  /** Solve with Aᵀ instead of A (default false). */
  transpose?: boolean;
  /** Solve A X = B (default true), or X A = B with `left: false` (B then `[..., k, n]`). */
  left?: boolean;
  /** Take A's diagonal as ones, without reading it (default false). */
  unitDiagonal?: boolean;
}

/**
 * Solves A X = B for triangular A `[..., n, n]` (tf.linalg.triangularSolve,
 * torch.linalg.solve_triangular), differentiable in A and B to every order; the gradient to A
 * lies on the triangle read.
 *
 * B is `[..., n, k]` (`[..., k, n]` with `left: false`); the batch shapes broadcast. A zero on
 * the diagonal is 'singular' and a result that is not finite 'nonFinite' (`LinearSolveError`),
 * unless `onFailure` says otherwise.
 *
 * ```ts
 * const L = tf.tensor2d([[2, 0], [1, 4]]);
 * const x = ls.linalg.triangularSolve(L, tf.tensor2d([[2], [9]]));            // [[1], [2]]
 * const y = ls.linalg.triangularSolve(L, tf.tensor2d([[2], [9]]), {transpose: true});
 * ```
 */
export function triangularSolve(A: tf.Tensor | tf.TensorLike, B: tf.Tensor | tf.TensorLike,
    options: TriangularSolveOptions = {}): tf.Tensor {
  const op = 'triangularSolve';
  const onFailure = onFailureOf(options, op);
  const lower = flagOf(options, 'lower', true, op);
  const transpose = flagOf(options, 'transpose', false, op);
  const left = flagOf(options, 'left', true, op);
  const unitDiagonal = flagOf(options, 'unitDiagonal', false, op);
  const inputs: Input[] = [];
  try {
    inputs.push(floatInput(A, 'A', op));
    inputs.push(floatInput(B, 'B', op));
    const [a, b] = inputs.map(i => i.tensor);
    const {batchShape, n} = squareShape(a.shape, 'A', op);
    const bShape = left ? b.shape : [...b.shape.slice(0, -2), ...b.shape.slice(-2).reverse()];
    if (!left && b.shape.length >= 2 && b.shape[b.shape.length - 1] !== n) {
      throw new ls.LinearSolveError('shape', `linalg.${op}: with left: false, B must be [..., k, ${n}], got shape [${b.shape}].`);
    }
    const target = rhsBatch(bShape, batchShape, n, op);
    return flatOp([{tensor: a, core: 2}, {tensor: b, core: 2}], target, [...target, ...b.shape.slice(-2)],
      triangularForward(n, {lower, transpose, unitDiagonal, left}, onFailure));
  } finally {
    inputs.forEach(i => { if (i.owned) i.tensor.dispose(); });
  }
}

interface Posed {lower: boolean; transpose: boolean; unitDiagonal: boolean; left: boolean}

/**
 * X = M⁻¹R with M = a or aᵀ (`lower` describes a) on `[B, n, n]`, `[B, n, k]`; with `left`
 * false, X M = R is solved as Mᵀ Xᵀ = Rᵀ. Checked before anything is saved.
 */
function triangularForward(n: number, posed: Posed, onFailure: ls.OnFailure): Forward {
  const {lower, unitDiagonal, left} = posed;
  const transpose = left ? posed.transpose : !posed.transpose;
  const part = lower ? (unitDiagonal ? 'strictLower' : 'lower') : (unitDiagonal ? 'strictUpper' : 'upper');
  // The kernel's triangle describes M; tfjs-node's kernel reads the diagonal even when unit.
  const triangle = {lower: transpose ? !lower : lower, transposeT: transpose, unitDiagonal};
  const flipped = {lower: !triangle.lower, transposeT: !transpose, unitDiagonal};
  const masked = (t: tf.Tensor) => {
    const m = tf.mul(t, triangleMask(n, part));
    return unitDiagonal ? tf.add(m, tf.eye(n)) : m;
  };
  const sided = (t: tf.Tensor) => (left ? t : transposeLast(t));
  return ([t, given], save) => {
    const r = sided(given);
    const x = ls.kernels.triangularSolve(masked(t), r, triangle);
    checkSolve(unitDiagonal ? [] : [diagonalOf(t)], x, 'triangularSolve', onFailure);
    save([t, given, x]);
    return {
      value: sided(x),
      gradFunc: (dy, [savedT, savedGiven, savedX]) => {
        const m = masked(savedT);
        const xs = isRecording() ? ls.kernels.triangularSolve(m, sided(savedGiven), triangle) : savedX;
        const dr = ls.kernels.triangularSolve(m, sided(dy), flipped);
        const dM = tf.neg(tf.matMul(dr, xs, false, true));
        return [tf.mul(transpose ? transposeLast(dM) : dM, triangleMask(n, part)), sided(dr)];
      },
    };
  };
}
