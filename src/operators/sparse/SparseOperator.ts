import * as tf from '@tensorflow/tfjs';
import {BaseOperator, LinearOperator, OperatorTag} from '../LinearOperator';
import {SparsePattern} from './SparsePattern';
import {injectiveGather, sparseProduct, valuesGradient} from './sparseProduct';
import {asFloat32} from '../../core/validate';
import {LinearSolveError} from '../../core/LinearSolveError';
import {readSparseIndices} from './readSparseIndices';
import {validateSquareShape, validateTags} from '../../core/optionTypes';

/**
 * A sparse n×n matrix: a fixed pattern and differentiable `values` on it; or, with values
 * `[B, nnz]`, a batch of B matrices on one pattern, applied to `[B, n, k]` blocks.
 */
export class SparseOperator extends BaseOperator {
  readonly kind = 'sparse';
  readonly shape: [number, number];
  readonly batchSize: number | null;

  constructor(readonly pattern: SparsePattern, readonly values: tf.Tensor,
      tags: readonly OperatorTag[] = [], readonly transposed = false) {
    super(tags);
    this.shape = [pattern.n, pattern.n];
    this.batchSize = values.rank === 2 ? values.shape[0] : null;
  }

  apply(x: tf.Tensor): tf.Tensor {
    if (this.batchSize == null) return sparseProduct(this.pattern, this.values, x, this.transposed);
    const [batch, n, k] = x.shape;
    return tf.tidy(() => tf.reshape(sparseProduct(this.block(), this.flatValues(), tf.reshape(x, [batch * n, k]),
      this.transposed), [batch, n, k]));
  }

  transpose(): LinearOperator {
    if (this.hasTag('symmetric')) return this;
    return new SparseOperator(this.pattern, this.values, this.tags, !this.transposed);
  }

  parameters(): tf.Tensor[] {
    return [this.values];
  }

  withParameters([values]: tf.Tensor[]): LinearOperator {
    return new SparseOperator(this.pattern, values, this.tags, this.transposed);
  }

  /** Σₖ λ[row e, k]·x[col e, k] on the pattern only (per batch member when batched). */
  parameterGradients(lambda: tf.Tensor, x: tf.Tensor): tf.Tensor[] {
    if (this.batchSize == null) return [valuesGradient(this.pattern, lambda, x, this.transposed)];
    const [batch, n, k] = x.shape;
    return [tf.tidy(() => tf.reshape(valuesGradient(this.block(), tf.reshape(lambda, [batch * n, k]),
      tf.reshape(x, [batch * n, k]), this.transposed), [batch, this.pattern.nnz]))];
  }

  toDense(): tf.Tensor {
    return tf.tidy(() => {
      const {rowTensor, colTensor, n} = this.pattern;
      if (this.batchSize == null) {
        const [r, c] = this.transposed ? [colTensor, rowTensor] : [rowTensor, colTensor];
        return tf.scatterND(tf.stack([r, c], 1), this.values, [n, n]);
      }
      // Rows of the block-diagonal pattern, columns within the member: [B·n, n], one scatter.
      const batch = this.batchSize;
      const block = this.block();
      const [r, c] = this.transposed ? [block.colTensor, tf.tile(rowTensor, [batch])] :
        [block.rowTensor, tf.tile(colTensor, [batch])];
      return tf.reshape(tf.scatterND(tf.stack([r, c], 1), this.flatValues(), [batch * n, n]), [batch, n, n]);
    });
  }

  /** diag(A) `[n]` (`[B, n]`), differentiable in `values` on every backend (no scatter, no segment sum). */
  diagonal(): tf.Tensor {
    const pattern = this.batchSize == null ? this.pattern : this.block();
    const {width, slots, inverse} = pattern.diagonalSlots();
    const shape = this.batchSize == null ? [this.pattern.n] : [this.batchSize, this.pattern.n];
    return tf.tidy(() => tf.reshape(tf.sum(tf.reshape(injectiveGather(this.flatValues(), slots, inverse),
      [pattern.n, width]), 1), shape));
  }

  /** The block-diagonal pattern of the batch (see `SparsePattern.blockDiagonal`). */
  private block(): SparsePattern {
    return this.pattern.blockDiagonal(this.batchSize ?? 1);
  }

  /** values as `[B·nnz]`, the block-diagonal pattern's values. */
  private flatValues(): tf.Tensor {
    return this.batchSize == null ? this.values : tf.reshape(this.values, [this.batchSize * this.pattern.nnz]);
  }

  /**
   * Frees the pattern's index tensors now instead of when its `indices` object is
   * garbage-collected; operators sharing the pattern must not be used afterwards.
   */
  dispose(): void {
    forgetPattern(this.pattern);
  }

  /**
   * The same pattern with new values, `[nnz]` or a batch `[B, nnz]`: the cheap way to rebuild
   * A(θ) every training step, since the pattern (and its backend layout) is read and built only once.
   *
   * ```ts
   * const A = ls.sparse({indices, values: initial, shape: [n, n]});
   * const step = () => ls.solve(A.withValues(valuesFrom(theta)), b);
   * ```
   */
  withValues(values: tf.Tensor): SparseOperator {
    const v = asFloat32(values, 'values');
    if (!valuesFit(v, this.pattern.nnz)) {
      throw new LinearSolveError('shape',
        `withValues: values must have shape [${this.pattern.nnz}] or [B, ${this.pattern.nnz}] like the pattern, got [${v.shape}].`);
    }
    return new SparseOperator(this.pattern, v, this.tags, this.transposed);
  }
}

