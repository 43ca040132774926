/**
 * Blocked LU with partial pivoting, split between the host and the device as MAGMA does
 * (Tomov, Dongarra & Baboulin, "Towards dense linear algebra for hybrid GPU accelerated
 * manycore systems", Parallel Computing 2010): each panel of `PANEL` columns is read back once
 * and factored on the host in float64 with partial pivoting; the pivot rows' trailing part is
 * read back for U₁₂ = L₁₁⁻¹A₁₂ (host forward substitution); the trailing update
 * A₂₂ −= L₂₁U₁₂ is one `tf.matMul` on the device. Rows never move on the device: the
 * trailing matrix keeps every row in its original place (pivoted rows get zero multipliers),
 * and the permutation is tracked on the host, where the packed factor is assembled in pivot
 * order and uploaded once.
 */
import * as tf from '@tensorflow/tfjs-core';
import {LUFactors} from '../Kernels';

/** Columns per panel: two readbacks and one matMul each (see webgl/index.ts for the measurements). */
export const PANEL = 32;

/**
 * P A = L U for `[B, n, n]` float32 (the packed factor as both `lower` and `upper`, like the
 * tf-ops kernel). Every device operation has the same shapes in every panel (the trailing
 * update runs on the whole n×n matrix with zero rows and columns where the factor is done):
 * WebGL compiles a program per shape, and under SwiftShader a compilation costs more than the
 * arithmetic it saves.
 */
export function hybridLU(a: tf.Tensor, panel = PANEL): LUFactors {
  const [batch, n] = a.shape as number[];
  const width = Math.min(panel, n);
  // factor[b][r][c] for physical row r: its multipliers left of its pivot column, U from there on.
  const factor = new Float64Array(batch * n * n);
  const order = Array.from({length: batch}, () => [] as number[]);
  const active = Array.from({length: batch}, () => new Uint8Array(n).fill(1));
  let m = a;
  for (let k = 0; k < n; k += width) {
    const w = Math.min(width, n - k);
    // The last panel may be narrower: read `width` columns ending at n, use the last w.
    const start = Math.min(k, n - width);
    const panelData = readSlice(m, [0, 0, start], [batch, n, width]);
    const last = k + w === n;
    const multipliers = last ? null : new Float32Array(batch * n * width);
    const pivotRows: number[] = [];
    for (let b = 0; b < batch; b++) {
      const rows = factorPanel(panelData.subarray(b * n * width, (b + 1) * n * width), n, width, k - start, w, active[b]);
      for (const r of rows.all) {
        for (let c = 0; c < w; c++) factor[(b * n + r) * n + k + c] = rows.values[r * width + k - start + c];
      }
      order[b].push(...rows.pivots);
      pivotRows.push(...rows.pivots.map(r => b * n + r), ...new Array(width - w).fill(b * n + rows.pivots[0]));
      if (multipliers != null) {
        for (const r of rows.remaining) for (let c = 0; c < w; c++) multipliers[(b * n + r) * width + c] = rows.values[r * width + k - start + c];
      }
    }
    if (multipliers == null) break;
    const u12 = upperBlock(m, pivotRows, batch, n, width, w, factor, k);
    const next = tf.tidy(() => tf.sub(m, tf.matMul(tf.tensor3d(multipliers, [batch, n, width]), tf.tensor3d(u12, [batch, width, n]))));
    if (m !== a) m.dispose();
    m = next;
  }
  if (m !== a) m.dispose();
  return assemble(factor, order, batch, n);
}

/** The float32 values of a slice of `t`, read back once. */
function readSlice(t: tf.Tensor, begin: number[], size: number[]): Float32Array {
  const s = tf.slice(t, begin, size);
  const data = s.dataSync() as Float32Array;
  s.dispose();
  return data;
}

/**
 * Unblocked right-looking LU with partial pivoting, in float64, of columns [from, from + w) of
 * the panel's active rows (`[n, width]`, physical row order). Marks the pivot rows inactive.
 */
