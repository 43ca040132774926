/**
 * How the Krylov programs index a block `[B, n, k]` and its per-column scalars `[B, 1, k]`:
 * flat (`[n]` and `[1]`) when B = k = 1, the common case, since 3-D sampling costs a
 * third more per fetch under SwiftShader (a copy of 16 384 values: 0.41 ms flat, 0.61 ms 3-D);
 * 3-D otherwise.
 */
import * as tf from '@tensorflow/tfjs-core';

export interface BlockLayout {
  batch: number;
  n: number;
  k: number;
  flat: boolean;
  vectorShape: number[];
  scalarShape: number[];
  /** GLSL declaring the output's coordinates (`i`, and `b`, `j` for the column). */
  coords: string;
  /** GLSL sampling vector `name` at the output's row (row `row` if given). */
  vector(name: string, row?: string): string;
  /** GLSL sampling the scalar `name` of the output's column. */
  scalar(name: string): string;
  /** GLSL sampling an `[B, n, 1]` diagonal `name` at the output's row. */
  diagonal(name: string): string;
}

/** The layout of blocks shaped like `like` (`[n]`, `[n, k]` or `[B, n, k]`). */
export function blockLayout(like: tf.Tensor): BlockLayout {
  const [batch, n, k] = like.rank === 3 ? like.shape as number[] : like.rank === 2 ? [1, ...like.shape as number[]] :
    [1, like.shape[0], 1];
  const flat = batch === 1 && k === 1;
  return flat ? {
    batch, n, k, flat, vectorShape: [n], scalarShape: [1],
    coords: 'int i = getOutputCoords();',
    vector: (name, row = 'i') => `get${name}(${row})`,
    scalar: name => `get${name}(0)`,
    diagonal: name => `get${name}(i)`,
  } : {
    batch, n, k, flat, vectorShape: [batch, n, k], scalarShape: [batch, 1, k],
    coords: 'ivec3 c = getOutputCoords(); int b = c.x; int i = c.y; int j = c.z;',
    vector: (name, row = 'i') => `get${name}(b, ${row}, j)`,
    scalar: name => `get${name}(b, 0, j)`,
    diagonal: name => `get${name}(b, i, 0)`,
  };
}

/** `t` reshaped to the layout's vector shape (`[.., n, 1]` diagonals to `[n]` or `[B, n, 1]`). */
export function asVector(layout: BlockLayout, t: tf.Tensor, diagonal = false): tf.Tensor {
  const shape = layout.flat ? [layout.n] : diagonal ? [layout.batch, layout.n, 1] : layout.vectorShape;
  return reshapeIfNeeded(t, shape);
}

/** `t` (`[.., 1, k]`) reshaped to the layout's scalar shape. */
export function asScalar(layout: BlockLayout, t: tf.Tensor): tf.Tensor {
  return reshapeIfNeeded(t, layout.scalarShape);
}

/** `t` itself when it has `shape` already (a reshape is a tfjs kernel call even when it moves nothing). */
export function reshapeIfNeeded(t: tf.Tensor, shape: number[]): tf.Tensor {
  return t.shape.length === shape.length && t.shape.every((d, i) => d === shape[i]) ? t : tf.reshape(t, shape);
}
