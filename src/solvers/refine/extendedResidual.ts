/**
 * The residual r = b − A(hi + lo) of a double-float solution, computed beyond float32: the
 * step that makes iterative refinement improve on the working precision (Wilkinson 1963;
 * LAPACK's dsgesv computes it in float64, sgesvxx in double-single, Demmel et al. 2006).
 *
 * - 'float64': A, b, hi and lo are read to the host once and r is summed in float64 (cheap
 *   where the data already lives on the host: cpu, wasm, tfjs-node).
 * - 'double-float': in float32 tf ops, each product aᵢⱼ·hiⱼ split exactly by TwoProduct and the
 *   row sums accumulated by pairwise TwoSum (see `doubleFloat`), so GPU backends need no readback
 *   but the norms.
 *
 * Only operators with explicit entries qualify (dense, sparse, diagonal): a matrix-free A is
 * known by its float32 matvec, whose rounding no residual computed from it can undo.
 */
import * as tf from '@tensorflow/tfjs';
import {LinearOperator} from '../../operators/LinearOperator';
import {DenseOperator} from '../../operators/DenseOperator';
import {SparseOperator} from '../../operators/sparse/SparseOperator';
import {DiagonalOperator} from '../../operators/DiagonalOperator';
import {LinearSolveError} from '../../core/LinearSolveError';
import {RefinePrecision} from './RefineOptions';
import * as df from './doubleFloat';

/** r (rounded to float32, canonical shape) and max over columns of ‖r‖₂/‖b‖₂ and of ‖r‖₂, measured in extended precision. */
export interface Residual {
  r: tf.Tensor;
  relative: number;
  absolute: number;
}

/** Computes residuals of one system (A, b) for successive iterates; owns nothing the caller passed. */
export interface ResidualEvaluator {
  residual(hi: tf.Tensor, lo: tf.Tensor): Residual;
  dispose(): void;
}

/** Whether refinement can compute this operator's residual in extended precision. */
export function refinable(operator: LinearOperator): boolean {
  return operator instanceof DenseOperator || operator instanceof SparseOperator ||
    operator instanceof DiagonalOperator;
}

/** The 'option' error for an operator whose residual cannot be computed beyond float32. */
export function notRefinable(operator: LinearOperator): LinearSolveError {
  return new LinearSolveError('option',
    `refine: a ${operator.kind} operator is known only by its float32 product, so b − A x cannot be ` +
    'computed beyond float32 and refinement cannot improve on the solve. Pass A as a tensor, ' +
    'ls.dense or ls.sparse to refine, or drop the refine option.');
}

/** An evaluator for A x = b (b canonical `[n, k]` or `[B, n, k]`). */
export function residualEvaluator(operator: LinearOperator, b: tf.Tensor,
    precision: RefinePrecision): ResidualEvaluator {
  if (!refinable(operator)) throw notRefinable(operator);
  return precision === 'float64' ? hostEvaluator(operator, b) : deviceEvaluator(operator, b);
}

/** A as a float64 matrix-vector product on the host, for one batch member. */
type HostProduct = (x: Float64Array, member: number, k: number) => Float64Array;

function hostProduct(operator: LinearOperator): HostProduct {
  const n = operator.shape[0];
  if (operator instanceof DenseOperator) {
    const a = operator.matrix.dataSync() as Float32Array;
    const t = operator.transposed;
    return (x, member, k) => {
      const y = new Float64Array(n * k);
      const base = member * n * n;
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          const aij = t ? a[base + j * n + i] : a[base + i * n + j];
          if (aij === 0) continue;
          for (let c = 0; c < k; c++) y[i * k + c] += aij * x[j * k + c];
        }
      }
      return y;
    };
  }
  if (operator instanceof SparseOperator) {
    const v = operator.values.dataSync() as Float32Array;
    const {rows, cols, nnz} = operator.pattern;
    const [r, c] = operator.transposed ? [cols, rows] : [rows, cols];
    return (x, member, k) => {
      const y = new Float64Array(n * k);
      const base = member * nnz;
      for (let e = 0; e < nnz; e++) {
        const value = v[base + e];
        for (let col = 0; col < k; col++) y[r[e] * k + col] += value * x[c[e] * k + col];
      }
      return y;
    };
  }
  const d = (operator as DiagonalOperator).values.dataSync() as Float32Array;
  return (x, member, k) => Float64Array.from(x, (xi, idx) => d[member * n + Math.floor(idx / k)] * xi);
}

function hostEvaluator(operator: LinearOperator, b: tf.Tensor): ResidualEvaluator {
  const product = hostProduct(operator);
  const bData = b.dataSync() as Float32Array;
  const k = b.shape[b.rank - 1] as number;
  const n = operator.shape[0];
  const members = b.size / (n * k);
  const bNorms = columnNorms(Float64Array.from(bData), members, n, k);
  return {
    residual(hi, lo) {
      const h = hi.dataSync();
      const l = lo.dataSync();
      const r = new Float64Array(b.size);
      for (let m = 0; m < members; m++) {
        const offset = m * n * k;
        const x = new Float64Array(n * k);
        for (let i = 0; i < n * k; i++) x[i] = h[offset + i] + l[offset + i];
        const ax = product(x, m, k);
        for (let i = 0; i < n * k; i++) r[offset + i] = bData[offset + i] - ax[i];
      }
      const norms = columnNorms(r, members, n, k);
      return {r: tf.tensor(Float32Array.from(r), b.shape), relative: worstRatio(norms, bNorms),
        absolute: norms.reduce((m, v) => (v <= m ? m : v), 0)};
    },
    dispose() {},
  };
}

