import * as tf from '@tensorflow/tfjs';
import {backendName, nativeOps} from '../util/backend';

/**
 * Padded rows (ELL) of a COO pattern: row i's entries sit in slots [i·width, (i+1)·width);
 * a padding slot points at column 0 and at value index `nnz` (a zero appended to `values`).
 * Gather + multiply + sum over padded rows is fast on every backend, unlike segment sums.
 */
export interface EllLayout {
  width: number;
  /** `[n·width]` int32: the column each slot multiplies. */
  columns: tf.Tensor;
  /** `[n·width]` int32: the index into `values` (or `nnz` for padding) of each slot. */
  slots: tf.Tensor;
}

/** Where the diagonal entries sit (see `SparsePattern.diagonalSlots`). */
export interface DiagonalSlots {
  width: number;
  slots: tf.Tensor;
  inverse: tf.Tensor;
}

/** int64 indices and shape for TensorFlow's native sparse kernel. */
export interface NativeIndices {
  indices64: tf.Tensor;
  shape64: tf.Tensor;
  axis: tf.Tensor;
}

/** The index tensors one backend uses, each made on first use. */
interface BackendTensors {
  entries?: {rows: tf.Tensor; cols: tf.Tensor};
  layouts?: {forward: EllLayout; transposed: EllLayout};
  diagonal?: DiagonalSlots;
  native?: NativeIndices;
}

/**
 * A COO sparsity pattern and the index tensors built from it, made on first use and kept per
 * backend: a pattern never used allocates nothing, and one used on several backends (tests,
 * apps that switch) never hands one backend another's tensors (tfjs-node's gather reads
 * index data without moving it across backends).
 */
export class SparsePattern {
  readonly nnz: number;
  private readonly byBackend = new Map<string, BackendTensors>();
  private readonly blocks = new Map<number, SparsePattern>();

  constructor(readonly n: number, readonly rows: Int32Array, readonly cols: Int32Array) {
    this.nnz = rows.length;
  }

  private tensors(): BackendTensors {
    const name = backendName();
    let cached = this.byBackend.get(name);
    if (cached == null) {
      cached = {};
      this.byBackend.set(name, cached);
    }
    return cached;
  }

  /** `[nnz]` int32 row of each entry (for gradients on the pattern). */
  get rowTensor(): tf.Tensor {
    return this.entryTensors().rows;
  }

  /** `[nnz]` int32 column of each entry. */
  get colTensor(): tf.Tensor {
    return this.entryTensors().cols;
  }

  private entryTensors(): {rows: tf.Tensor; cols: tf.Tensor} {
    const cached = this.tensors();
    cached.entries ??= {
      rows: tf.keep(tf.tensor1d(this.rows, 'int32')),
      cols: tf.keep(tf.tensor1d(this.cols, 'int32')),
    };
    return cached.entries;
  }

  /**
   * Where the diagonal entries sit: `slots` `[n·width]` indexes `values` (or `nnz`, a padded
   * zero) so that diag(A) = Σ over each row's `width` slots; `inverse` `[nnz]` gives each
   * entry's slot (or `n·width`, a padded zero), the map its gradient gathers with.
   */
  diagonalSlots(): DiagonalSlots {
    const cached = this.tensors();
    cached.diagonal ??= buildDiagonal(this.n, this.rows, this.cols);
    return cached.diagonal;
  }

  /** The ELL layout of A (`transposed` false) or Aᵀ. */
  ell(transposed: boolean): EllLayout {
    const cached = this.tensors();
    cached.layouts ??= {
      forward: buildEll(this.n, this.rows, this.cols),
      transposed: buildEll(this.n, this.cols, this.rows),
    };
    return transposed ? cached.layouts.transposed : cached.layouts.forward;
  }

