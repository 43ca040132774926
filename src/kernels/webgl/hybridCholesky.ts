/**
 * Blocked Cholesky A = L Lᵀ split between the host and the device as MAGMA does (Tomov,
 * Dongarra & Baboulin, Parallel Computing 2010): each panel of columns is read back once; the
 * host factors its diagonal block and solves L₂₁ = A₂₁L₁₁⁻ᵀ in float64; the trailing update
 * A₂₂ −= L₂₁L₂₁ᵀ is one `tf.matMul` on the device, on the whole matrix with zero rows where
 * the factor is done, so every panel has the same shapes (one WebGL compilation each). A
 * non-positive pivot gives NaN from there on, as the tf-ops kernel does, for the solver's
 * pivot check.
 */
import * as tf from '@tensorflow/tfjs-core';
import {PANEL} from './hybridLU';

/** L with A = L Lᵀ for `[B, n, n]` float32, zeros above the diagonal. */
export function hybridCholesky(a: tf.Tensor, panel = PANEL): tf.Tensor {
  const [batch, n] = a.shape as number[];
  const width = Math.min(panel, n);
  const lower = new Float32Array(batch * n * n);
  let m = a;
  for (let k = 0; k < n; k += width) {
    const w = Math.min(width, n - k);
    const start = Math.min(k, n - width);
    const s = tf.slice(m, [0, 0, start], [batch, n, width]);
    const data = s.dataSync() as Float32Array;
    s.dispose();
    const last = k + w === n;
    const l21 = last ? null : new Float32Array(batch * n * width);
    for (let b = 0; b < batch; b++) {
      const l = factorPanel(data.subarray(b * n * width, (b + 1) * n * width), n, width, k, k - start, w);
      for (let r = k; r < n; r++) {
        for (let c = 0; c < w && c <= r - k; c++) lower[(b * n + r) * n + k + c] = l[r * w + c];
        if (l21 != null && r >= k + w) for (let c = 0; c < w; c++) l21[(b * n + r) * width + c] = l[r * w + c];
      }
    }
    if (l21 == null) break;
    const next = tf.tidy(() => {
      const block = tf.tensor3d(l21, [batch, n, width]);
      return tf.sub(m, tf.matMul(block, block, false, true));
    });
    if (m !== a) m.dispose();
    m = next;
  }
  if (m !== a) m.dispose();
  return tf.tensor3d(lower, [batch, n, n]);
}

/**
 * Columns k … k+w of L, rows k … n (`[n, w]`, rows above k left zero), from the panel's
 * columns [from, from + w) of `data` `[n, width]`: Cholesky of the diagonal block, then the
 * rows below by substitution, in float64.
 */
function factorPanel(data: Float32Array, n: number, width: number, k: number, from: number, w: number): Float64Array {
  const l = new Float64Array(n * w);
  for (let r = k; r < n; r++) for (let c = 0; c < w; c++) l[r * w + c] = data[r * width + from + c];
  for (let j = 0; j < w; j++) {
    const jr = (k + j) * w;
    let d = l[jr + j];
    for (let c = 0; c < j; c++) d -= l[jr + c] * l[jr + c];
    // sqrt of a negative is NaN and spreads to every later column: the solver's pivot check sees it.
    const pivot = Math.sqrt(d);
    l[jr + j] = pivot;
    for (let r = k + j + 1; r < n; r++) {
      let s = l[r * w + j];
      for (let c = 0; c < j; c++) s -= l[r * w + c] * l[jr + c];
      l[r * w + j] = s / pivot;
    }
  }
  return l;
}
