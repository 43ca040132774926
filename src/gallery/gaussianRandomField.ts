/**
 * Stationary Gaussian random fields on a square node grid by smoothing white noise with a
 * Gaussian kernel (a separable convolution; the FFT-filtered noise of the learned-solver
 * literature computed in real space). Convolving unit white noise with a Gaussian of standard
 * deviation s gives the covariance exp(−r²/(4s²)), so s = ℓ/√2 yields exp(−r²/(2ℓ²)) for a
 * correlation length ℓ. The kernel is normalised so that Σw² = 1 in each direction: the field
 * has unit variance in distribution (not rescaled per sample, so samples stay comparable).
 */
import {normalStream} from './seededRandom';

/**
 * A unit-variance Gaussian field g on a `nodes`×`nodes` grid of spacing h (row-major
 * `[nodes·nodes]`), with covariance E[g(x)g(y)] = exp(−|x − y|²/(2ℓ²)), seeded.
 *
 * The noise is drawn on a grid padded by the kernel's radius, so the field has no boundary
 * artefacts. ℓ below half a grid cell gives plain white noise.
 */
export function gaussianRandomField(nodes: number, h: number, correlationLength: number, seed: number): Float64Array {
  const s = correlationLength / (Math.SQRT2 * h);
  const radius = s < 0.5 ? 0 : Math.ceil(3 * s);
  const w = new Float64Array(2 * radius + 1);
  let sumSquares = 0;
  for (let t = -radius; t <= radius; t++) {
    const v = radius === 0 ? 1 : Math.exp(-(t * t) / (2 * s * s));
    w[t + radius] = v;
    sumSquares += v * v;
  }
  const norm = Math.sqrt(sumSquares);
  for (let t = 0; t < w.length; t++) w[t] /= norm;
  const padded = nodes + 2 * radius;
  const noise = new Float64Array(padded * padded);
  const next = normalStream(seed);
  for (let i = 0; i < noise.length; i++) noise[i] = next();
  // Rows first: [padded rows, nodes columns], then columns: [nodes, nodes].
  const rows = new Float64Array(padded * nodes);
  for (let i = 0; i < padded; i++) {
    for (let j = 0; j < nodes; j++) {
      let sum = 0;
      for (let t = 0; t < w.length; t++) sum += w[t] * noise[i * padded + j + t];
      rows[i * nodes + j] = sum;
    }
  }
  const field = new Float64Array(nodes * nodes);
  for (let i = 0; i < nodes; i++) {
    for (let j = 0; j < nodes; j++) {
      let sum = 0;
      for (let t = 0; t < w.length; t++) sum += w[t] * rows[(i + t) * nodes + j];
      field[i * nodes + j] = sum;
    }
  }
  return field;
}