/** Whether values fit a pattern of nnz entries: `[nnz]`, or a batch `[B, nnz]` with B ≥ 1. */
function valuesFit(values: tf.Tensor, nnz: number): boolean {
  return (values.rank === 1 || (values.rank === 2 && values.shape[0] >= 1)) && values.shape[values.rank - 1] === nnz;
}

/** The COO description that `sparse` takes. */
export interface SparseSpec {
  /** `[nnz, 2]` (row, column) pairs: an int32 tensor or a number[][]. */
  indices: tf.Tensor | number[][];
  /**
   * `[nnz]` float32 values, or `[B, nnz]` for a batch of B matrices on the one pattern (solved
   * together like a dense `[B, n, n]`, with b `[B, n]` or `[B, n, k]`); gradients reach them,
   * on the pattern only.
   */
  values: tf.Tensor;
  /** `[n, n]`. */
  shape: [number, number];
  tags?: OperatorTag[];
}

/**
 * A sparse matrix from COO triplets. Duplicated (row, column) pairs are summed.
 *
 * The pattern is read once per `indices` object and laid out for the active backend (padded
 * rows on cpu/wasm/webgl, TensorFlow's sparse kernel on tfjs-node): pass the same `indices`
 * when rebuilding A from new values, and do not mutate it afterwards. `values` stays a tensor, so
 * `∂L/∂values` comes back only on the pattern: `∂values[e] = −λ[row e]·x[col e]`.
 *
 * ```ts
 * const A = ls.sparse({indices: [[0, 0], [1, 1], [0, 1], [1, 0]],
 *                      values: tf.tensor1d([4, 3, 1, 1]), shape: [2, 2]});
 * const x = ls.solve(A, tf.tensor1d([1, 2]), {method: 'cg'});
 * // A batch of 2 matrices on the same pattern: values [2, nnz], b [2, n].
 * const As = ls.sparse({indices: [[0, 0], [1, 1], [0, 1], [1, 0]],
 *                       values: tf.tensor2d([[4, 3, 1, 1], [5, 2, 0, 1]]), shape: [2, 2]});
 * const xs = ls.solve(As, tf.tensor2d([[1, 2], [3, 4]]));
 * ```
 */
export function sparse(spec: SparseSpec): SparseOperator {
  const n = validateSquareShape(spec?.shape, 'sparse');
  const tags = validateTags(spec.tags, 'sparse');
  const pattern = patternOf(spec.indices, n);
  const values = asFloat32(spec.values, 'values');
  if (!valuesFit(values, pattern.nnz)) {
    if (values !== spec.values) values.dispose();
    throw new LinearSolveError('shape',
      `sparse: values must have shape [nnz] = [${pattern.nnz}] (or [B, ${pattern.nnz}] for a batch) to match indices, got [${values.shape}].`);
  }
  return new SparseOperator(pattern, values, tags);
}

/**
 * Patterns by the `indices` object they were read from, so that rebuilding A(θ) from the same
 * indices every step (inside tf.grads, a layer's call, a training loop) reads and lays out the
 * pattern once and allocates nothing more. A pattern's tensors are freed when its indices
 * object is garbage-collected: nothing here holds the indices object strongly (the cache is
 * keyed weakly, and a pattern knows its indices only through a WeakRef), so the registry's
 * callback can run.
 */
const patternCache = new WeakMap<object, Map<number, SparsePattern>>();
const releasePattern = typeof FinalizationRegistry === 'function' ?
  new FinalizationRegistry<SparsePattern>(pattern => pattern.dispose()) : null;

/** The indices object each cached pattern was read from (weakly), to evict it on dispose. */
const owners = new WeakMap<SparsePattern, WeakRef<object>>();

function patternOf(indices: tf.Tensor | number[][], n: number): SparsePattern {
  const key = indices as object;
  let byShape = patternCache.get(key);
  const cached = byShape?.get(n);
  if (cached != null) return cached;
  const pattern = readPattern(indices, n);
  if (byShape == null) {
    byShape = new Map();
    patternCache.set(key, byShape);
  }
  byShape.set(n, pattern);
  if (typeof WeakRef === 'function') owners.set(pattern, new WeakRef(key));
  releasePattern?.register(key, pattern);
  return pattern;
}

function forgetPattern(pattern: SparsePattern): void {
  const key = owners.get(pattern)?.deref();
  if (key != null) patternCache.get(key)?.delete(pattern.n);
  pattern.dispose();
}

function readPattern(indices: tf.Tensor | number[][], n: number): SparsePattern {
  const flat = readIndices(indices, n);
  const nnz = flat.length / 2;
  const rows = new Int32Array(nnz);
  const cols = new Int32Array(nnz);
  for (let e = 0; e < nnz; e++) {
    rows[e] = flat[2 * e];
    cols[e] = flat[2 * e + 1];
    if (!(rows[e] >= 0 && rows[e] < n && cols[e] >= 0 && cols[e] < n)) {
      throw new LinearSolveError('shape',
        `sparse: entry ${e} has index (${rows[e]}, ${cols[e]}), outside the ${n}×${n} shape.`);
    }
  }
  return new SparsePattern(n, rows, cols);
}

function readIndices(indices: tf.Tensor | number[][], n: number): Int32Array {
  return readSparseIndices(indices, n);
}
