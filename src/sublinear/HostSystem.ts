/**
 * The host-side (JavaScript, float64) view of a sparse operator that the local methods walk:
 * CSR by row and by column, the diagonal, and the dominance margins.
 *
 * Push and walk methods touch a few rows of A, chosen as they go, so they run on the host over
 * typed arrays rather than as tensor ops. What each part costs, once:
 * - the layout (CSR by row and by column) is built once per sparsity pattern: O(nnz);
 * - the values are read back once per `values` tensor (tfjs tensors are immutable, so a tensor
 *   is a sound cache key): one `dataSync`, zero-copy on the cpu backend, one O(nnz) copy on
 *   tfjs-node, wasm and webgl;
 * - the margins (needed to certify any bound) are one O(nnz) pass per `values` tensor.
 * Every query after that reads only the rows it touches.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as ls from '../coreApi';

/** Row- and column-compressed layouts of one pattern, entry indices kept (for gradients). */
export interface Layout {
  n: number;
  nnz: number;
  /** Row u's off-diagonal entries are slots rowPtr[u] .. rowPtr[u+1]−1. */
  rowPtr: Int32Array;
  rowCol: Int32Array;
  rowEntry: Int32Array;
  /** Column v's off-diagonal entries are slots colPtr[v] .. colPtr[v+1]−1. */
  colPtr: Int32Array;
  colRow: Int32Array;
  colEntry: Int32Array;
  /** Diagonal entries of row u: diagEntry[diagPtr[u] .. diagPtr[u+1]−1] (duplicates summed). */
  diagPtr: Int32Array;
  diagEntry: Int32Array;
  /** The row of each stored entry (the pattern's own array, or its columns for a transposed view). */
  entryRow: Int32Array;
}

/** Diagonal-dominance margins of A (see `dominance`). */
export interface Margins {
  /** β_r = 1 − maxᵢ Σ_{j≠i}|aᵢⱼ| / |aᵢᵢ|. */
  rowMargin: number;
  /** β_c = 1 − maxⱼ Σ_{i≠j}|aᵢⱼ| / |aⱼⱼ|. */
  colMargin: number;
  /** δ_r = minᵢ (|aᵢᵢ| − Σ_{j≠i}|aᵢⱼ|); ‖A⁻¹‖∞ ≤ 1/δ_r when positive (Varah 1975). */
  minDiagonalMargin: number;
  /** δ_c = minⱼ (|aⱼⱼ| − Σ_{i≠j}|aᵢⱼ|); ‖A⁻¹‖₁ ≤ 1/δ_c when positive. */
  minColumnDiagonalMargin: number;
}

/** A with its values on the host. */
export interface HostSystem extends Margins {
  layout: Layout;
  /** The stored values (float32 as stored; arithmetic on them is float64). */
  values: Float32Array | Float64Array | Int32Array | Uint8Array;
  /** diag(A) in float64, duplicates summed. */
  diag: Float64Array;
  /** Σ_{j≠i}|aᵢⱼ| per row and Σ_{i≠j}|aᵢⱼ| per column. */
  rowOff: Float64Array;
  colOff: Float64Array;
  /** For messages: a row and a column where dominance fails worst. */
  worstRow: number;
  worstCol: number;
}

const layouts = new WeakMap<object, Layout>();
const systems = new WeakMap<tf.Tensor, HostSystem>();

/** The host view of `A`, cached per pattern (layout) and per values tensor (values, margins). */
export function hostSystem(A: unknown, caller: string): HostSystem {
  const op = requireSparse(A, caller);
  const cached = systems.get(op.values);
  if (cached != null && cached.layout === layoutOf(op)) return cached;
  const layout = layoutOf(op);
  const system = measure(layout, op.values.dataSync() as Float32Array);
  systems.set(op.values, system);
  return system;
}

function requireSparse(A: unknown, caller: string): ls.SparseOperator {
  if (!(A instanceof ls.SparseOperator)) {
    throw new ls.LinearSolveError('option',
      `${caller}: A must be a sparse operator made with ls.sparse({indices, values, shape}); ` +
      'the local methods read its pattern row by row.');
  }
  if (A.values.isDisposed) {
    throw new ls.LinearSolveError('option', `${caller}: A's values tensor has been disposed.`);
  }
  return A;
}

/**
 * A transposed view (`A.transpose()`) shares its pattern with A; the flag is not public, so it
 * is read here, where it decides which index array holds the rows.
 */
