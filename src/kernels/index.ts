/**
 * The kernel seam. Solvers and operators call these functions and never ask which backend is
 * active: each call goes to the active backend's registered kernel, or to the tf-ops one.
 *
 * Built in: tfjs-node ('tensorflow': native TensorFlow ops by name), 'cpu' (typed arrays),
 * 'webgl' and 'webgpu' (tf ops, checking convergence less often), and tf ops for everything
 * else ('wasm' included). Adding a backend is one folder under `kernels/` and one
 * `registerKernels` line below.
 *
 * Where a wrapper here is used on the gradient tape it is a custom op whose gradient is
 * written in these same differentiable functions, so derivatives of every order work on every
 * backend — including kernels, like tfjs-node's ops called by name, that the tape cannot see.
 */
import * as tf from '@tensorflow/tfjs';
import {customOp} from '../core/tape';
import {Triangle} from './Kernels';
import {kernels, registerFallbackKernels, registerKernels} from './registry';
import {gpuKernels, tfOpsKernels} from './tfops';
import {cpuKernels} from './cpu';
import {nodeKernels} from './node';

registerFallbackKernels(tfOpsKernels);
registerKernels('cpu', cpuKernels);
registerKernels('tensorflow', nodeKernels);
registerKernels('webgl', gpuKernels);
registerKernels('webgpu', gpuKernels);

export {kernels, registerKernels, backendName} from './registry';
export type {CooPattern, Kernels, LUFactors, Triangle} from './Kernels';

/**
 * X = M⁻¹R for triangular M (`t` `[B, n, n]`, or `tᵀ` with `transposeT`; `lower` describes M),
 * R `[B, n, k]`. Only M's triangle is read (so `t` may be a packed LU factor); with
 * `unitDiagonal` M's diagonal is taken as ones, and `t` must hold ones there (tfjs-node's
 * kernel reads it).
 *
 * Differentiable: ∂R = M⁻ᵀ∂X (the transposed solve, itself this function) and
 * ∂M = −∂R Xᵀ on M's triangle (strictly below or above it with `unitDiagonal`).
 */
export function triangularSolve(t: tf.Tensor, rhs: tf.Tensor, triangle: Triangle): tf.Tensor {
  return customOp(([tt, r], save) => {
    save([tt, r]);
    const x = kernels().triangularSolve(tt, r, triangle);
    return {
      value: x,
      gradFunc: (dx, [savedT, savedR]) => {
        const {lower, transposeT = false, unitDiagonal = false} = triangle;
        const flipped = {lower: !lower, transposeT: !transposeT, unitDiagonal};
        const dr = triangularSolve(savedT, dx, flipped);
        const xs = triangularSolve(savedT, savedR, triangle);
        const n = savedT.shape[1] as number;
        const mask = triangleMask(n, lower, unitDiagonal);
        const dM = tf.mul(tf.neg(tf.matMul(dr, xs, false, true)), mask);
        return [transposeT ? tf.transpose(dM, [0, 2, 1]) : dM, dr];
      },
    };
  })(t, rhs);
}

/** 1 on the entries of an n×n triangle (strict with `strict`), 0 elsewhere. */
function triangleMask(n: number, lower: boolean, strict: boolean): tf.Tensor {
  const mask = new Float32Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    mask[i * n + j] = (lower ? j < i : j > i) || (!strict && i === j) ? 1 : 0;
  }
  return tf.tensor2d(mask, [n, n]);
}

/**
 * Row i of the result is row `index[i]` of the `[B·n, k]` flattening of `t` `[B, n, k]`, for a
 * permutation `index` with inverse `inverse`. Differentiable: the gradient is the inverse
 * permutation of ∂Y (a gather, not a segment sum).
 */
export function permuteRows(t: tf.Tensor, index: tf.Tensor, inverse: tf.Tensor): tf.Tensor {
  return customOp(([x], save) => {
    save([]);
    const [batch, n, k] = x.shape as number[];
    const value = tf.tidy(() => tf.reshape(kernels().gatherRows(tf.reshape(x, [batch * n, k]), index), [batch, n, k]));
    return {value, gradFunc: dy => [permuteRows(dy, inverse, index)]};
  })(t);
}

/**
 * P A = L U with partial pivoting for `[B, n, n]` (see `Kernels.luFactor`). Runs off the tape:
 * a solve's gradient never differentiates its factorisation (the implicit adjoint solves with
 * the factors instead), so the factors carry none.
 */
export function luFactor(a: tf.Tensor) {
  return kernels().luFactor(a);
}

/** L with A = L Lᵀ for `[B, n, n]`; off the tape, as `luFactor`. */
export function choleskyFactor(a: tf.Tensor): tf.Tensor {
  return kernels().choleskyFactor(a);
}

/** P as `[B·n]` flat row indices (`[B, n]` local ones plus batch offsets) and its inverse. */
export function flatPermutation(perm: tf.Tensor): {forward: tf.Tensor; inverse: tf.Tensor} {
  const [batch, n] = perm.shape as number[];
  const forward = tf.tidy(() => batch === 1 ? tf.reshape(perm, [n]) :
    tf.reshape(tf.add(perm, tf.expandDims(tf.mul(tf.range(0, batch, 1, 'int32'), tf.scalar(n, 'int32')), 1)), [batch * n]));
  return {forward, inverse: kernels().inverseFlatPermutation(perm)};
}

/** a / b, 0 where b = 0, by the active backend's cheapest route; no gradient (off the tape only). */
export function divNoNan(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  return kernels().divNoNan(a, b);
}
