import * as tf from '@tensorflow/tfjs';
import {BaseOperator, LinearOperator, OperatorTag} from './LinearOperator';
import {SparsePattern} from './SparsePattern';
import {injectiveGather, sparseProduct, valuesGradient} from './sparseProduct';
import {asFloat32} from '../util/validate';
import {LinearSolveError} from '../LinearSolveError';
import {readSparseIndices} from '../validation/sparseIndices';
import {validateSquareShape, validateTags} from '../validation/optionTypes';

/** A sparse n×n matrix: a fixed pattern and differentiable `values` on it. */
export class SparseOperator extends BaseOperator {
  readonly kind = 'sparse';
  readonly shape: [number, number];

  constructor(readonly pattern: SparsePattern, readonly values: tf.Tensor,
      tags: readonly OperatorTag[] = [], private readonly transposed = false) {
    super(tags);
    this.shape = [pattern.n, pattern.n];
  }

  apply(x: tf.Tensor): tf.Tensor {
    return sparseProduct(this.pattern, this.values, x, this.transposed);
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

  /** Σₖ λ[row e, k]·x[col e, k] on the pattern only. */
  parameterGradients(lambda: tf.Tensor, x: tf.Tensor): tf.Tensor[] {
    return [valuesGradient(this.pattern, lambda, x, this.transposed)];
  }

  toDense(): tf.Tensor {
    return tf.tidy(() => {
      const {rowTensor, colTensor, n} = this.pattern;
      const [r, c] = this.transposed ? [colTensor, rowTensor] : [rowTensor, colTensor];
      return tf.scatterND(tf.stack([r, c], 1), this.values, [n, n]);
    });
  }

  /** diag(A), differentiable in `values` on every backend (no scatter, no segment sum). */
  diagonal(): tf.Tensor {
    const {width, slots, inverse} = this.pattern.diagonalSlots();
    return tf.tidy(() => tf.sum(tf.reshape(injectiveGather(this.values, slots, inverse), [this.pattern.n, width]), 1));
  }

  /**
   * Frees the pattern's index tensors now instead of when its `indices` object is
   * garbage-collected; operators sharing the pattern must not be used afterwards.
   */
  dispose(): void {
    forgetPattern(this.pattern);
  }

  /**
   * The same pattern with new values: the cheap way to rebuild A(θ) every training step,
   * since the pattern (and its backend layout) is read and built only once.
   *
   * ```ts
   * const A = ls.sparse({indices, values: initial, shape: [n, n]});
   * const step = () => ls.solve(A.withValues(valuesFrom(theta)), b);
   * ```
   */
  withValues(values: tf.Tensor): SparseOperator {
    const v = asFloat32(values, 'values');
    if (v.rank !== 1 || v.shape[0] !== this.pattern.nnz) {
      throw new LinearSolveError('shape',
        `withValues: values must have shape [${this.pattern.nnz}] like the pattern, got [${v.shape}].`);
    }
    return new SparseOperator(this.pattern, v, this.tags, this.transposed);
  }


}

/** The COO description that `sparse` takes. */
export interface SparseSpec {
  /** `[nnz, 2]` (row, column) pairs: an int32 tensor or a number[][]. */
  indices: tf.Tensor | number[][];
  /** `[nnz]` float32 values; gradients reach them, on the pattern only. */
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
 * ```
 */
export function sparse(spec: SparseSpec): SparseOperator {
  const n = validateSquareShape(spec?.shape, 'sparse');
  const tags = validateTags(spec.tags, 'sparse');
  const pattern = patternOf(spec.indices, n);
  const values = asFloat32(spec.values, 'values');
  if (values.rank !== 1 || values.shape[0] !== pattern.nnz) {
    if (values !== spec.values) values.dispose();
    throw new LinearSolveError('shape',
      `sparse: values must have shape [nnz] = [${pattern.nnz}] to match indices, got [${values.shape}].`);
  }
  return new SparseOperator(pattern, values, tags);
}

/**
 * Patterns by the `indices` object they were read from, so that rebuilding A(θ) from the same
 * indices every step (inside tf.grads, a layer's call, a training loop) reads and lays out the
 * pattern once and allocates nothing more. A pattern's tensors are freed when its indices
 * object is garbage-collected.
 */
const patternCache = new WeakMap<object, Map<number, SparsePattern>>();
const releasePattern = typeof FinalizationRegistry === 'function' ?
  new FinalizationRegistry<SparsePattern[]>(patterns => patterns.forEach(p => p.dispose())) : null;

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
  owners.set(pattern, key);
  releasePattern?.register(key, [pattern]);
  return pattern;
}

/** The indices object each cached pattern was read from, to evict it on dispose. */
const owners = new WeakMap<SparsePattern, object>();

function forgetPattern(pattern: SparsePattern): void {
  const key = owners.get(pattern);
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
