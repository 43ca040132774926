/**
 * Linear operators on plain typed arrays, for the host Krylov engine: CSR sparse, dense
 * (optionally transposed, optionally batched) and diagonal. They know nothing about tfjs.
 *
 * Blocks are row-major `[n, k]` per batch member, member m at offset m·n·k; every product
 * accumulates in float64 and stores float32, like the float32 tensors it stands in for.
 */

/** y = A_m · x for member m's `[n, k]` block of x (at `xo`) into y (at `yo`). */
export interface HostOperator {
  readonly n: number;
  /** Batch members (1 for an unbatched operator). */
  readonly batch: number;
  apply(m: number, x: Float32Array, xo: number, y: Float32Array, yo: number, k: number): void;
  /** For one column (k = 1): y = A_m·x as `apply` does, returning xᵀy from the same pass. */
  applyDot?(m: number, x: Float32Array, xo: number, y: Float32Array, yo: number): number;
}

/** Compressed sparse rows: row i's entries are `[rowPtr[i], rowPtr[i + 1])`. */
export interface CsrStructure {
  rowPtr: Int32Array;
  col: Int32Array;
  /** The COO entry each CSR slot holds, so values are laid out with one gather. */
  order: Int32Array;
}

/** CSR of the COO pattern (rows, cols); duplicated pairs stay separate slots (they add up). */
export function buildCsr(n: number, rows: Int32Array, cols: Int32Array): CsrStructure {
  const nnz = rows.length;
  const rowPtr = new Int32Array(n + 1);
  for (let e = 0; e < nnz; e++) rowPtr[rows[e] + 1]++;
  for (let i = 0; i < n; i++) rowPtr[i + 1] += rowPtr[i];
  const fill = rowPtr.slice(0, n);
  const col = new Int32Array(nnz);
  const order = new Int32Array(nnz);
  for (let e = 0; e < nnz; e++) {
    const at = fill[rows[e]]++;
    col[at] = cols[e];
    order[at] = e;
  }
  return {rowPtr, col, order};
}

/**
 * A sparse matrix in CSR with its values gathered into slot order on first use (a product by
 * diagonals in wasm reads `cooValues` itself and may never need them); `cooValues` must stay
 * valid while the operator is in use.
 */
export class CsrHost implements HostOperator {
  readonly batch = 1;
  private gathered: Float32Array | null = null;

  constructor(readonly n: number, readonly csr: CsrStructure, readonly cooValues: ArrayLike<number>) {}

  /** The values in CSR slot order. */
  get values(): Float32Array {
    if (this.gathered == null) {
      const {order} = this.csr;
      const v = new Float32Array(order.length);
      for (let j = 0; j < order.length; j++) v[j] = this.cooValues[order[j]];
      this.gathered = v;
    }
    return this.gathered;
  }

  applyDot(_m: number, x: Float32Array, xo: number, y: Float32Array, yo: number): number {
    const {rowPtr, col} = this.csr;
    const v = this.values;
    const n = this.n;
    let dot = 0;
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = rowPtr[i], end = rowPtr[i + 1]; j < end; j++) s += v[j] * x[xo + col[j]];
      y[yo + i] = s;
      // The stored float32 value, as a separate pass would read it.
      dot += x[xo + i] * y[yo + i];
    }
    return dot;
  }

  apply(_m: number, x: Float32Array, xo: number, y: Float32Array, yo: number, k: number): void {
    const {rowPtr, col} = this.csr;
    const v = this.values;
    const n = this.n;
    if (k === 1) {
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let j = rowPtr[i], end = rowPtr[i + 1]; j < end; j++) s += v[j] * x[xo + col[j]];
        y[yo + i] = s;
      }
      return;
    }
    const acc = new Float64Array(k);
    for (let i = 0; i < n; i++) {
      acc.fill(0);
      for (let j = rowPtr[i], end = rowPtr[i + 1]; j < end; j++) {
        const a = v[j];
        const base = xo + col[j] * k;
        for (let c = 0; c < k; c++) acc[c] += a * x[base + c];
      }
      const out = yo + i * k;
      for (let c = 0; c < k; c++) y[out + c] = acc[c];
    }
  }
}

/** Dense `[B, n, n]` row-major matrices (B = `batch`), applied as A or Aᵀ. */
export class DenseHost implements HostOperator {
  private readonly acc: Float64Array;

  constructor(readonly n: number, readonly batch: number, readonly a: Float32Array,
      readonly transposed: boolean) {
    this.acc = new Float64Array(n);
  }

  apply(m: number, x: Float32Array, xo: number, y: Float32Array, yo: number, k: number): void {
    const n = this.n;
    const a = this.a;
    const base = m * n * n;
    if (!this.transposed) {
      for (let i = 0; i < n; i++) {
        const row = base + i * n;
        for (let c = 0; c < k; c++) {
          let s = 0;
          for (let j = 0; j < n; j++) s += a[row + j] * x[xo + j * k + c];
          y[yo + i * k + c] = s;
        }
      }
      return;
    }
    // Aᵀx = Σᵢ xᵢ·(row i of A): row-major reads, one float64 accumulator per output.
    const acc = this.acc;
    for (let c = 0; c < k; c++) {
      acc.fill(0);
      for (let i = 0; i < n; i++) {
        const xi = x[xo + i * k + c];
        const row = base + i * n;
        for (let j = 0; j < n; j++) acc[j] += a[row + j] * xi;
      }
      for (let j = 0; j < n; j++) y[yo + j * k + c] = acc[j];
    }
  }
}

/** diag(d) for d `[B, n]`. */
export class DiagonalHost implements HostOperator {
  constructor(readonly n: number, readonly batch: number, readonly d: Float32Array) {}

  apply(m: number, x: Float32Array, xo: number, y: Float32Array, yo: number, k: number): void {
    const n = this.n;
    const d = this.d;
    for (let i = 0; i < n; i++) {
      const di = d[m * n + i];
      for (let c = 0; c < k; c++) y[yo + i * k + c] = di * x[xo + i * k + c];
    }
  }
}
