/**
 * The neurally accelerated solver in float64 plain JavaScript, written from the layer's
 * documented maths (not its code), for one system: the reference its forward values and its
 * gradients (by central finite differences, which float64 makes accurate) are judged against.
 */

/** The layer's weights in `getWeights()` order, as float64 arrays, with H known. */
export interface GnnWeights64 {
  h: number;
  /** input/kernel [4·H], input/bias [H], then per step self [H·H], neighbour [H·H], bias [H], then output/kernel [H], output/bias [1]. */
  arrays: Float64Array[];
}

const relu = (v: number) => (v > 0 ? v : 0);

/** y = A x on COO, float64. */
function apply(indices: number[][], values: ArrayLike<number>, x: Float64Array): Float64Array {
  const y = new Float64Array(x.length);
  indices.forEach(([i, j], e) => { y[i] += values[e] * x[j]; });
  return y;
}

const dot = (a: Float64Array, b: Float64Array) => a.reduce((s, v, i) => s + v * b[i], 0);

function unitRms(v: Float64Array): Float64Array {
  const ms = dot(v, v) / v.length;
  return ms > 0 ? v.map(x => x / Math.sqrt(ms)) : new Float64Array(v.length);
}

/** out[i, :] = Σ_f in[i, f]·W[f, :] for node-major [n·F] features. */
function project(features: Float64Array, f: number, w: Float64Array, h: number): Float64Array {
  const n = features.length / f;
  const out = new Float64Array(n * h);
  for (let i = 0; i < n; i++) for (let a = 0; a < f; a++) for (let c = 0; c < h; c++) out[i * h + c] += features[i * f + a] * w[a * h + c];
  return out;
}

/** The direction z for one system (the layer's documented network). */
function direction(indices: number[][], values: ArrayLike<number>, b: Float64Array, x: Float64Array, r: Float64Array,
    weights: GnnWeights64): Float64Array {
  const n = b.length;
  const {h, arrays} = weights;
  const diag = new Float64Array(n);
  indices.forEach(([i, j], e) => { if (i === j) diag[i] += values[e]; });
  const inv = diag.map(d => (d !== 0 ? 1 / d : 1));
  const meanAbs = inv.reduce((s, v) => s + Math.abs(1 / v), 0) / n;
  const scaledInverse = inv.map(v => v * meanAbs);
  const [xh, rh, bh] = [unitRms(x), unitRms(r), unitRms(b)];
  const features = new Float64Array(n * 4);
  for (let i = 0; i < n; i++) features.set([xh[i], rh[i], bh[i], 1 / scaledInverse[i]], 4 * i);
  let state = project(features, 4, arrays[0], h).map((v, k) => relu(v + arrays[1][k % h]));
  const steps = (arrays.length - 4) / 3;
  for (let s = 0; s < steps; s++) {
    const [self, neighbour, bias] = arrays.slice(2 + 3 * s, 5 + 3 * s);
    // A·H column by column, rows scaled by 1/diag.
    const aggregated = new Float64Array(n * h);
    indices.forEach(([i, j], e) => { for (let c = 0; c < h; c++) aggregated[i * h + c] += values[e] * state[j * h + c]; });
    for (let i = 0; i < n; i++) for (let c = 0; c < h; c++) aggregated[i * h + c] *= inv[i];
    const a = project(state, h, self, h);
    const m = project(aggregated, h, neighbour, h);
    state = a.map((v, k) => relu(v + m[k] + bias[k % h]));
  }
  const outKernel = arrays[arrays.length - 2];
  const outBias = arrays[arrays.length - 1][0];
  const correction = project(state, h, outKernel, 1);
  return Float64Array.from({length: n}, (_, i) => scaledInverse[i] * (rh[i] + correction[i] + outBias));
}

/**
 * k iterations from x = 0 for A tagged SPD (energy line search):
 * 'descent' d = z; 'flexible' d = z − (zᵀAd₋/d₋ᵀAd₋)d₋; α = rᵀd/dᵀAd. Returns every iterate
 * x₀ … x_k. `directionOf` overrides the network (e.g. with a fixed preconditioner).
 */
export function gnnIterates64(indices: number[][], values: ArrayLike<number>, b: Float64Array, weights: GnnWeights64 | null,
    k: number, mode: 'descent' | 'flexible',
    directionOf?: (x: Float64Array, r: Float64Array) => Float64Array): Float64Array[] {
  const n = b.length;
  let x = new Float64Array(n);
  let r = Float64Array.from(b);
  let d: Float64Array | null = null;
  let ad: Float64Array | null = null;
  const out = [x];
  const floor = dot(b, b) * 1.1920929e-7 ** 2;
  for (let it = 0; it < k; it++) {
    let z = directionOf != null ? directionOf(x, r) : direction(indices, values, b, x, r, weights as GnnWeights64);
    let az = apply(indices, values, z);
    if (mode === 'flexible' && d != null && ad != null) {
      const den = dot(d, ad);
      const beta = den > 0 ? dot(az, d) / den : 0;
      const dPrev = d;
      const adPrev = ad;
      z = z.map((v, i) => v - beta * dPrev[i]);
      az = az.map((v, i) => v - beta * adPrev[i]);
    }
    d = z;
    ad = az;
    const den = dot(d, ad);
    const alpha = dot(r, r) > floor && den > 0 ? dot(r, d) / den : 0;
    const dd = d;
    const add = ad;
    x = x.map((v, i) => v + alpha * dd[i]);
    r = r.map((v, i) => v - alpha * add[i]);
    out.push(x);
  }
  return out;
}

/** ‖x − x*‖_A. */
export function energyError(indices: number[][], values: ArrayLike<number>, x: Float64Array, exact: Float64Array): number {
  const e = x.map((v, i) => v - exact[i]);
  return Math.sqrt(Math.max(0, dot(e, apply(indices, values, e))));
}