  /** int64 indices and shape for TensorFlow's native sparse kernel (tfjs-node only). */
  nativeIndices(): NativeIndices | null {
    const ops = nativeOps();
    if (ops == null) return null;
    const cached = this.tensors();
    cached.native ??= tf.tidy(() => {
      const pairs = tf.stack([this.rowTensor, this.colTensor], 1);
      return {
        indices64: tf.keep(ops.toInt64(pairs)),
        shape64: tf.keep(ops.toInt64(tf.tensor1d([this.n, this.n], 'int32'))),
        axis: tf.keep(tf.scalar(0, 'int32')),
      };
    });
    return cached.native;
  }

  /**
   * The block-diagonal pattern diag(A₁, …, A_B) of `batch` copies, size `batch·n`, entry
   * b·nnz + e at (b·n + row e, b·n + col e): a batch of B matrices on this pattern, values
   * `[B, nnz]` flattened, is one sparse product on `[B·n, k]`, with every backend's kernel and
   * gradient as they are. Made once per batch size and freed with this pattern.
   */
  blockDiagonal(batch: number): SparsePattern {
    if (batch === 1) return this;
    let block = this.blocks.get(batch);
    if (block == null) {
      const rows = new Int32Array(batch * this.nnz);
      const cols = new Int32Array(batch * this.nnz);
      for (let b = 0; b < batch; b++) {
        for (let e = 0; e < this.nnz; e++) {
          rows[b * this.nnz + e] = b * this.n + this.rows[e];
          cols[b * this.nnz + e] = b * this.n + this.cols[e];
        }
      }
      block = new SparsePattern(batch * this.n, rows, cols);
      this.blocks.set(batch, block);
    }
    return block;
  }

  /** Frees every index tensor on every backend; they are rebuilt if the pattern is used again. */
  dispose(): void {
    for (const block of this.blocks.values()) block.dispose();
    this.blocks.clear();
    for (const {entries, layouts, diagonal, native} of this.byBackend.values()) {
      if (entries) tf.dispose([entries.rows, entries.cols]);
      if (layouts) {
        tf.dispose([layouts.forward.columns, layouts.forward.slots, layouts.transposed.columns, layouts.transposed.slots]);
      }
      if (diagonal) tf.dispose([diagonal.slots, diagonal.inverse]);
      if (native) tf.dispose([native.indices64, native.shape64, native.axis]);
    }
    this.byBackend.clear();
  }
}

function buildEll(n: number, rows: Int32Array, cols: Int32Array): EllLayout {
  const counts = new Int32Array(n);
  for (let e = 0; e < rows.length; e++) counts[rows[e]]++;
  let width = 1;
  for (let i = 0; i < n; i++) width = Math.max(width, counts[i]);
  const columns = new Int32Array(n * width);
  const slots = new Int32Array(n * width).fill(rows.length);
  const fill = new Int32Array(n);
  for (let e = 0; e < rows.length; e++) {
    const at = rows[e] * width + fill[rows[e]]++;
    columns[at] = cols[e];
    slots[at] = e;
  }
  return {
    width,
    columns: tf.keep(tf.tensor1d(columns, 'int32')),
    slots: tf.keep(tf.tensor1d(slots, 'int32')),
  };
}

function buildDiagonal(n: number, rows: Int32Array, cols: Int32Array): DiagonalSlots {
  const nnz = rows.length;
  const counts = new Int32Array(n);
  for (let e = 0; e < nnz; e++) if (rows[e] === cols[e]) counts[rows[e]]++;
  let width = 1;
  for (let i = 0; i < n; i++) width = Math.max(width, counts[i]);
  const slots = new Int32Array(n * width).fill(nnz);
  const inverse = new Int32Array(nnz).fill(n * width);
  const fill = new Int32Array(n);
  for (let e = 0; e < nnz; e++) {
    const i = rows[e];
    if (i !== cols[e]) continue;
    const at = i * width + fill[i]++;
    slots[at] = e;
    inverse[e] = at;
  }
  return {width, slots: tf.keep(tf.tensor1d(slots, 'int32')), inverse: tf.keep(tf.tensor1d(inverse, 'int32'))};
}
