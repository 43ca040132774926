/**
 * LU factorisation with partial pivoting, P A = L U (Golub & Van Loan, Matrix Computations,
 * 4th ed., Alg. 3.4.1), and the two triangular solves. The backward of a solve reuses the
 * factors: Aᵀ λ = g is Uᵀ Lᵀ P λ = g, so λ = Pᵀ L⁻ᵀ U⁻ᵀ g — a flag, not a new factorisation.
 *
 * On tfjs-node TensorFlow's `Lu` and `MatrixTriangularSolve` kernels run; on the cpu backend,
 * whose tensors already live in JavaScript memory, typed-array loops; on GPUs and WASM a
 * right-looking elimination in tf ops picks each pivot on the device (argMax), so nothing is
 * read back until the single singularity check at the end.
 */
import * as tf from '@tensorflow/tfjs';
import {LinearOperator} from '../operators/LinearOperator';
import {backendName, nativeOps} from '../util/backend';
import {luFactor} from './typedArrayKernels';
import {Solver, SolverOptions, SolverResult, SolverState} from './Solver';
import {triangularSolve} from './triangularSolve';
import {asBatch, finishDirect, likeInput} from './direct';
import {maxAbs} from './linalg';

const FLOAT32_EPS = 1.1920929e-7;

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

  init(operator: LinearOperator): SolverState {
    // tidy returns plain tensors: walking a state object would walk the operator's arrays too.
    const tensors = tf.tidy(() => {
      const a = asBatch(operator.toDense());
      const n = a.shape[1] as number;
      const {lower, upper, perm, pivots} = factorLU(a);
      const {forward, inverse} = flatPermutation(perm);
      const maxAbsA = maxAbs(a);
      const pivotOk = tf.cast(tf.greater(tf.min(tf.abs(pivots)), tf.mul(maxAbsA, n * FLOAT32_EPS)), 'float32');
      return [lower, upper, forward, inverse, pivotOk, maxAbsA];
    });
    return new LUState(operator, tensors, false);
  }

  compute(state: SolverState, b: tf.Tensor, options: SolverOptions): SolverResult {
    const s = state as LUState;
    const x = tf.tidy(() => {
      const rhs = asBatch(b);
      let y: tf.Tensor;
      if (!s.transposed) {
        y = permuteRows(rhs, s.permutation);
        y = triangularSolve(s.lower, y, {lower: true, unitDiagonal: true});
        y = triangularSolve(s.upper, y, {lower: false});
      } else {
        // Aᵀ = Uᵀ Lᵀ P, so λ = Pᵀ L⁻ᵀ U⁻ᵀ g.
        y = triangularSolve(s.upper, rhs, {lower: true, transposeT: true});
        y = triangularSolve(s.lower, y, {lower: false, transposeT: true, unitDiagonal: true});
        y = permuteRows(y, s.inversePermutation);
      }
      return likeInput(y, b);
    });
    return finishDirect(s.operator, b, x, s.pivotOk, s.maxAbsA, options.measureResidual ?? true, options);
  }

  transpose(state: SolverState): SolverState {
    const s = state as LUState;
    return new LUState(s.operator.transpose(), s.tensors, !s.transposed);
  }
}

/** P A = L U for a batch `[B, n, n]`, with the pivots uₖₖ `[B, n]` and P as row indices `[B, n]`. */
function factorLU(a: tf.Tensor): {lower: tf.Tensor; upper: tf.Tensor; perm: tf.Tensor; pivots: tf.Tensor} {
  const [batch, n] = a.shape as number[];
  const ops = nativeOps();
  if (ops != null) {
    try {
      const {lu, perm} = ops.lu(a);
      // The kernel has no unit-diagonal mode; it reads only the triangle it is told to.
      const lower = ops.setDiagonal(lu, tf.ones([batch, n]));
      return {lower, upper: lu, perm, pivots: ops.diagonalPart(lu)};
    } catch (error) {
      // TensorFlow refuses exactly singular input ("Input is not invertible"): a zero pivot.
      // Anything else (out of memory) is not singularity: let it through as it is.
      if (!/invertible/i.test(String((error as Error)?.message))) throw error;
      const identity = tf.tile(tf.expandDims(tf.range(0, n, 1, 'int32'), 0), [batch, 1]);
      return {lower: tf.zerosLike(a), upper: tf.zerosLike(a), perm: identity, pivots: tf.zeros([batch, n])};
    }
  }
  if (backendName() === 'cpu') {
    const {packed, perm, pivots} = luFactor(a.dataSync() as Float32Array, batch, n);
    const lu = tf.tensor3d(packed, [batch, n, n]);
    return {lower: lu, upper: lu, perm: tf.tensor2d(perm, [batch, n], 'int32'), pivots: tf.tensor2d(pivots, [batch, n])};
  }
  let m = a;
  const rowIndex = tf.range(0, n, 1, 'int32');
  let perm = tf.tile(tf.expandDims(rowIndex, 0), [batch, 1]);
  // Loop invariants, made once rather than in each of the n steps.
  const fixed: Invariants = {
    rowIndex,
    rows: tf.broadcastTo(rowIndex, [batch, n]),
    excluded: tf.fill([batch, n], -1),
    offsets: tf.expandDims(tf.mul(tf.range(0, batch, 1, 'int32'), tf.scalar(n, 'int32')), 1),
  };
  for (let k = 0; k < n; k++) {
    const next = tf.tidy(() => eliminate(m, perm, fixed, k));
    if (m !== a) m.dispose();
    perm.dispose();
    m = next.m;
    perm = next.perm;
  }
  const eye = tf.eye(n);
  return {lower: m, upper: m, perm, pivots: tf.sum(tf.mul(m, eye), -1)};
}

