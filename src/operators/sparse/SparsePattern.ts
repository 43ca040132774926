import * as tf from '@tensorflow/tfjs-core';
import {CooPattern, backendName} from '../../kernels';

/** Where the diagonal entries sit (see `SparsePattern.diagonalSlots`). */
export interface DiagonalSlots {
  width: number;
  slots: tf.Tensor;
  inverse: tf.Tensor;
}

/** The index tensors one backend uses, each made on first use. */
interface BackendTensors {
  entries?: {rows: tf.Tensor; cols: tf.Tensor};
  diagonal?: DiagonalSlots;
  /** What kernels derived and keep here (`memo`), by key. */
  kernels: Map<string, {value: unknown; tensors: tf.Tensor[]}>;
}

/**
 * A COO sparsity pattern and the index tensors built from it, made on first use and kept per
 * backend: a pattern never used allocates nothing, and one used on several backends (tests,
 * apps that switch) never hands one backend another's tensors (tfjs-node's gather reads
 * index data without moving it across backends).
 */
export class SparsePattern implements CooPattern {
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
      cached = {kernels: new Map()};
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

  /** What a kernel derives from the pattern (a layout, native indices), once per backend and key. */
  memo<T>(key: string, build: () => {value: T; tensors: tf.Tensor[]}): T {
    const cached = this.tensors().kernels;
    let entry = cached.get(key);
    if (entry == null) {
      entry = build();
      entry.tensors.forEach(t => tf.keep(t));
      cached.set(key, entry);
    }
    return entry.value as T;
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
    for (const {entries, diagonal, kernels} of this.byBackend.values()) {
      if (entries) tf.dispose([entries.rows, entries.cols]);
      if (diagonal) tf.dispose([diagonal.slots, diagonal.inverse]);
      for (const {tensors} of kernels.values()) tf.dispose(tensors);
    }
    this.byBackend.clear();
  }
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
