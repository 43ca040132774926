/**
 * Plain JavaScript numbers where a tensor is expected, as tfjs ops accept them: a TypedArray
 * or (nested) arrays of numbers are converted once to a float32 tensor, which the caller that
 * converted it owns and disposes. Anything else, and anything that would convert silently to
 * NaN (strings, booleans, ragged arrays), is a LinearSolveError naming what to pass.
 */
import * as tf from '@tensorflow/tfjs-core';
import {LinearSolveError} from './LinearSolveError';

/**
 * Numbers as tfjs ops accept them in place of a tensor: a TypedArray, or nested arrays of
 * numbers (and of TypedArrays). `[1, 2]` is a vector `[2]`, `[[4, 1], [1, 3]]` a matrix `[2, 2]`.
 *
 * ```ts
 * const x = ls.solve([[4, 1], [1, 3]], [1, 2]);   // tf.Tensor1D [0.0909, 0.6364]
 * ```
 */
export type NumericTensorLike = NumericTypedArray | readonly number[] | readonly NumericTensorLikeRow[];

/** One row of a nested `NumericTensorLike`: numbers, a TypedArray, or deeper rows. */
export type NumericTensorLikeRow = NumericTypedArray | readonly number[] | readonly NumericTensorLikeRow[];

/** The TypedArrays of numbers (a Float64Array is rounded to float32, as everything is). */
export type NumericTypedArray = Float32Array | Float64Array | Int32Array | Uint32Array | Int16Array |
  Uint16Array | Int8Array | Uint8Array | Uint8ClampedArray;

/**
 * The tensor type a solve returns for a right-hand side of type `B`: b's own rank for a tensor
 * (a `tf.Tensor1D` b gives a `tf.Tensor1D` x; a `tf.Variable` gives a plain tensor of its
 * rank), and the rank of the nesting for arrays (`number[]` → `tf.Tensor1D`, `number[][]` →
 * `tf.Tensor2D`, `number[][][]` → `tf.Tensor3D`).
 *
 * ```ts
 * const x: tf.Tensor2D = ls.solve(A, tf.tensor2d([[1, 0], [0, 1]]));
 * ```
 */
export type SolutionOf<B> =
  B extends tf.Tensor<infer R> ? tf.Tensor<R> :
  B extends readonly (readonly (readonly number[] | NumericTypedArray)[])[] ? tf.Tensor3D :
  B extends readonly (readonly number[] | NumericTypedArray)[] ? tf.Tensor2D :
  B extends readonly number[] | NumericTypedArray ? tf.Tensor1D :
  tf.Tensor;

/** Whether `value` is a TypedArray (not a DataView or Buffer-free ArrayBuffer). */
function isTypedArray(value: unknown): value is NumericTypedArray {
  return ArrayBuffer.isView(value) && !(value instanceof DataView);
}

/** Whether `value` is an array or TypedArray: something `toFloat32Tensor` will try to convert. */
export function isArrayInput(value: unknown): value is NumericTensorLike {
  return Array.isArray(value) || isTypedArray(value);
}

function show(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (value === null || value === undefined) return String(value);
  return typeof value === 'object' ? (Array.isArray(value) ? 'an array' : typeof value) : `${typeof value} ${String(value)}`;
}

/** The shape of a nested array, read along its first entries (checked entry by entry later). */
function shapeOf(value: unknown): number[] {
  const shape: number[] = [];
  let v = value;
  while (Array.isArray(v) || isTypedArray(v)) {
    shape.push((v as ArrayLike<unknown>).length);
    if (isTypedArray(v) || (v as unknown[]).length === 0) break;
    v = (v as unknown[])[0];
  }
  return shape;
}

/**
 * Copies `value` into `out` from `offset`, checking that it has `shape` exactly and holds
 * numbers only; returns the next offset.
 */
function fill(value: unknown, shape: number[], depth: number, path: string, out: Float32Array, offset: number): number {
  if (depth === shape.length) {
    if (typeof value !== 'number') {
      throw new LinearSolveError('dtype', `${path} is ${show(value)}; expected a number.`);
    }
    out[offset] = value;
    return offset + 1;
  }
  const rows = value as ArrayLike<unknown>;
  if (!(Array.isArray(value) || isTypedArray(value)) || rows.length !== shape[depth] ||
      (isTypedArray(value) && depth !== shape.length - 1)) {
    const got = Array.isArray(value) || isTypedArray(value) ? `${rows.length} entries` : show(value);
    throw new LinearSolveError('shape',
      `${path} has ${got}, but the first entries give the shape [${shape}]: every row must have the same length.`);
  }
  if (isTypedArray(value)) {
    for (let i = 0; i < rows.length; i++) out[offset + i] = Number(rows[i]);
    return offset + rows.length;
  }
  for (let i = 0; i < rows.length; i++) offset = fill(rows[i], shape, depth + 1, `${path}[${i}]`, out, offset);
  return offset;
}

/**
 * A new float32 tensor holding `value` (a TypedArray or nested arrays of numbers); the
 * caller owns it. Ragged nesting is a 'shape' error, a non-number entry a 'dtype' error
 * (tfjs itself would make NaN of a string, or a tensor of the wrong size of a ragged array).
 */
export function toFloat32Tensor(value: NumericTensorLike, name: string): tf.Tensor {
  const shape = shapeOf(value);
  const out = new Float32Array(shape.reduce((a, d) => a * d, 1));
  fill(value, shape, 0, name, out, 0);
  return tf.tensor(out, shape, 'float32');
}
