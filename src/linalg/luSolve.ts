/**
 * x = A⁻¹b from P A = L U: x = U⁻¹ L⁻¹ P b, two triangular solves (Golub & Van Loan, §3.1).
 * Differentiable in b and in the factors: with λ = U⁻ᵀx̄ and μ = L⁻ᵀλ,
 * b̄ = Pᵀμ, Ū = −triu(λxᵀ), L̄ = −tril₋(μyᵀ) where y = L⁻¹Pb.
 */
import * as tf from '@tensorflow/tfjs';
import * as ls from '../index';
import {flatOp, Forward} from './customOp';
import {LinalgOptions, onFailureOf} from './linalgOptions';
import {broadcastBatch, floatInput, Input, squareShape} from './matrixBatch';
import {isRecording} from './recording';
import {diagonalOf, triangleMask} from './masks';
import {permutationMatrix} from './permutation';
import {checkSolve} from './checkSolve';
import {LUDecomposition} from './lu';

/**
 * Solves A X = B with the factors of `ls.linalg.lu(A)`: X = U⁻¹ L⁻¹ P B, differentiable in B and
 * in L and U (so in A, through `lu`).
 *
 * B is `[..., n, k]` (a vector b is `tf.expandDims(b, -1)`); the batch shapes of the factors
 * and of B broadcast. Only L's strict lower triangle (its diagonal is taken as ones) and U's
 * upper triangle are read. A zero on U's diagonal is 'singular' and a result that is not
 * finite 'nonFinite' (`LinearSolveError`), unless `onFailure` says otherwise.
 *
 * ```ts
 * const factors = ls.linalg.lu(A);
 * const x1 = ls.linalg.luSolve(factors, b1);   // each further solve costs two triangular solves
 * const x2 = ls.linalg.luSolve(factors, b2);
 * ```
 */
export function luSolve(factors: LUDecomposition, B: tf.Tensor | tf.TensorLike, options: LinalgOptions = {}): tf.Tensor {
  const onFailure = onFailureOf(options, 'luSolve');
  if (factors == null || typeof factors !== 'object' || !('lower' in factors) || !('upper' in factors) || !('permutation' in factors)) {
    throw new ls.LinearSolveError('option', 'linalg.luSolve: factors must be what ls.linalg.lu returns: {lower, upper, permutation}.');
  }
  const inputs: Input[] = [];
  try {
    const lower = take(inputs, floatInput(factors.lower, 'lower', 'luSolve'));
    const upper = take(inputs, floatInput(factors.upper, 'upper', 'luSolve'));
    const permutation = factors.permutation;
    const b = take(inputs, floatInput(B, 'B', 'luSolve'));
    const {batchShape, n} = squareShape(lower.shape, 'lower', 'luSolve');
    if (!sameShape(upper.shape, lower.shape)) {
      throw new ls.LinearSolveError('shape', `linalg.luSolve: upper has shape [${upper.shape}], lower [${lower.shape}]; they must match.`);
    }
    if (!(permutation instanceof tf.Tensor) || permutation.dtype !== 'int32' || !sameShape(permutation.shape, [...batchShape, n])) {
      throw new ls.LinearSolveError('shape',
        `linalg.luSolve: permutation must be an int32 tensor [${[...batchShape, n]}] (as ls.linalg.lu returns it).`);
    }
    const target = rhsBatch(b.shape, batchShape, n, 'luSolve');
    const k = b.shape[b.rank - 1];
    return flatOp([{tensor: lower, core: 2}, {tensor: upper, core: 2}, {tensor: b, core: 2}, {tensor: permutation, core: 1}],
      target, [...target, n, k], luSolveForward(n, onFailure));
  } finally {
    inputs.forEach(i => { if (i.owned) i.tensor.dispose(); });
  }
}

function take(inputs: Input[], input: Input): tf.Tensor {
  inputs.push(input);
  return input.tensor;
}

function sameShape(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * The batch shape a solve with A `[...batchShape, n, n]` and B runs over: B must be
 * `[..., n, k]` with a batch shape that broadcasts with A's.
 */
export function rhsBatch(bShape: number[], batchShape: number[], n: number, op: string): number[] {
  if (bShape.length < 2 || bShape[bShape.length - 2] !== n) {
    throw new ls.LinearSolveError('shape',
      `linalg.${op}: B must be [..., ${n}, k] for ${n}×${n} matrices, got shape [${bShape}]` +
      (bShape.length === 1 && bShape[0] === n ? '; for a vector b use tf.expandDims(b, -1).' : '.'));
  }
  return broadcastBatch(batchShape, bShape.slice(0, -2), 'the matrix and B', op);
}

/**
 * The solve on `[B, n, n]` factors, `[B, n, k]` right-hand sides and `[B, n]` permutations,
 * checked before anything is saved.
 */
function luSolveForward(n: number, onFailure: ls.OnFailure): Forward {
  return ([l, u, rhs, perm], save) => {
    const p = permutationMatrix(perm);
    const {y, x} = forward(l, u, rhs, p);
    checkSolve([diagonalOf(u)], x, 'luSolve', onFailure);
    save([l, u, rhs, p, y, x]);
    return {
      value: x,
      gradFunc: (dx, [savedL, savedU, savedB, savedP, savedY, savedX]) => {
        // Second order: y and x again, as differentiable functions of the saved inputs.
        const again = isRecording() ? forward(savedL, savedU, savedB, savedP) : {y: savedY, x: savedX};
        const {lower: unitL, upper: maskedU} = triangles(savedL, savedU, n);
        const lambda = ls.kernels.triangularSolve(maskedU, dx, {lower: true, transposeT: true});
        const mu = ls.kernels.triangularSolve(unitL, lambda, {lower: false, transposeT: true, unitDiagonal: true});
        const dB = tf.matMul(savedP, mu, true, false);
        const dU = tf.mul(tf.neg(tf.matMul(lambda, again.x, false, true)), triangleMask(n, 'upper'));
        const dL = tf.mul(tf.neg(tf.matMul(mu, again.y, false, true)), triangleMask(n, 'strictLower'));
        return [dL, dU, dB];
      },
    };
  };
}

/** L with a unit diagonal (tfjs-node's triangular solve reads the diagonal) and U masked to its triangle. */
function triangles(l: tf.Tensor, u: tf.Tensor, n: number): {lower: tf.Tensor; upper: tf.Tensor} {
  return {
    lower: tf.add(tf.mul(l, triangleMask(n, 'strictLower')), tf.eye(n)),
    upper: tf.mul(u, triangleMask(n, 'upper')),
  };
}

function forward(l: tf.Tensor, u: tf.Tensor, b: tf.Tensor, p: tf.Tensor): {y: tf.Tensor; x: tf.Tensor} {
  const n = l.shape[1] as number;
  const {lower, upper} = triangles(l, u, n);
  const y = ls.kernels.triangularSolve(lower, tf.matMul(p, b), {lower: true, unitDiagonal: true});
  return {y, x: ls.kernels.triangularSolve(upper, y, {lower: false})};
}
