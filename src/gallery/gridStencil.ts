/**
 * Assembly of stencil operators on an m×m grid of unknowns with homogeneous Dirichlet
 * boundary: unknown (i, j) is row i·m + j (i down the rows, the y direction; j along the
 * columns, x), and a neighbour outside the grid contributes nothing.
 */
import {OperatorTag} from '../core/tags';
import {CooMatrix} from './poisson2d';

/** A gallery matrix: COO triplets that `ls.sparse` takes, plus the grid they live on. */
export interface GridMatrix extends CooMatrix {
  /** The grid is m×m; n = m². */
  m: number;
  /** What the matrix is by construction: ['symmetric', 'positiveDefinite'] for diffusion, [] when nonsymmetric. */
  tags: OperatorTag[];
}

/** Neighbour offsets (di, dj) of the 5-point stencil, in ascending column order. */
export const FIVE_POINT: ReadonlyArray<readonly [number, number]> = [[-1, 0], [0, -1], [0, 0], [0, 1], [1, 0]];

/** Neighbour offsets of the 9-point stencil, in ascending column order. */
export const NINE_POINT: ReadonlyArray<readonly [number, number]> =
  [[-1, -1], [-1, 0], [-1, 1], [0, -1], [0, 0], [0, 1], [1, -1], [1, 0], [1, 1]];

/**
 * COO triplets of the stencil `value(i, j, di, dj)` (the coefficient of u(i+di, j+dj) in row
 * (i, j)), listed row by row, columns ascending; entries inside the grid are kept even when
 * zero, so every matrix of a family shares one pattern.
 */
export function assembleStencil(m: number, offsets: ReadonlyArray<readonly [number, number]>,
    value: (i: number, j: number, di: number, dj: number) => number, tags: OperatorTag[]): GridMatrix {
  const n = m * m;
  const indices: number[] = [];
  const values: number[] = [];
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < m; j++) {
      for (const [di, dj] of offsets) {
        const k = i + di;
        const l = j + dj;
        if (k < 0 || k >= m || l < 0 || l >= m) continue;
        indices.push(i * m + j, k * m + l);
        values.push(value(i, j, di, dj));
      }
    }
  }
  return {indices: Int32Array.from(indices), values: Float32Array.from(values), shape: [n, n], m, tags};
}
