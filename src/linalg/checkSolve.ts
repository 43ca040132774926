import * as tf from '@tensorflow/tfjs';
import * as ls from '../index';
import {reportFailure} from './linalgOptions';

/**
 * The one readback of a triangular-factor solve: a zero or non-finite diagonal entry of a
 * factor (`diagonals`, each `[B, n]`) is 'singular'; a solution that is not finite (NaN/Inf
 * in the input, or overflow) is 'nonFinite'.
 */
export function checkSolve(diagonals: tf.Tensor[], x: tf.Tensor, op: string, onFailure: ls.OnFailure): void {
  if (onFailure === 'ignore') return;
  const [badDiagonal, total] = tf.tidy(() => tf.stack([
    diagonals.length === 0 ? tf.scalar(0) :
      tf.addN(diagonals.map(d => tf.sum(tf.cast(tf.logicalOr(tf.equal(d, 0), tf.logicalNot(tf.isFinite(d))), 'float32')))),
    tf.sum(tf.abs(x)),
  ])).dataSync();
  if (badDiagonal > 0) {
    reportFailure(onFailure, new ls.LinearSolveError('singular',
      `linalg.${op}: the triangular matrix has a zero (or NaN/Inf) diagonal entry, so the system is singular.`));
  } else if (!Number.isFinite(total)) {
    reportFailure(onFailure, new ls.LinearSolveError('nonFinite',
      `linalg.${op}: the solution is not finite: the input holds NaN/Inf, or the matrix is so ill-conditioned that the solution overflows float32.`));
  }
}