function isTransposed(op: ls.SparseOperator): boolean {
  return Boolean((op as unknown as {transposed?: unknown}).transposed) && !op.hasTag('symmetric');
}

const transposedLayouts = new WeakMap<object, Layout>();

function layoutOf(op: ls.SparseOperator): Layout {
  const transposed = isTransposed(op);
  const cache = transposed ? transposedLayouts : layouts;
  let layout = cache.get(op.pattern);
  if (layout == null) {
    const {n, rows, cols} = op.pattern;
    layout = transposed ? buildLayout(n, cols, rows) : buildLayout(n, rows, cols);
    cache.set(op.pattern, layout);
  }
  return layout;
}

function buildLayout(n: number, rows: Int32Array, cols: Int32Array): Layout {
  const nnz = rows.length;
  const rowPtr = new Int32Array(n + 1);
  const colPtr = new Int32Array(n + 1);
  const diagPtr = new Int32Array(n + 1);
  for (let e = 0; e < nnz; e++) {
    if (rows[e] === cols[e]) diagPtr[rows[e] + 1]++;
    else {
      rowPtr[rows[e] + 1]++;
      colPtr[cols[e] + 1]++;
    }
  }
  for (let i = 0; i < n; i++) {
    rowPtr[i + 1] += rowPtr[i];
    colPtr[i + 1] += colPtr[i];
    diagPtr[i + 1] += diagPtr[i];
  }
  const off = rowPtr[n];
  const rowCol = new Int32Array(off);
  const rowEntry = new Int32Array(off);
  const colRow = new Int32Array(off);
  const colEntry = new Int32Array(off);
  const diagEntry = new Int32Array(diagPtr[n]);
  const rowFill = rowPtr.slice(0, n);
  const colFill = colPtr.slice(0, n);
  const diagFill = diagPtr.slice(0, n);
  for (let e = 0; e < nnz; e++) {
    const r = rows[e];
    const c = cols[e];
    if (r === c) {
      diagEntry[diagFill[r]++] = e;
      continue;
    }
    const at = rowFill[r]++;
    rowCol[at] = c;
    rowEntry[at] = e;
    const ct = colFill[c]++;
    colRow[ct] = r;
    colEntry[ct] = e;
  }
  return {n, nnz, rowPtr, rowCol, rowEntry, colPtr, colRow, colEntry, diagPtr, diagEntry, entryRow: rows};
}

function measure(layout: Layout, values: Float32Array): HostSystem {
  const {n, rowPtr, rowEntry, rowCol, diagPtr, diagEntry} = layout;
  const diag = new Float64Array(n);
  const rowOff = new Float64Array(n);
  const colOff = new Float64Array(n);
  for (let u = 0; u < n; u++) {
    for (let k = diagPtr[u]; k < diagPtr[u + 1]; k++) diag[u] += values[diagEntry[k]];
    for (let k = rowPtr[u]; k < rowPtr[u + 1]; k++) {
      const a = Math.abs(values[rowEntry[k]]);
      rowOff[u] += a;
      colOff[rowCol[k]] += a;
    }
  }
  let rowRatio = 0;
  let colRatio = 0;
  let minRow = Infinity;
  let minCol = Infinity;
  let worstRow = 0;
  let worstCol = 0;
  for (let u = 0; u < n; u++) {
    const d = Math.abs(diag[u]);
    const r = ratio(rowOff[u], d);
    const c = ratio(colOff[u], d);
    if (r > rowRatio) { rowRatio = r; worstRow = u; }
    if (c > colRatio) { colRatio = c; worstCol = u; }
    minRow = Math.min(minRow, d - rowOff[u]);
    minCol = Math.min(minCol, d - colOff[u]);
  }
  for (let e = 0; e < values.length; e++) {
    if (!Number.isFinite(values[e])) {
      throw new ls.LinearSolveError('nonFinite', `A's value ${e} is ${values[e]}; the margins and every bound need finite entries.`);
    }
  }
  return {layout, values, diag, rowOff, colOff, worstRow, worstCol,
    rowMargin: 1 - rowRatio, colMargin: 1 - colRatio, minDiagonalMargin: minRow, minColumnDiagonalMargin: minCol};
}

/** Σ|off| / |diag|, with an empty row over a zero diagonal counted as not dominant. */
function ratio(off: number, d: number): number {
  return d > 0 ? off / d : Infinity;
}
