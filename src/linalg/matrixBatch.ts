import * as tf from '@tensorflow/tfjs';
import * as ls from '../index';

/** A float32 tensor made from what the caller passed, and whether it was made here (to dispose). */
export interface Input {
  tensor: tf.Tensor;
  owned: boolean;
}

/**
 * `value` as a float32 tensor: tensors pass through (int32 is cast), arrays and typed arrays
 * are converted as tfjs ops convert them; anything else is a 'dtype' error.
 */
export function floatInput(value: tf.Tensor | tf.TensorLike, name: string, op: string): Input {
  if (value instanceof tf.Tensor) {
    if (value.isDisposed) {
      throw new ls.LinearSolveError('dtype', `linalg.${op}: ${name} has been disposed; pass a live tensor.`);
    }
    if (value.dtype === 'float32') return {tensor: value, owned: false};
    if (value.dtype === 'int32') return {tensor: tf.cast(value, 'float32'), owned: true};
    throw new ls.LinearSolveError('dtype',
      `linalg.${op}: ${name} has dtype ${value.dtype}; tfjs-linsolve works in float32. Cast it with tf.cast(${name}, 'float32').`);
  }
  if (Array.isArray(value) || ArrayBuffer.isView(value)) {
    try {
      return {tensor: tf.tensor(value as tf.TensorLike, undefined, 'float32'), owned: true};
    } catch (error) {
      throw new ls.LinearSolveError('shape', `linalg.${op}: ${name} is not a rectangular array of numbers (${(error as Error).message}).`);
    }
  }
  throw new ls.LinearSolveError('dtype',
    `linalg.${op}: ${name} must be a tf.Tensor or a nested array of numbers, got ${value === null ? 'null' : typeof value}.`);
}

/** The square matrices of `[..., n, n]`: the batch shape and n. */
export function squareShape(shape: number[], name: string, op: string): {batchShape: number[]; n: number} {
  if (shape.length < 2) {
    throw new ls.LinearSolveError('shape', `linalg.${op}: ${name} must be a matrix [n, n] or a batch [..., n, n], got shape [${shape}].`);
  }
  const [m, n] = shape.slice(-2);
  if (m !== n) {
    throw new ls.LinearSolveError('shape', `linalg.${op}: ${name} must be square, got ${m}×${n} (shape [${shape}]).`);
  }
  if (n === 0 || shape.some(d => d === 0)) {
    throw new ls.LinearSolveError('shape', `linalg.${op}: ${name} has an empty dimension (shape [${shape}]); give at least one matrix of size ≥ 1.`);
  }
  return {batchShape: shape.slice(0, -2), n};
}

/** Number of members of a batch shape. */
export function sizeOf(batchShape: number[]): number {
  return batchShape.reduce((p, d) => p * d, 1);
}

/** The batch shape both `a` and `b` broadcast to (numpy rules), or a 'shape' error. */
export function broadcastBatch(a: number[], b: number[], what: string, op: string): number[] {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const x = a[a.length - rank + i] ?? 1;
    const y = b[b.length - rank + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) {
      throw new ls.LinearSolveError('shape', `linalg.${op}: the batch shapes [${a}] and [${b}] of ${what} do not broadcast.`);
    }
    out.push(x === 1 ? y : x);
  }
  return out;
}
