/**
 * Dense factorisations, triangular solves and COO products on plain typed arrays, for the cpu backend:
 * there a tensor's data already lives in JavaScript memory, so one read and one write beat
 * thousands of tf ops (the tf-ops elimination runs about 50 kernels per column).
 * Arithmetic is in float64, results are stored as float32. Row-major `[B, n, n]` batches.
 */
import {WasmArena} from '../host/WasmArena';

/**
 * From this n on the elimination runs in WebAssembly. bench/host-engine.ts (dense LU n = 500 on
 * wasm, the whole solve): 43.7 ms with it against 154 ms for the JS loop in the previous
 * committed run and 192 ms for ml-matrix beside it. Below, many tiny systems pay the copies in
 * and out: a one-off timing of `luFactorArrays` with `useWasmKernels` on and off (fastest of 5,
 * bit-identical factors) gave B = 1024, n = 16: 7.8 against 6.6 ms; B = 3, n = 37: 0.3 against
 * 0.4; n = 500: 27 against 194.
 */
const WASM_LU_FROM = 32;

/**
 * P A = L U with partial pivoting, in place on a float64 copy: packed L\U, row indices,
 * pivots. The elimination runs in the host engine's WebAssembly kernel where it can (f64x2
 * row updates, the same operations in the same order, so the same bits), else in the loop below.
 */
export function luFactorArrays(a: Float32Array, batch: number, n: number):
    {packed: Float32Array; perm: Int32Array; pivots: Float32Array} {
  const packed = new Float32Array(a.length);
  const perm = new Int32Array(batch * n);
  const pivots = new Float32Array(batch * n);
  const arena = n >= WASM_LU_FROM ? WasmArena.open(WasmArena.bytes(2 * n * n) + WasmArena.bytes(n) + WasmArena.bytes(2 * n)) : null;
  try {
    const m = arena?.f64(n * n) ?? new Float64Array(n * n);
    const rows = arena?.i32(n) ?? null;
    const us = arena?.f64(n) ?? null;
    for (let b = 0; b < batch; b++) {
      const base = b * n * n;
      for (let i = 0; i < n * n; i++) m[i] = a[base + i];
      const p = perm.subarray(b * n, (b + 1) * n);
      const u = pivots.subarray(b * n, (b + 1) * n);
      if (arena != null && rows != null && us != null) {
        arena.kernels.luFactor(n, m.byteOffset, rows.byteOffset, us.byteOffset);
        p.set(rows);
        u.set(us);
      } else {
        eliminate(m, n, p, u);
      }
      for (let i = 0; i < n * n; i++) packed[base + i] = m[i];
    }
  } finally {
    arena?.close();
  }
  return {packed, perm, pivots};
}

/** Right-looking elimination with partial pivoting on m (row-major n×n), in place. */
function eliminate(m: Float64Array, n: number, p: Int32Array, pivots: Float32Array): void {
  for (let i = 0; i < n; i++) p[i] = i;
  for (let k = 0; k < n; k++) {
    let best = k;
    for (let i = k + 1; i < n; i++) if (Math.abs(m[i * n + k]) > Math.abs(m[best * n + k])) best = i;
    if (best !== k) {
      for (let j = 0; j < n; j++) {
        const t = m[k * n + j]; m[k * n + j] = m[best * n + j]; m[best * n + j] = t;
      }
      const t = p[k]; p[k] = p[best]; p[best] = t;
    }
    const pivot = m[k * n + k];
    pivots[k] = pivot;
    if (pivot === 0) continue;
    for (let i = k + 1; i < n; i++) {
      const l = (m[i * n + k] /= pivot);
      if (l === 0) continue;
      for (let j = k + 1; j < n; j++) m[i * n + j] -= l * m[k * n + j];
    }
  }
}

