/**
 * Cholesky factorisation A = L Lᵀ for symmetric positive definite A (Golub & Van Loan, Matrix
 * Computations, 4th ed., Alg. 4.2.1, outer-product form), then two triangular solves. A is its
 * own transpose, so the backward reuses L as it is.
 *
 * On tfjs-node TensorFlow's `Cholesky` kernel runs, on the cpu backend typed-array loops,
 * elsewhere the outer-product form in tf ops.
 * A pivot aₖₖ ≤ n·ε·max diag(A) means A is not (numerically) positive definite: 'singular'; so
 * does an A that is not symmetric (the factorisation reads one triangle only).
 */
import * as tf from '@tensorflow/tfjs';
import {LinearOperator} from '../operators/LinearOperator';
import {backendName, nativeOps} from '../util/backend';
import {choleskyFactor} from './typedArrayKernels';
import {Solver, SolverOptions, SolverResult, SolverState} from './Solver';
import {triangularSolve} from './triangularSolve';
import {asBatch, finishDirect, likeInput} from './direct';
import {maxAbs} from './linalg';
import {symmetric} from './symmetry';

const FLOAT32_EPS = 1.1920929e-7;

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

  init(operator: LinearOperator): SolverState {
    const tensors = tf.tidy(() => {
      const a = asBatch(operator.toDense());
      const n = a.shape[1] as number;
      const lower = factorCholesky(a);
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
    const s = state as CholeskyState;
    const x = tf.tidy(() => {
      const y = triangularSolve(s.lower, asBatch(b), {lower: true});
      return likeInput(triangularSolve(s.lower, y, {lower: false, transposeT: true}), b);
    });
    return finishDirect(s.operator, b, x, s.pivotOk, s.maxAbsA, options.measureResidual ?? true, options);
  }

  transpose(state: SolverState): SolverState {
    return state;
  }
}

/** L with A = L Lᵀ for a batch `[B, n, n]`; NaN on the diagonal where A is not PD. */
function factorCholesky(a: tf.Tensor): tf.Tensor {
  const ops = nativeOps();
  if (ops != null) {
    try {
      return ops.cholesky(a);
    } catch (error) {
      // TensorFlow refuses matrices that are not positive definite; report it as a failed pivot.
      // Anything else (out of memory) is not indefiniteness: let it through as it is.
      if (!/cholesky|positive|invertible/i.test(String((error as Error)?.message))) throw error;
      return tf.fill(a.shape, NaN);
    }
  }
  const [batch, n] = a.shape as number[];
  if (backendName() === 'cpu') return tf.tensor3d(choleskyFactor(a.dataSync() as Float32Array, batch, n), [batch, n, n]);
  const rowIndex = tf.range(0, n, 1, 'int32');
  const columns: tf.Tensor[] = [];
  let m = a;
  for (let k = 0; k < n; k++) {
    const next = tf.tidy(() => {
      const pivot = tf.slice(m, [0, k, k], [batch, 1, 1]);
      // A non-positive pivot gives NaN, which the pivot check catches.
      const d = tf.sqrt(pivot);
      const keep = tf.reshape(tf.cast(tf.greaterEqual(rowIndex, k), 'float32'), [1, n, 1]);
      const column = tf.mul(tf.div(tf.slice(m, [0, 0, k], [batch, n, 1]), d), keep);  // [B, n, 1]
      const rest = tf.sub(m, tf.matMul(column, column, false, true));
      return {column, rest};
    });
    if (m !== a) m.dispose();
    m = next.rest;
    columns.push(next.column);
  }
  if (m !== a) m.dispose();
  rowIndex.dispose();
  const lower = tf.concat(columns, 2);
  tf.dispose(columns);
  return lower;
}
