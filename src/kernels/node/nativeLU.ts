/**
 * Dense LU on tfjs-node in TensorFlow's kernels called by name: the factorisation (`Lu`, with
 * P A = L U by partial pivoting; Golub & Van Loan, Matrix Computations, 4th ed., Alg. 3.4.1),
 * the pivot check and max|A| around it, and the permuted pair of triangular solves, with the
 * solvers' own formulas kernel for kernel (so the same values to the bit) but without tfjs's
 * ~70 µs per op: a reshape alone cost as much as a 500² triangular solve.
 *
 * Nothing here knows about operators or solve options: `solvers/direct/LUSolver.ts` calls it
 * off the tape on tfjs-node, and the tf-ops path everywhere else.
 */
import * as tf from '@tensorflow/tfjs-core';
import {NativeOps, nativeOps} from './NativeOps';
import {nodeKernels} from './index';
import {isRecording} from '../../core/tape';

let enabled = true;
let factorizations = 0;
let solves = 0;

/** Factorisations and solves that ran here since the process started (tests check the route). */
export function nativeLURuns(): {factorizations: number; solves: number} {
  return {factorizations, solves};
}

/**
 * Whether direct solves on tfjs-node run here (the default) or on the tf-ops path, returning
 * the previous setting; the tf-ops path is the reference that tests and benchmarks compare with.
 */
export function useNativeLU(on: boolean): boolean {
  const previous = enabled;
  enabled = on;
  return previous;
}

/**
 * TensorFlow's kernels by name for a direct solve: on tfjs-node, off the tape, with
 * `useNativeLU` on; else null (a taped solve, the unrolled adjoint, needs differentiable ops).
 */
export function nativeDirectOps(): NativeOps | null {
  return !enabled || isRecording() ? null : nativeOps();
}

/**
 * The factors of `a` `[B, n, n]` as `LUSolver` keeps them: `[lower, upper, permutation,
 * inversePermutation, pivotOk, maxAbsA]`, P as flat row indices into the `[B·n, k]` right-hand
 * sides, pivotOk `[1]` = 1 when every |uₖₖ| > n·ε·max|A| (`pivotFloor` = n·ε), else 0, and
 * max|A| `[1]`.
 */
export function nativeLUFactor(ops: NativeOps, a: tf.Tensor, pivotFloor: number): tf.Tensor[] {
  const [batch, n] = a.shape as number[];
  const made: tf.Tensor[] = [];
  const temp = (t: tf.Tensor) => { made.push(t); return t; };
  factorizations++;
  try {
    const {lower, upper, perm, pivots} = nodeKernels.luFactor!(a);
    made.push(perm, pivots);
    const forward = batch === 1 ? ops.reshape(perm, [n]) : flatIndices(ops, perm, temp);
    const inverse = ops.invertPermutation(forward);
    // max|A| and the pivot check as [1] (not scalars), so that a readback joins them to the
    // column norms without reshapes.
    const first = temp(tf.tensor1d([0], 'int32'));
    const maxAbsA = ops.max(temp(ops.abs(temp(ops.reshape(a, [-1])))), first, true);
    const all = temp(tf.tensor1d(pivots.shape.map((_, i) => i), 'int32'));
    const smallest = temp(ops.min(temp(ops.abs(pivots)), all, false));
    const floor = temp(ops.mul(maxAbsA, temp(tf.scalar(pivotFloor))));
    const pivotOk = ops.boolToFloat(temp(ops.greater(smallest, floor)));
    return [lower, upper, forward, inverse, pivotOk, maxAbsA];
  } finally {
    tf.dispose(made);
  }
}

/** `[B, n]` local row indices plus batch offsets, flattened to `[B·n]`. */
function flatIndices(ops: NativeOps, perm: tf.Tensor, temp: (t: tf.Tensor) => tf.Tensor): tf.Tensor {
  const [batch, n] = perm.shape as number[];
  const offsets = temp(tf.tensor2d(Int32Array.from({length: batch}, (_, i) => i * n), [batch, 1], 'int32'));
  const shifted = temp(ops.addInt(perm, offsets));
  return ops.reshape(shifted, [batch * n]);
}

/**
 * x = A⁻¹ rhs (or A⁻ᵀ rhs with `transposed`) from the factors of `nativeLUFactor`, for `rhs`
 * `[n, k]` or `[B, n, k]`, shaped like `rhs`: U⁻¹ L⁻¹ P rhs, or Pᵀ L⁻ᵀ U⁻ᵀ rhs since Aᵀ = Uᵀ Lᵀ P.
 */
export function nativeLUSolve(ops: NativeOps, factors: tf.Tensor[], rhs: tf.Tensor, transposed: boolean): tf.Tensor {
  const [lower, upper, permutation, inversePermutation] = factors;
  const batch = lower.shape[0] as number;
  const n = lower.shape[1] as number;
  const k = rhs.shape[rhs.rank - 1] as number;
  const made: tf.Tensor[] = [];
  const temp = (t: tf.Tensor) => { made.push(t); return t; };
  solves++;
  // Row i of P·R is row index[i] of R's [B·n, k] flattening.
  const permute = (r: tf.Tensor, index: tf.Tensor) =>
    ops.reshape(temp(ops.gatherAxis(temp(ops.reshape(r, [batch * n, k])), index, 0)), [batch, n, k]);
  try {
    const r = temp(rhs.rank === 2 ? ops.reshape(rhs, [1, n, k]) : rhs);
    let x: tf.Tensor;
    if (!transposed) {
      const y = temp(ops.triangularSolve(lower, temp(permute(r, permutation)), true, false));
      x = temp(ops.triangularSolve(upper, y, false, false));
    } else {
      const y = temp(ops.triangularSolve(upper, r, false, true));
      x = temp(permute(temp(ops.triangularSolve(lower, y, true, true)), inversePermutation));
    }
    if (rhs.rank === 3) {
      made.splice(made.indexOf(x), 1);
      return x;
    }
    return ops.reshape(x, rhs.shape);
  } finally {
    tf.dispose(made.filter(t => t !== rhs));
  }
}