/** ‖column‖₂ of each member and column, scaled so that neither under- nor overflows. */
function columnNorms(v: Float64Array, members: number, n: number, k: number): Float64Array {
  const out = new Float64Array(members * k);
  for (let m = 0; m < members; m++) {
    for (let c = 0; c < k; c++) {
      let scale = 0;
      for (let i = 0; i < n; i++) scale = Math.max(scale, Math.abs(v[m * n * k + i * k + c]));
      let s = 0;
      if (scale > 0 && Number.isFinite(scale)) {
        for (let i = 0; i < n; i++) s += (v[m * n * k + i * k + c] / scale) ** 2;
      }
      out[m * k + c] = scale > 0 && Number.isFinite(scale) ? scale * Math.sqrt(s) : scale;
    }
  }
  return out;
}

function worstRatio(r: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < r.length; i++) {
    const ratio = b[i] === 0 ? (r[i] === 0 ? 0 : Infinity) : r[i] / b[i];
    if (!(ratio <= worst)) worst = ratio;   // NaN propagates
  }
  return worst;
}

/** Σⱼ aᵢⱼ·hiⱼ as a double-float, in tf ops, for one operator kind. */
type DeviceProduct = (hi: tf.Tensor) => df.DoubleFloat;

function deviceProduct(operator: LinearOperator): {product: DeviceProduct; tensors: tf.Tensor[]} {
  if (operator instanceof DenseOperator) {
    const a = tf.expandDims(operator.toDense(), -1);              // [..., n, n, 1]
    return {product: hi => df.sum(df.twoProduct(a, tf.expandDims(hi, -3)), -2), tensors: [a]};
  }
  if (operator instanceof DiagonalOperator) {
    const d = tf.expandDims(operator.values, -1);
    return {product: hi => df.twoProduct(d, hi), tensors: [d]};
  }
  const sparseOperator = operator as SparseOperator;
  if (sparseOperator.batchSize != null) {
    throw new LinearSolveError('option',
      "refine: precision 'double-float' does not support a batch of sparse matrices; use precision 'float64'.");
  }
  // Rows padded to a common width (ELL): entry slots index values (nnz: a padded zero).
  const {rows, cols, nnz, n} = sparseOperator.pattern;
  const [r, c] = sparseOperator.transposed ? [cols, rows] : [rows, cols];
  const count = new Int32Array(n);
  for (let e = 0; e < nnz; e++) count[r[e]]++;
  const width = Math.max(1, ...count);
  const slot = new Int32Array(n * width).fill(nnz);
  const column = new Int32Array(n * width);
  const fill = new Int32Array(n);
  for (let e = 0; e < nnz; e++) {
    const at = r[e] * width + fill[r[e]]++;
    slot[at] = e;
    column[at] = c[e];
  }
  const values = tf.reshape(tf.gather(tf.concat([sparseOperator.values, tf.zeros([1])]), tf.tensor1d(slot, 'int32')),
    [n, width, 1]);
  const index = tf.tensor1d(column, 'int32');
  return {
    product: hi => {
      const k = hi.shape[1] as number;
      return df.sum(df.twoProduct(values, tf.reshape(tf.gather(hi, index), [n, width, k])), 1);
    },
    tensors: [values, index],
  };
}

function deviceEvaluator(operator: LinearOperator, b: tf.Tensor): ResidualEvaluator {
  if (!exactHere()) {
    throw new LinearSolveError('option',
      `refine: float32 ops on the '${tf.getBackend()}' backend are not exact (a half-float or fused ` +
      "pipeline), so double-float arithmetic cannot work there; use refine precision 'float64'.");
  }
  let made: ReturnType<typeof deviceProduct> | null = null;
  tf.tidy(() => {
    made = deviceProduct(operator);
    made.tensors.forEach(t => tf.keep(t));
  });
  const {product, tensors} = made as unknown as ReturnType<typeof deviceProduct>;
  const bNorm = tf.keep(tf.tidy(() => columnNorm(b)));
  return {
    residual(hi, lo) {
      const [r, relative, absolute] = tf.tidy(() => {
        const s = product(hi);
        const t = df.twoSum(b, tf.neg(s.hi));
        // lo is below float32's resolution of hi, so A·lo in float32 is accurate enough.
        const r = tf.add(t.hi, tf.sub(tf.sub(t.lo, s.lo), operator.apply(lo)));
        const norms = columnNorm(r);
        return [r, tf.max(tf.div(norms, tf.maximum(bNorm, 1e-30))), tf.max(norms)];
      });
      return {r, relative: scalar(relative), absolute: scalar(absolute)};
    },
    dispose() { tf.dispose([...tensors, bNorm]); },
  };
}

function scalar(t: tf.Tensor): number {
  const v = t.dataSync()[0];
  t.dispose();
  return v;
}

/** ‖·‖₂ over the rows axis, scaled by max|·| first (no underflow of tiny residuals). */
function columnNorm(v: tf.Tensor): tf.Tensor {
  const scale = tf.max(tf.abs(v), -2, true);
  const safe = tf.where(tf.greater(scale, 0), scale, tf.onesLike(scale));
  return tf.mul(tf.sqrt(tf.sum(tf.square(tf.div(v, safe)), -2, true)), scale);
}

const exactness = new Map<string, boolean>();

function exactHere(): boolean {
  const name = tf.getBackend();
  if (!exactness.has(name)) exactness.set(name, df.isExactOnBackend());
  return exactness.get(name) as boolean;
}
