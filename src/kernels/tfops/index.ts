/**
 * The tf-ops kernels: formulations that run on any backend (webgl, wasm, webgpu, and every
 * backend for whatever it registers nothing better), and that keep work on the device.
 */
import * as tf from '@tensorflow/tfjs-core';
import {Kernels} from '../Kernels';
import {luFactor} from './luFactor';
import {choleskyFactor} from './choleskyFactor';
import {triangularSolve} from './triangularSolve';
import {ellProduct} from './ellProduct';
import {columnNorm, columnScale, maxAbs, readAll} from './checkKernels';

/** inverse[perm[i]] = i per batch member, read off the one-hot matrix P, plus batch offsets. */
function inverseFlatPermutation(perm: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const [batch, n] = perm.shape as number[];
    const offsets = tf.expandDims(tf.mul(tf.range(0, batch, 1, 'int32'), tf.scalar(n, 'int32')), 1);
    // n = 1: the only permutation is the identity (and oneHot refuses depth 1).
    if (n === 1) return tf.reshape(tf.add(perm, offsets), [batch]);
    // P in float32 from oneHot itself: tfjs-backend-webgpu 4.22 fails to compile (a WGSL type
    // mismatch; zeros returned) the transpose inside an ArgMax over a middle axis of an int32
    // tensor, and of one cast from int32.
    const inverseLocal = tf.cast(tf.argMax(tf.oneHot(perm, n, 1, 0, 'float32'), 1), 'int32');
    return tf.reshape(tf.add(inverseLocal, offsets), [batch * n]);
  });
}

export const tfOpsKernels: Kernels = {
  checkEvery: 5,
  luFactor,
  choleskyFactor,
  triangularSolve,
  inverseFlatPermutation,
  gatherRows: (t, index) => tf.gather(t, index),
  sparseProduct: ellProduct,
  divNoNan: (a, b) => tf.divNoNan(a, b),
  columnNorm,
  maxAbs,
  columnScale,
  readAll,
};

/**
 * GPU backends: a readback drains the queue (checking every CG iteration cost +33% per
 * iteration under SwiftShader, bench/browser), so iterative solvers check every 10th step.
 */
export const gpuKernels: Partial<Kernels> = {checkEvery: 10};