function factorPanel(data: Float32Array, n: number, width: number, from: number, w: number, active: Uint8Array):
    {values: Float64Array; pivots: number[]; remaining: number[]; all: number[]} {
  // Work on the w columns only, [n, w].
  const values = new Float64Array(n * width);
  for (let r = 0; r < n; r++) for (let c = 0; c < w; c++) values[r * width + c] = data[r * width + from + c];
  const all: number[] = [];
  for (let r = 0; r < n; r++) if (active[r]) all.push(r);
  const pivots: number[] = [];
  for (let j = 0; j < w; j++) {
    let p = -1;
    let best = -1;
    for (const r of all) {
      if (!active[r]) continue;
      const v = Math.abs(values[r * width + j]);
      // NaN never wins a comparison: take the first row so a NaN column still gets a pivot.
      if (v > best || p < 0) { best = v; p = r; }
    }
    active[p] = 0;
    pivots.push(p);
    const pivot = values[p * width + j];
    for (const r of all) {
      if (!active[r]) continue;
      const l = values[r * width + j] / pivot;   // a zero pivot gives Inf/NaN: the pivot check reports it
      values[r * width + j] = l;
      for (let c = j + 1; c < w; c++) values[r * width + c] -= l * values[p * width + c];
    }
  }
  // Callers index values as [n, width] starting at column `from`: shift back into place.
  const placed = new Float64Array(n * width);
  for (let r = 0; r < n; r++) for (let c = 0; c < w; c++) placed[r * width + from + c] = values[r * width + c];
  return {values: placed, pivots, remaining: all.filter(r => active[r]), all};
}

/**
 * U₁₂ = L₁₁⁻¹ A₁₂ for the panel's pivot rows: the rows read back in one gather (`width` per
 * batch member, padded with a repeat) and solved on the host with L₁₁ from `factor`, stored
 * there too. Returns `[B, width, n]`, zero left of column k + w and in padding rows.
 */
function upperBlock(m: tf.Tensor, pivotRows: number[], batch: number, n: number, width: number, w: number,
    factor: Float64Array, k: number): Float32Array {
  const rows = tf.tidy(() => tf.gather(tf.reshape(m, [batch * n, n]), tf.tensor1d(pivotRows, 'int32')));
  const data = rows.dataSync() as Float32Array;
  rows.dispose();
  const u = new Float32Array(batch * width * n);
  for (let b = 0; b < batch; b++) {
    for (let j = 0; j < w; j++) {
      const row = pivotRows[b * width + j] - b * n;
      const lRow = (b * n + row) * n + k;
      const target = (b * width + j) * n;
      for (let c = k + w; c < n; c++) {
        let s = data[target + c];
        for (let i = 0; i < j; i++) s -= factor[lRow + i] * factor[(b * n + pivotRows[b * width + i] - b * n) * n + c];
        u[target + c] = s;
        factor[(b * n + row) * n + c] = s;
      }
    }
  }
  return u;
}
/** The packed factor in pivot order, P as row indices, and the pivots, uploaded once. */
function assemble(factor: Float64Array, order: number[][], batch: number, n: number): LUFactors {
  const packed = new Float32Array(batch * n * n);
  const perm = new Int32Array(batch * n);
  const pivots = new Float32Array(batch * n);
  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < n; i++) {
      const r = order[b][i];
      perm[b * n + i] = r;
      const from = (b * n + r) * n;
      for (let c = 0; c < n; c++) packed[(b * n + i) * n + c] = factor[from + c];
      pivots[b * n + i] = packed[(b * n + i) * n + i];
    }
  }
  const lu = tf.tensor3d(packed, [batch, n, n]);
  return {lower: lu, upper: lu, perm: tf.tensor2d(perm, [batch, n], 'int32'), pivots: tf.tensor2d(pivots, [batch, n])};
}
