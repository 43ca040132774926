import * as tf from '@tensorflow/tfjs-core';
import {LinearSolveError} from './LinearSolveError';
import {NumericTensorLike, isArrayInput, toFloat32Tensor} from './tensorLike';

/**
 * float32 as it is; int32 cast to float32 (documented); a TypedArray or nested arrays of
 * numbers converted to float32 (as tfjs ops convert them); anything else is a 'dtype' error.
 * tfjs has no float64, so float32 is the only floating type there is. A result that is not
 * `t` itself is a new tensor the caller owns.
 */
export function asFloat32(t: tf.Tensor | NumericTensorLike, name: string): tf.Tensor {
  if (isArrayInput(t)) return toFloat32Tensor(t, name);
  if (!(t instanceof tf.Tensor)) {
    throw new LinearSolveError('dtype', `${name} must be a tf.Tensor, a TypedArray or nested arrays of numbers, got ${describe(t)}.`);
  }
  if (t.isDisposed) {
    throw new LinearSolveError('dtype', `${name} has been disposed; pass a live tensor (keep it with tf.keep or outside tf.tidy).`);
  }
  if (t.dtype === 'float32') return t;
  if (t.dtype === 'int32') return tf.cast(t, 'float32');
  throw new LinearSolveError('dtype',
    `${name} has dtype ${t.dtype}; tfjs-linsolve works in float32. Cast it with tf.cast(${name}, 'float32').`);
}

/** n for a square `[n, n]` or `[B, n, n]` shape; a 'shape' error otherwise. */
export function requireSquare(shape: number[], name: string): number {
  if (shape.length !== 2 && shape.length !== 3) {
    throw new LinearSolveError('shape',
      `${name} must be a matrix [n, n] or a batch [B, n, n], got shape [${shape}].`);
  }
  const [m, n] = shape.slice(-2);
  if (m !== n) {
    throw new LinearSolveError('shape',
      `${name} must be square, got ${m}×${n}. For least squares solve the normal equations ` +
      `(AᵀA x = Aᵀb) with method 'cholesky' or 'cg'.`);
  }
  return n;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  return typeof value === 'string' ? `the string '${value}'` : typeof value;
}
