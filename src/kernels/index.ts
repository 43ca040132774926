/**
 * The kernel seam. Solvers and operators call these functions and never ask which backend is
 * active: each call goes to the active backend's registered kernel, or to the tf-ops one.
 *
 * Built in: tfjs-node ('tensorflow': native TensorFlow ops by name), 'cpu' (typed arrays),
 * 'webgl' and 'webgpu' (tf ops, checking convergence less often), and tf ops for everything
 * else ('wasm' included). Adding a backend is one folder under `kernels/` and one
 * `registerKernels` line below.
 *
 * Off the tape each function calls the kernel bare. On the tape it is a custom op whose
 * gradient is written in these same differentiable functions, so derivatives of every order
 * work on every backend — including kernels, like tfjs-node's ops called by name or the cpu's
 * typed-array loops, that the tape cannot see.
 */
import * as tf from '@tensorflow/tfjs-core';
import {customOp, isRecording} from '../core/tape';
import {Kernels, LUFactors, Triangle} from './Kernels';
import {kernels, registerFallbackKernels, registerKernels} from './registry';
import {gpuKernels, tfOpsKernels} from './tfops';
import {cpuKernels} from './cpu';
import {nodeKernels} from './node';
import {hostEngineEnabled} from './host/hostBackend';
import {webglKernels} from './webgl';

registerFallbackKernels(tfOpsKernels);
// The column scale reads b synchronously, as the host engine does: with the engine off, cpu
// solves that need no readback (fixedIterations, the asynchronous API) must read nothing.
const {columnScale: hostColumnScale, ...cpuAlways} = cpuKernels;
registerKernels('cpu', {...cpuAlways, ...whenHostEngine({columnScale: hostColumnScale}, tfOpsKernels)});
// wasm tensors are readable without a copy, so the typed-array kernels serve wasm too: dense LU
// n = 500 took 38–81 s in per-column tf ops there and 0.5–1.1 s on typed arrays
// (bench/host-engine.ts). `useHostEngine(false)` restores the tf-ops ones for comparisons.
registerKernels('wasm', whenHostEngine(cpuKernels, tfOpsKernels));
registerKernels('tensorflow', nodeKernels);
registerKernels('webgl', {...gpuKernels, ...webglKernels});
registerKernels('webgpu', gpuKernels);

export {kernels, registerKernels, backendName} from './registry';
export type {CooPattern, Kernels, LUFactors, Triangle} from './Kernels';
export type {BiCGStabVectors, CGVectors, FusedKrylov} from './FusedKrylov';

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
  // Off the tape (every solve's forward) the kernel runs bare: no custom op, no saved copies.
  if (!isRecording()) return kernels().triangularSolve(t, rhs, triangle);
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
  if (!isRecording()) return gatherFlatRows(t, index);
  return customOp(([x], save) => {
    // The backward reads the indices: saved, since the caller's may be gone by then.
    save([index, inverse]);
    return {
      value: gatherFlatRows(x, index),
      gradFunc: (dy, [savedIndex, savedInverse]) => [permuteRows(dy, savedInverse, savedIndex)],
    };
  })(t);
}

function gatherFlatRows(t: tf.Tensor, index: tf.Tensor): tf.Tensor {
  const [batch, n, k] = t.shape as number[];
  return tf.tidy(() => tf.reshape(kernels().gatherRows(tf.reshape(t, [batch * n, k]), index), [batch, n, k]));
}

/** Masks of an n×n matrix: strictly lower, upper (with the diagonal), the identity. */
function masks(n: number): {strictLower: tf.Tensor; upper: tf.Tensor; eye: tf.Tensor} {
  return {strictLower: triangleMask(n, true, true), upper: triangleMask(n, false, false), eye: tf.eye(n)};
}

/**
 * P A = L U with partial pivoting for `[B, n, n]` (see `Kernels.luFactor`), differentiable
 * with the pivots held fixed: the packed factor is a custom op with the gradient
 * Ā = Pᵀ L⁻ᵀ (tril₋(Lᵀ L̄) + triu(Ū Uᵀ)) U⁻ᵀ (TensorFlow's LuGrad), written in this seam's
 * differentiable triangular solves and permutations, so every order of derivative works.
 * Solves never need it (the implicit adjoint solves with the factors instead); code that
 * differentiates through a factorisation (log-determinants) does.
 */
export function luFactor(a: tf.Tensor): LUFactors {
  if (!isRecording()) return kernels().luFactor(a);
  const {packed, perm} = packedLU(a);
  const n = a.shape[1] as number;
  return tf.tidy(() => {
    const {strictLower, upper, eye} = masks(n);
    // Ones on L's diagonal, which tfjs-node's triangular solve reads.
    const lower = tf.add(tf.mul(packed, strictLower), eye);
    return {lower, upper: tf.mul(packed, upper), perm, pivots: tf.sum(tf.mul(packed, eye), -1)};
  });
}

