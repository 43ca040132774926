/**
 * LU factorisation with partial pivoting, P A = L U (Golub & Van Loan, Matrix Computations,
 * 4th ed., Alg. 3.4.1), and the two triangular solves. The backward of a solve reuses the
 * factors: Aᵀ λ = g is Uᵀ Lᵀ P λ = g, so λ = Pᵀ L⁻ᵀ U⁻ᵀ g — a flag, not a new factorisation.
 *
 * The factorisation, triangular solves and row permutations are the active backend's kernels
 * (src/kernels): TensorFlow's `Lu` on tfjs-node, typed arrays on cpu, a right-looking
 * elimination in tf ops elsewhere; nothing is read back until the single singularity check.
 * On tfjs-node off the tape, the whole factor-and-solve and its check are TensorFlow's
 * kernels called by name (kernels/node/nativeLU.ts), the same kernels without tfjs's per-op cost.
 */
import * as tf from '@tensorflow/tfjs-core';
import {LinearOperator} from '../../operators/LinearOperator';
import {flatPermutation, luFactor, permuteRows, triangularSolve} from '../../kernels';
import {FLOAT32_EPS} from '../../core/float32';
import {Solver, SolverCapabilities, SolverOptions, SolverResult, SolverState} from '../Solver';
import {asBatch, finishDirectSteps, likeInput, transposeOrDeferred} from './direct';
import {Readbacks, readSync} from '../../core/readbacks';
import {maxAbs} from '../linalg';
import {nativeDirectOps, nativeLUFactor, nativeLUSolve} from '../../kernels/node/nativeLU';

/**
 * Factors of P A = L U for a batch `[B, n, n]`: `lower` holds L below its unit diagonal,
 * `upper` holds U on and above the diagonal (on tfjs-node both are the one packed matrix,
 * since TensorFlow's triangular solve reads only the triangle it is told to), and P as flat
 * row indices into the `[B·n, k]` right-hand sides, with its inverse for Aᵀ.
 */
class LUState implements SolverState {
  constructor(readonly operator: LinearOperator, readonly tensors: tf.Tensor[],
      readonly transposed: boolean) {}

  get lower() { return this.tensors[0]; }
  get upper() { return this.tensors[1]; }
  /** Row i of P·B is row `permutation[i]` of B (flattened over the batch). */
  get permutation() { return this.tensors[2]; }
  get inversePermutation() { return this.tensors[3]; }
  /** Scalar 1 when every |uₖₖ| > n·ε·max|A|, else 0. */
  get pivotOk() { return this.tensors[4]; }
  get maxAbsA() { return this.tensors[5]; }

  withTensors(tensors: tf.Tensor[], operator: LinearOperator): LUState {
    return new LUState(operator, tensors, this.transposed);
  }
}

/** Dense LU with partial pivoting: any nonsingular A, batched or not. */
export class LUSolver implements Solver {
  readonly name = 'lu';
  readonly iterative = false;
  readonly capabilities: SolverCapabilities = {kind: 'direct', needsTranspose: false, batches: true, needsSPD: false, options: []};

  init(operator: LinearOperator): SolverState {
    // tidy returns plain tensors: walking a state object would walk the operator's arrays too.
    const tensors = tf.tidy(() => {
      const ops = nativeDirectOps();
      const dense = operator.toDense();
      if (ops != null && dense.dtype === 'float32') {
        const n = dense.shape[dense.rank - 1] as number;
        return nativeLUFactor(ops, dense.rank === 2 ? ops.reshape(dense, [1, n, n]) : dense, n * FLOAT32_EPS);
      }
      const a = asBatch(dense);
      const n = a.shape[1] as number;
      const {lower, upper, perm, pivots} = luFactor(a);
      const {forward, inverse} = flatPermutation(perm);
      const maxAbsA = maxAbs(a);
      const pivotOk = tf.cast(tf.greater(tf.min(tf.abs(pivots)), tf.mul(maxAbsA, n * FLOAT32_EPS)), 'float32');
      return [lower, upper, forward, inverse, pivotOk, maxAbsA];
    });
    return new LUState(operator, tensors, false);
  }

  compute(state: SolverState, b: tf.Tensor, options: SolverOptions): SolverResult {
    return readSync(this.computeSteps(state, b, options));
  }

  /** `compute`, pausing at its one readback (the status check). */
  *computeSteps(state: SolverState, b: tf.Tensor, options: SolverOptions): Readbacks<SolverResult> {
    const s = state as LUState;
    const ops = nativeDirectOps();
    const x = ops != null && b.dtype === 'float32' ? nativeLUSolve(ops, s.tensors, b, s.transposed) : tf.tidy(() => {
      const rhs = asBatch(b);
      let y: tf.Tensor;
      if (!s.transposed) {
        y = permuteRows(rhs, s.permutation, s.inversePermutation);
        y = triangularSolve(s.lower, y, {lower: true, unitDiagonal: true});
        y = triangularSolve(s.upper, y, {lower: false});
      } else {
        // Aᵀ = Uᵀ Lᵀ P, so λ = Pᵀ L⁻ᵀ U⁻ᵀ g.
        y = triangularSolve(s.upper, rhs, {lower: true, transposeT: true});
        y = triangularSolve(s.lower, y, {lower: false, transposeT: true, unitDiagonal: true});
        y = permuteRows(y, s.inversePermutation, s.permutation);
      }
      return likeInput(y, b);
    });
    return yield* finishDirectSteps(s.operator, b, x, s.pivotOk, s.maxAbsA, options.measureResidual ?? true, options);
  }

  transpose(state: SolverState): SolverState {
    const s = state as LUState;
    // The factors solve with Aᵀ; the operator's own transpose is needed only if something
    // applies it (a measured residual), so an operator without one (a matrix-free A lacking
    // rmatvec) still gets its gradient.
    return new LUState(transposeOrDeferred(s.operator), s.tensors, !s.transposed);
  }
}
