/**
 * The cpu backend's kernels: its tensors already live in JavaScript memory, so one read, a
 * typed-array loop in float64 and one write beat thousands of tf ops (tf-ops LU n=500 took
 * ~30 s there; a COO product beats gather + multiply + sum ~30×).
 */
import * as tf from '@tensorflow/tfjs-core';
import {Kernels} from '../Kernels';
import {choleskyFactorArrays, columnScaleArrays, cooProduct, luFactorArrays, triangularSolveArrays} from './typedArrays';

export const cpuKernels: Partial<Kernels> = {
  luFactor(a) {
    const [batch, n] = a.shape as number[];
    const {packed, perm, pivots} = luFactorArrays(a.dataSync() as Float32Array, batch, n);
    const lu = tf.tensor3d(packed, [batch, n, n]);
    return {lower: lu, upper: lu, perm: tf.tensor2d(perm, [batch, n], 'int32'), pivots: tf.tensor2d(pivots, [batch, n])};
  },

  choleskyFactor(a) {
    const [batch, n] = a.shape as number[];
    return tf.tensor3d(choleskyFactorArrays(a.dataSync() as Float32Array, batch, n), [batch, n, n]);
  },

  triangularSolve(t, rhs, {lower, transposeT = false, unitDiagonal = false}) {
    const [batch, n, k] = rhs.shape as number[];
    return tf.tensor3d(triangularSolveArrays(t.dataSync() as Float32Array, rhs.dataSync() as Float32Array,
      batch, n, k, lower, transposeT, unitDiagonal), [batch, n, k]);
  },

  sparseProduct(pattern, values, x, transposed) {
    const k = x.shape[1] as number;
    return tf.tensor2d(cooProduct(pattern.rows, pattern.cols, values.dataSync(), x.dataSync(), pattern.n, k, transposed),
      [pattern.n, k]);
  },

  // Five tf ops with an axis reduction that transposes b cost 7–10 ms at n = 65536 on cpu,
  // the largest part of a 256² CG's per-solve work; one pass over host memory here.
  columnScale(b) {
    const shape = b.shape;
    const [n, k] = shape.slice(-2);
    const batch = shape.slice(0, -2).reduce((a, d) => a * d, 1);
    return tf.tensor(columnScaleArrays(b.dataSync() as Float32Array, batch, n, k), [...shape.slice(0, -2), 1, k]);
  },
};
