/**
 * Cholesky factorisation A = L Lᵀ for symmetric positive definite A (Golub & Van Loan, Matrix
 * Computations, 4th ed., Alg. 4.2.1, outer-product form), then two triangular solves. A is its
 * own transpose, so the backward reuses L as it is.
 *
 * The factorisation and triangular solves are the active backend's kernels (src/kernels):
 * TensorFlow's `Cholesky` on tfjs-node, typed arrays on cpu, the outer-product form elsewhere.
 * A pivot aₖₖ ≤ n·ε·max diag(A) means A is not (numerically) positive definite: 'singular'; so
 * does an A that is not symmetric (the factorisation reads one triangle only).
 */
import * as tf from '@tensorflow/tfjs-core';
import {LinearOperator} from '../../operators/LinearOperator';
import {choleskyFactor, triangularSolve} from '../../kernels';
import {FLOAT32_EPS} from '../../core/float32';
import {Solver, SolverCapabilities, SolverOptions, SolverResult, SolverState} from '../Solver';
import {asBatch, finishDirectSteps, likeInput} from './direct';
import {Readbacks, readSync} from '../../core/readbacks';
import {maxAbs} from '../linalg';
import {symmetric} from './symmetry';

/** The lower factor L `[B, n, n]` and whether every pivot was safely positive. */
class CholeskyState implements SolverState {
  constructor(readonly operator: LinearOperator, readonly tensors: tf.Tensor[]) {}

  get lower() { return this.tensors[0]; }
  get pivotOk() { return this.tensors[1]; }
  get maxAbsA() { return this.tensors[2]; }

  withTensors(tensors: tf.Tensor[], operator: LinearOperator): CholeskyState {
    return new CholeskyState(operator, tensors);
  }
}

/** Dense Cholesky: symmetric positive definite A, batched or not; about half LU's work. */
export class CholeskySolver implements Solver {
  readonly name = 'cholesky';
  readonly iterative = false;
  readonly capabilities: SolverCapabilities = {kind: 'direct', needsTranspose: false, batches: true, needsSPD: true, options: []};

  init(operator: LinearOperator): SolverState {
    const tensors = tf.tidy(() => {
      const a = asBatch(operator.toDense());
      const n = a.shape[1] as number;
      const lower = choleskyFactor(a);
      const diagA = tf.sum(tf.mul(a, tf.eye(n)), -1);
      const diagL = tf.sum(tf.mul(lower, tf.eye(n)), -1);
      // dₖ² is the pivot aₖₖ − Σ lₖⱼ²; NaN (a failed native factorisation) fails the test too.
      const pivotOk = tf.cast(tf.greater(tf.min(tf.square(diagL)),
        tf.mul(tf.max(tf.abs(diagA)), n * FLOAT32_EPS)), 'float32');
      return [lower, tf.mul(pivotOk, symmetric(a)), maxAbs(a)];
    });
    return new CholeskyState(operator, tensors);
  }

  compute(state: SolverState, b: tf.Tensor, options: SolverOptions): SolverResult {
    return readSync(this.computeSteps(state, b, options));
  }

  /** `compute`, pausing at its one readback (the status check). */
  *computeSteps(state: SolverState, b: tf.Tensor, options: SolverOptions): Readbacks<SolverResult> {
    const s = state as CholeskyState;
    const x = tf.tidy(() => {
      const y = triangularSolve(s.lower, asBatch(b), {lower: true});
      return likeInput(triangularSolve(s.lower, y, {lower: false, transposeT: true}), b);
    });
    return yield* finishDirectSteps(s.operator, b, x, s.pivotOk, s.maxAbsA, options.measureResidual ?? true, options);
  }

  transpose(state: SolverState): SolverState {
    return state;
  }
}