/** A = L Lᵀ; the lower factor, NaN from the first non-positive pivot on. */
export function choleskyFactorArrays(a: Float32Array, batch: number, n: number): Float32Array {
  const out = new Float32Array(a.length);
  const l = new Float64Array(n * n);
  for (let b = 0; b < batch; b++) {
    const base = b * n * n;
    l.fill(0);
    for (let j = 0; j < n; j++) {
      let d = a[base + j * n + j];
      for (let c = 0; c < j; c++) d -= l[j * n + c] * l[j * n + c];
      const ljj = d > 0 ? Math.sqrt(d) : NaN;
      l[j * n + j] = ljj;
      for (let i = j + 1; i < n; i++) {
        let s = a[base + i * n + j];
        for (let c = 0; c < j; c++) s -= l[i * n + c] * l[j * n + c];
        l[i * n + j] = s / ljj;
      }
    }
    for (let i = 0; i < n * n; i++) out[base + i] = l[i];
  }
  return out;
}

/**
 * Solves M X = R for M = T or Tᵀ triangular (`lower` describes M), reading only M's triangle
 * (so T may be packed) and taking M's diagonal as ones with `unitDiagonal`.
 * `t` `[B, n, n]`, `rhs` `[B, n, k]`.
 */
export function triangularSolveArrays(t: Float32Array, rhs: Float32Array, batch: number, n: number, k: number,
    lower: boolean, transposeT: boolean, unitDiagonal: boolean): Float32Array {
  const out = new Float32Array(rhs.length);
  const x = new Float64Array(n * k);
  for (let b = 0; b < batch; b++) {
    const tb = b * n * n;
    const rb = b * n * k;
    const at = (i: number, j: number) => (transposeT ? t[tb + j * n + i] : t[tb + i * n + j]);
    for (let step = 0; step < n; step++) {
      const i = lower ? step : n - 1 - step;
      for (let c = 0; c < k; c++) {
        let s = rhs[rb + i * k + c];
        if (lower) for (let j = 0; j < i; j++) s -= at(i, j) * x[j * k + c];
        else for (let j = i + 1; j < n; j++) s -= at(i, j) * x[j * k + c];
        x[i * k + c] = unitDiagonal ? s : s / at(i, i);
      }
    }
    for (let i = 0; i < n * k; i++) out[rb + i] = x[i];
  }
  return out;
}

/** Y = A·X (or Aᵀ·X) for COO (rows, cols, values), X row-major `[n, k]`. */
export function cooProduct(rows: Int32Array, cols: Int32Array, values: Float32Array | Int32Array | Uint8Array,
    x: Float32Array | Int32Array | Uint8Array, n: number, k: number, transposed: boolean): Float32Array {
  const y = new Float32Array(n * k);
  const [out, inn] = transposed ? [cols, rows] : [rows, cols];
  if (k === 1) {
    for (let e = 0; e < out.length; e++) y[out[e]] += values[e] * x[inn[e]];
    return y;
  }
  for (let e = 0; e < out.length; e++) {
    const v = values[e];
    const o = out[e] * k;
    const s = inn[e] * k;
    for (let c = 0; c < k; c++) y[o + c] += v * x[s + c];
  }
  return y;
}

/**
 * s = 2^⌊log₂ max|bⱼ|⌋ per column of `[batch, n, k]` values (1 for a column that is all zeros
 * or holds a NaN or ±∞), exactly: the power of two with s ≤ max|bⱼ| < 2s.
 */
export function columnScaleArrays(b: Float32Array, batch: number, n: number, k: number): Float32Array {
  const out = new Float32Array(batch * k);
  for (let m = 0; m < batch; m++) {
    for (let c = 0; c < k; c++) {
      let max = 0;
      for (let i = 0, at = m * n * k + c; i < n; i++, at += k) {
        const a = Math.abs(b[at]);
        // NaN sticks: no later comparison replaces it.
        if (a > max || a !== a) max = a;
      }
      out[m * k + c] = Number.isFinite(max) && max > 0 ? powerOfTwoBelow(max) : 1;
    }
  }
  return out;
}

/** The largest power of two ≤ m, for finite m > 0 (log₂ alone can round across a power). */
function powerOfTwoBelow(m: number): number {
  let p = 2 ** Math.floor(Math.log2(m));
  if (p > m) p /= 2;
  else if (2 * p <= m) p *= 2;
  return p;
}
