/**
 * Sparse products on WebGL in one pass: one fragment per output entry walks its row's padded
 * slots (the ELL layout of the tf-ops kernel, shared through the pattern's cache), reading the
 * slot's value index and column and accumulating value × x — no intermediate `[n, width]`
 * tensors and no separate reduction (ELLPACK: Kincaid, Oppe & Young, ITPACKV 2D, 1989; Bell &
 * Garland, "Implementing sparse matrix-vector multiplication on throughput-oriented
 * processors", SC 2009). Aᵀ uses the ELL layout of the transposed pattern, built once.
 */
import * as tf from '@tensorflow/tfjs-core';
import {CooPattern} from '../Kernels';
import {ellLayout} from '../tfops/ellProduct';
import {WebglProgram, runProgram} from './webglEngine';

/** Y = A·X (Aᵀ·X when `transposed`) for X `[n, k]`, one program. */
export function ellProgramProduct(pattern: CooPattern, values: tf.Tensor, x: tf.Tensor, transposed: boolean): tf.Tensor {
  const {width, columns, slots} = ellLayout(pattern, transposed);
  const k = x.shape[1] as number;
  if (pattern.nnz === 0 || x.size === 0) return tf.zeros([pattern.n, k]);
  return runProgram(ellProgram(pattern.n, k, width, pattern.nnz), [slots, columns, values, x]);
}

function ellProgram(n: number, k: number, width: number, nnz: number): WebglProgram {
  // Index tensors are int32, stored in float textures: exact below 2²⁴ entries.
  return {
    variableNames: ['S', 'C', 'V', 'X'],
    outputShape: [n, k],
    userCode: `
      void main() {
        ivec2 rc = getOutputCoords();
        int base = rc.x * ${width};
        float acc = 0.0;
        for (int j = 0; j < ${width}; j++) {
          int e = int(getS(base + j) + 0.5);
          if (e < ${nnz}) acc += getV(e) * getX(int(getC(base + j) + 0.5), rc.y);
        }
        setOutput(acc);
      }`,
  };
}
