/**
 * The tf-ops forms of the small reductions every solve's checks run: column norms, max|A|,
 * the power-of-two column scale, and reading several tensors back in one go. They keep work
 * on the device and read back once, which GPU backends need; backends whose data is on the
 * host override them with fewer, cheaper kernels.
 */
import * as tf from '@tensorflow/tfjs-core';

/** Column-wise 2-norms of `[..., n, k]` → `[..., 1, k]`. */
export function columnNorm(a: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    // One column: a full reduction, which tfjs's cpu backend runs ~8× faster than an axis one.
    if (a.rank === 2 && a.shape[1] === 1) return tf.reshape(tf.sqrt(tf.sum(tf.square(a))), [1, 1]);
    return tf.sqrt(tf.sum(tf.mul(a, a), -2, true));
  });
}

/** max|aᵢⱼ| as two reductions, without materialising |A|. */
export function maxAbs(a: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.maximum(tf.max(a), tf.neg(tf.min(a))));
}

/** s = 2^⌊log₂ max|bⱼ|⌋ per column `[..., 1, k]`, and 1 for a zero or non-finite column. */
export function columnScale(b: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const m = tf.max(tf.abs(b), -2, true);
    const usable = tf.logicalAnd(tf.isFinite(m), tf.greater(m, 0));
    const safe = tf.where(usable, m, tf.onesLike(m));
    const power = tf.pow(tf.scalar(2), tf.floor(tf.div(tf.log(safe), Math.LN2)));
    // log₂ rounding may leave power = 2·m on some backends; still a power of two, still safe.
    return tf.where(usable, power, tf.onesLike(m));
  });
}

/** The tensors flattened into one, read back once, and split again. */
export function readAll(tensors: tf.Tensor[]): Float32Array[] {
  if (tensors.length === 0) return [];
  const packed = tf.tidy(() => tf.concat(tensors.map(t => tf.reshape(tf.cast(t, 'float32'), [-1]))));
  const values = packed.dataSync() as Float32Array;
  packed.dispose();
  const out: Float32Array[] = [];
  let offset = 0;
  for (const t of tensors) {
    out.push(values.subarray(offset, offset + t.size));
    offset += t.size;
  }
  return out;
}
