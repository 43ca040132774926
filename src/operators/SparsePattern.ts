import * as tf from '@tensorflow/tfjs';
import {nativeOps} from '../util/backend';

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

/** A COO sparsity pattern with its ELL layouts for A and Aᵀ, built once. */
export class SparsePattern {
  readonly nnz: number;
  private entries: {rows: tf.Tensor; cols: tf.Tensor} | null = null;
  private layouts: {forward: EllLayout; transposed: EllLayout} | null = null;
  private native: {indices64: tf.Tensor; shape64: tf.Tensor; axis: tf.Tensor} | null = null;
  private diagonal: {width: number; slots: tf.Tensor; inverse: tf.Tensor} | null = null;

  /** Tensors are made on first use, so a pattern that is never used allocates nothing. */
  constructor(readonly n: number, readonly rows: Int32Array, readonly cols: Int32Array) {
    this.nnz = rows.length;
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
    if (this.entries == null) {
      this.entries = {
        rows: tf.keep(tf.tensor1d(this.rows, 'int32')),
        cols: tf.keep(tf.tensor1d(this.cols, 'int32')),
      };
    }
    return this.entries;
  }

  /**
   * Where the diagonal entries sit: `slots` `[n·width]` indexes `values` (or `nnz`, a padded
   * zero) so that diag(A) = Σ over each row's `width` slots; `inverse` `[nnz]` gives each
   * entry's slot (or `n·width`, a padded zero), the map its gradient gathers with.
   */
  diagonalSlots(): {width: number; slots: tf.Tensor; inverse: tf.Tensor} {
    if (this.diagonal == null) {
      const counts = new Int32Array(this.n);
      for (let e = 0; e < this.nnz; e++) if (this.rows[e] === this.cols[e]) counts[this.rows[e]]++;
      let width = 1;
      for (let i = 0; i < this.n; i++) width = Math.max(width, counts[i]);
      const slots = new Int32Array(this.n * width).fill(this.nnz);
      const inverse = new Int32Array(this.nnz).fill(this.n * width);
      const fill = new Int32Array(this.n);
      for (let e = 0; e < this.nnz; e++) {
        const i = this.rows[e];
        if (i !== this.cols[e]) continue;
        const at = i * width + fill[i]++;
        slots[at] = e;
        inverse[e] = at;
      }
      this.diagonal = {width, slots: tf.keep(tf.tensor1d(slots, 'int32')),
        inverse: tf.keep(tf.tensor1d(inverse, 'int32'))};
    }
    return this.diagonal;
  }

  /** The ELL layout of A (`transposed` false) or Aᵀ. */
  ell(transposed: boolean): EllLayout {
    if (this.layouts == null) {
      this.layouts = {
        forward: buildEll(this.n, this.rows, this.cols),
        transposed: buildEll(this.n, this.cols, this.rows),
      };
    }
    return transposed ? this.layouts.transposed : this.layouts.forward;
  }

  /** int64 indices and shape for TensorFlow's native sparse kernel (tfjs-node only). */
  nativeIndices(): {indices64: tf.Tensor; shape64: tf.Tensor; axis: tf.Tensor} | null {
    const ops = nativeOps();
    if (ops == null) return null;
    if (this.native == null) {
      this.native = tf.tidy(() => {
        const pairs = tf.stack([this.rowTensor, this.colTensor], 1);
        return {
          indices64: tf.keep(ops.toInt64(pairs)),
          shape64: tf.keep(ops.toInt64(tf.tensor1d([this.n, this.n], 'int32'))),
          axis: tf.keep(tf.scalar(0, 'int32')),
        };
      });
    }
    return this.native;
  }

  dispose(): void {
    if (this.entries) tf.dispose([this.entries.rows, this.entries.cols]);
    this.entries = null;
    if (this.layouts) {
      const {forward, transposed} = this.layouts;
      tf.dispose([forward.columns, forward.slots, transposed.columns, transposed.slots]);
    }
    if (this.native) tf.dispose([this.native.indices64, this.native.shape64, this.native.axis]);
    if (this.diagonal) tf.dispose([this.diagonal.slots, this.diagonal.inverse]);
    this.diagonal = null;
    this.layouts = null;
    this.native = null;
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
