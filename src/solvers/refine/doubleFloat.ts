/**
 * Double-float arithmetic in float32 tf ops: a value is an unevaluated sum hi + lo of two
 * float32 tensors (about 48 significant bits), built from error-free transformations —
 * Knuth's TwoSum and Dekker's TwoProduct with Veltkamp's split (Dekker, "A floating-point
 * technique for extending the available precision", 1971; Hida, Li & Bailey's double-double
 * library, 2001). Each step is a separate tf op, so every intermediate is rounded to float32
 * when it is stored: no backend can fuse a·b + c into an FMA or reassociate (a + b) − a across
 * kernels, which is what makes these transformations exact in tf ops. `isExactOnBackend`
 * checks that on the running backend (a GPU storing half floats, or one flushing
 * subnormals where they matter, fails it).
 */
import * as tf from '@tensorflow/tfjs';

/** hi + lo, two tensors of one shape. */
export interface DoubleFloat {
  hi: tf.Tensor;
  lo: tf.Tensor;
}

/** Knuth's TwoSum: s + e = a + b exactly, s = fl(a + b), for any float32 a, b. */
export function twoSum(a: tf.Tensor, b: tf.Tensor): DoubleFloat {
  const s = tf.add(a, b);
  const bb = tf.sub(s, a);
  const e = tf.add(tf.sub(a, tf.sub(s, bb)), tf.sub(b, bb));
  return {hi: s, lo: e};
}

/** Dekker's FastTwoSum: exact when |a| ≥ |b| (or a = 0); renormalises a double-float. */
export function fastTwoSum(a: tf.Tensor, b: tf.Tensor): DoubleFloat {
  const s = tf.add(a, b);
  return {hi: s, lo: tf.sub(b, tf.sub(s, a))};
}

/** Veltkamp's split of float32 a into 12-bit halves, hi + lo = a exactly (|a| < 2¹¹⁵). */
export function split(a: tf.Tensor): DoubleFloat {
  const c = tf.mul(a, 4097);   // 2¹² + 1 for float32's 24-bit significand
  const hi = tf.sub(c, tf.sub(c, a));
  return {hi, lo: tf.sub(a, hi)};
}

/** Dekker's TwoProduct: p + e = a·b exactly, p = fl(a·b) (no underflow, |a|, |b| < 2¹¹⁵). */
export function twoProduct(a: tf.Tensor, b: tf.Tensor): DoubleFloat {
  const p = tf.mul(a, b);
  const x = split(a);
  const y = split(b);
  const e = tf.add(tf.add(tf.add(tf.sub(tf.mul(x.hi, y.hi), p), tf.mul(x.hi, y.lo)), tf.mul(x.lo, y.hi)),
    tf.mul(x.lo, y.lo));
  return {hi: p, lo: e};
}

/** (a.hi + a.lo) + (b.hi + b.lo) to double-float accuracy, renormalised. */
export function add(a: DoubleFloat, b: DoubleFloat): DoubleFloat {
  const s = twoSum(a.hi, b.hi);
  return fastTwoSum(s.hi, tf.add(s.lo, tf.add(a.lo, b.lo)));
}

/**
 * Σ along `axis` of a double-float, by pairwise halving (log₂ m levels of `add`): the sum's
 * error is about log₂ m double-float roundings, 2⁻⁴⁴·Σ|terms| relative.
 */
export function sum(a: DoubleFloat, axis: number): DoubleFloat {
  let {hi, lo} = a;
  const ax = axis < 0 ? hi.rank + axis : axis;
  while (hi.shape[ax] as number > 1) {
    const m = hi.shape[ax] as number;
    if (m % 2 === 1) {
      const pad = hi.shape.map((_, i) => (i === ax ? [0, 1] : [0, 0])) as Array<[number, number]>;
      hi = tf.pad(hi, pad);
      lo = tf.pad(lo, pad);
    }
    const half = Math.ceil(m / 2);
    const [h1, h2] = tf.split(hi, [half, half], ax);
    const [l1, l2] = tf.split(lo, [half, half], ax);
    ({hi, lo} = add({hi: h1, lo: l1}, {hi: h2, lo: l2}));
  }
  return {hi: tf.squeeze(hi, [ax]), lo: tf.squeeze(lo, [ax])};
}

/**
 * Whether TwoSum and TwoProduct are exact on the running backend: checked against float64
 * in JavaScript on values whose rounding errors are known to be nonzero.
 */
export function isExactOnBackend(): boolean {
  const a = Float32Array.from([1 + 2 ** -20, 3.1415927, -7.3e-3, 1.2345678e5, 0.1, 2 ** 20 + 1]);
  const b = Float32Array.from([1 - 2 ** -21, 2.7182817, 4.4e-9, -9.876543e-4, 0.3, 3 - 2 ** -22]);
  const [s, e, p, f] = tf.tidy(() => {
    const ta = tf.tensor1d(a);
    const tb = tf.tensor1d(b);
    const sum2 = twoSum(ta, tb);
    const prod = twoProduct(ta, tb);
    return [sum2.hi, sum2.lo, prod.hi, prod.lo];
  });
  const [sv, ev, pv, fv] = [s, e, p, f].map(t => t.dataSync());
  tf.dispose([s, e, p, f]);
  for (let i = 0; i < a.length; i++) {
    if (sv[i] + ev[i] !== a[i] + b[i]) return false;   // a float32 sum is exact in float64
    if (pv[i] + fv[i] !== a[i] * b[i]) return false;   // so is a float32 product (48 bits)
  }
  return true;
}