/** The packed factor (L strictly below the diagonal, U on and above it) and P's row indices. */
function packedLU(a: tf.Tensor): {packed: tf.Tensor; perm: tf.Tensor} {
  if (!isRecording()) {
    const raw = kernels().luFactor(a);
    if (raw.lower !== raw.upper) raw.lower.dispose();
    raw.pivots.dispose();
    return {packed: raw.upper, perm: raw.perm};
  }
  // The permutation is an integer output without a gradient: it leaves the custom op by closure.
  const held: {perm?: tf.Tensor} = {};
  const packed = customOp(([m], save) => {
    save([m]);
    const raw = kernels().luFactor(m);
    held.perm = tf.keep(raw.perm);
    return {value: raw.upper, gradFunc: (dPacked, [savedA]) => [luGradient(savedA, dPacked)]};
  })(a);
  return {packed, perm: held.perm as tf.Tensor};
}

function luGradient(a: tf.Tensor, dPacked: tf.Tensor): tf.Tensor {
  const {packed, perm} = packedLU(a);
  const n = a.shape[1] as number;
  const {strictLower, upper: upperMask, eye} = masks(n);
  const lower = tf.add(tf.mul(packed, strictLower), eye);
  const upper = tf.mul(packed, upperMask);
  const dL = tf.mul(dPacked, strictLower);
  const dU = tf.mul(dPacked, upperMask);
  const middle = tf.add(tf.mul(tf.matMul(lower, dL, true, false), strictLower),
    tf.mul(tf.matMul(dU, upper, false, true), upperMask));
  // L⁻ᵀ · middle, then · U⁻ᵀ (as (U⁻¹ (L⁻ᵀ middle)ᵀ)ᵀ), then rows back through Pᵀ.
  const y = triangularSolve(lower, middle, {lower: false, transposeT: true, unitDiagonal: true});
  const z = tf.transpose(triangularSolve(upper, tf.transpose(y, [0, 2, 1]), {lower: false}), [0, 2, 1]);
  const {forward, inverse} = flatPermutation(perm);
  perm.dispose();   // kept by packedLU on the tape; its flat forms carry on
  return permuteRows(z, inverse, forward);
}

/**
 * L with A = L Lᵀ for `[B, n, n]` (NaN from the first non-positive pivot on), differentiable:
 * Ā = ½(S + Sᵀ) with S = L⁻ᵀ Φ(Lᵀ L̄) L⁻¹, Φ the lower triangle with its diagonal halved
 * (Murray 2016; TensorFlow's CholeskyGrad), in this seam's differentiable triangular solves.
 */
export function choleskyFactor(a: tf.Tensor): tf.Tensor {
  if (!isRecording()) return kernels().choleskyFactor(a);
  return customOp(([m], save) => {
    save([m]);
    return {value: kernels().choleskyFactor(m), gradFunc: (dL, [savedA]) => [choleskyGradient(savedA, dL)]};
  })(a);
}

function choleskyGradient(a: tf.Tensor, dL: tf.Tensor): tf.Tensor {
  const n = a.shape[1] as number;
  const {strictLower, eye} = masks(n);
  const L = tf.mul(choleskyFactor(a), tf.add(strictLower, eye));
  const product = tf.matMul(L, dL, true, false);
  const phi = tf.add(tf.mul(product, strictLower), tf.mul(tf.mul(product, eye), 0.5));
  // S = L⁻ᵀ Φ L⁻¹ = (L⁻ᵀ (L⁻ᵀ Φ)ᵀ)ᵀ.
  const left = triangularSolve(L, phi, {lower: false, transposeT: true});
  const s = tf.transpose(triangularSolve(L, tf.transpose(left, [0, 2, 1]), {lower: false, transposeT: true}), [0, 2, 1]);
  return tf.mul(tf.add(s, tf.transpose(s, [0, 2, 1])), 0.5);
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

/** Each of `host`'s kernels while the host engine is on, else the `other` one of the same name. */
function whenHostEngine(host: Partial<Kernels>, other: Kernels): Partial<Kernels> {
  const chosen: Record<string, unknown> = {};
  for (const [name, kernel] of Object.entries(host)) {
    const alternative = (other as unknown as Record<string, unknown>)[name];
    chosen[name] = typeof kernel !== 'function' ? kernel :
      (...args: unknown[]) => ((hostEngineEnabled() ? kernel : alternative) as (...a: unknown[]) => unknown)(...args);
  }
  return chosen as Partial<Kernels>;
}
