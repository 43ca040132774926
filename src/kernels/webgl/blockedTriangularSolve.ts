/**
 * Triangular solves M X = R on the device by blocks, with the diagonal blocks inverted on the
 * host (the inverted-diagonal-block form of GPU trsm: MAGMA's `magma_strsm`; Ries et al.,
 * "Triangular matrix inversion on graphics processing units", SC 2009): M is read back once,
 * each `PANEL`-sized diagonal block inverted in float64, then per block X_j = M_jj⁻¹ R_j and
 * R −= M[:, j]·X_j — two matMuls a block instead of a handful of tf ops a column.
 *
 * The update touches rows already solved too (no masks), which are never read again, so a
 * packed LU factor's other triangle is never used — as in the tf-ops substitution.
 */
import * as tf from '@tensorflow/tfjs-core';
import {Triangle} from '../Kernels';
import {PANEL} from './hybridLU';

/** X = M⁻¹R for `t` `[B, n, n]` (M = t or tᵀ; `lower` describes M), `rhs` `[B, n, k]`. */
export function blockedTriangularSolve(t: tf.Tensor, rhs: tf.Tensor, {lower, transposeT = false, unitDiagonal = false}: Triangle,
    panel = PANEL): tf.Tensor {
  const [batch, n] = t.shape as number[];
  const k = rhs.shape[2] as number;
  const data = t.dataSync() as Float32Array;
  const starts: number[] = [];
  for (let s = 0; s < n; s += panel) starts.push(s);
  if (!lower) starts.reverse();
  const solved: tf.Tensor[] = new Array(starts.length);
  let residual = rhs;
  starts.forEach((s, index) => {
    const w = Math.min(panel, n - s);
    const inverse = tf.tensor3d(invertDiagonalBlock(data, batch, n, s, w, lower, transposeT, unitDiagonal), [batch, w, w]);
    const next = tf.tidy(() => {
      const xj = tf.matMul(inverse, tf.slice(residual, [0, s, 0], [batch, w, k]));
      if (index === starts.length - 1) return {xj, residual};
      // Columns s … s+w of M: of t, or rows of t when M = tᵀ.
      const update = transposeT ? tf.matMul(tf.slice(t, [0, s, 0], [batch, w, n]), xj, true, false) :
        tf.matMul(tf.slice(t, [0, 0, s], [batch, n, w]), xj);
      return {xj, residual: tf.sub(residual, update)};
    });
    inverse.dispose();
    if (residual !== rhs && next.residual !== residual) residual.dispose();
    residual = next.residual;
    solved[lower ? index : starts.length - 1 - index] = next.xj;
  });
  if (residual !== rhs) residual.dispose();
  if (solved.length === 1) return solved[0];
  const x = tf.concat(solved, 1);
  tf.dispose(solved);
  return x;
}

/**
 * M_jj⁻¹ for rows/columns s … s+w of each batch member, by substitution against the identity
 * in float64 (only M's triangle is read; ones on the diagonal with `unitDiagonal`).
 */
function invertDiagonalBlock(data: Float32Array, batch: number, n: number, s: number, w: number, lower: boolean,
    transposeT: boolean, unitDiagonal: boolean): Float32Array {
  const out = new Float32Array(batch * w * w);
  const m = new Float64Array(w * w);
  const y = new Float64Array(w * w);
  for (let b = 0; b < batch; b++) {
    const base = b * n * n;
    for (let i = 0; i < w; i++) {
      for (let j = 0; j < w; j++) {
        const [r, c] = transposeT ? [s + j, s + i] : [s + i, s + j];
        m[i * w + j] = data[base + r * n + c];
      }
    }
    y.fill(0);
    // Column e of the inverse solves M y = e_e; rows in substitution order.
    for (let e = 0; e < w; e++) {
      for (let step = 0; step < w; step++) {
        const i = lower ? step : w - 1 - step;
        let v = i === e ? 1 : 0;
        if (lower) for (let j = 0; j < i; j++) v -= m[i * w + j] * y[j * w + e];
        else for (let j = i + 1; j < w; j++) v -= m[i * w + j] * y[j * w + e];
        y[i * w + e] = unitDiagonal ? v : v / m[i * w + i];
      }
    }
    for (let i = 0; i < w * w; i++) out[b * w * w + i] = y[i];
  }
  return out;
}