/**
 * P as indices into the `[B·n, …]` flattening of a batch, and its inverse: the permutation
 * is then one gather, not an n×n matrix product.
 */
function flatPermutation(perm: tf.Tensor): {forward: tf.Tensor; inverse: tf.Tensor} {
  const [batch, n] = perm.shape as number[];
  const offsets = tf.expandDims(tf.mul(tf.range(0, batch, 1, 'int32'), tf.scalar(n, 'int32')), 1);
  const forward = batch === 1 ? tf.reshape(perm, [n]) : tf.reshape(tf.add(perm, offsets), [batch * n]);
  const ops = nativeOps();
  if (ops != null) return {forward, inverse: ops.invertPermutation(forward)};
  if (n === 1) return {forward, inverse: tf.clone(forward)};
  // inverse[perm[i]] = i: the row of the one-hot matrix P that holds column j.
  const inverseLocal = tf.cast(tf.argMax(tf.oneHot(perm, n), 1), 'int32');
  return {forward, inverse: tf.reshape(tf.add(inverseLocal, offsets), [batch * n])};
}

/** Row i of the result is row `index[i]` of the flattened `[B·n, k]` batch `t` `[B, n, k]`. */
function permuteRows(t: tf.Tensor, index: tf.Tensor): tf.Tensor {
  const [batch, n, k] = t.shape as number[];
  const flat = tf.reshape(t, [batch * n, k]);
  const ops = nativeOps();
  const gathered = ops != null ? ops.gather(flat, index, tf.scalar(0, 'int32')) : tf.gather(flat, index);
  return tf.reshape(gathered, [batch, n, k]);
}
/** One step of right-looking elimination on column k, with the pivot chosen on the device. */
function eliminate(m: tf.Tensor, perm: tf.Tensor, {rowIndex, rows, excluded, offsets}: Invariants, k: number) {
  const [batch, n] = m.shape as number[];
  // One int32 k and three comparisons serve every mask of the step (each JS number in an op
  // would be a scalar tensor and a cast of its own).
  const kk = tf.scalar(k, 'int32');
  const atK = tf.equal(rowIndex, kk);
  const pastK = tf.cast(tf.greater(rowIndex, kk), 'float32');
  const column = tf.reshape(tf.slice(m, [0, 0, k], [batch, n, 1]), [batch, n]);
  const candidates = tf.where(tf.greaterEqual(rowIndex, kk), tf.abs(column), excluded);
  const p = tf.expandDims(tf.cast(tf.argMax(candidates, 1), 'int32'), 1);             // [B, 1]
  // Rows k and p trade places: one flat index, used for both the matrix and the permutation.
  const swap = tf.where(atK, tf.broadcastTo(p, [batch, n]), tf.where(tf.equal(rows, p), kk, rows));
  const flat = tf.reshape(tf.add(swap, offsets), [batch * n]);
  const swapped = gatherRows(m, flat);
  const pivotRow = tf.slice(swapped, [0, k, 0], [batch, 1, n]);                        // [B, 1, n]
  const pivot = tf.slice(pivotRow, [0, 0, k], [batch, 1, 1]);
  const below = tf.reshape(pastK, [1, n, 1]);
  const columnK = tf.slice(swapped, [0, 0, k], [batch, n, 1]);
  // A zero pivot gives Inf/NaN here; the pivot check after the loop reports it as singular.
  const multipliers = tf.mul(tf.div(columnK, pivot), below);                          // [B, n, 1]
  const eK = tf.reshape(tf.cast(atK, 'float32'), [1, 1, n]);
  const updated = tf.add(
    tf.sub(swapped, tf.mul(multipliers, tf.mul(pivotRow, tf.reshape(pastK, [1, 1, n])))),
    tf.mul(tf.sub(multipliers, tf.mul(columnK, below)), eK));
  return {m: updated, perm: tf.reshape(tf.gather(tf.reshape(perm, [batch * n]), flat), [batch, n])};
}

/** What every elimination step reads: row numbers (`[n]`, `[B, n]`), −1s, batch offsets `[B, 1]`. */
interface Invariants {rowIndex: tf.Tensor; rows: tf.Tensor; excluded: tf.Tensor; offsets: tf.Tensor}

/**
 * Rows of the `[B·n, c]` flattening of `t` (`[B, n, c]`) at the flat indices `index`.
 * One flat gather because tfjs-backend-wasm 4.22 gets `gather` with `batchDims = 1` wrong for B > 1.
 */
function gatherRows(t: tf.Tensor, flat: tf.Tensor): tf.Tensor {
  const [batch, n, c] = t.shape as number[];
  return tf.reshape(tf.gather(tf.reshape(t, [batch * n, c]), flat), [batch, n, c]);
}
