import * as tf from '@tensorflow/tfjs';

/** Column-wise inner products of blocks `[..., n, k]` → `[..., 1, k]`. */
export function columnDot(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  return tf.sum(tf.mul(a, b), -2, true);
}

/** Column-wise 2-norms of a block `[..., n, k]` → `[..., 1, k]`. */
export function columnNorm(a: tf.Tensor): tf.Tensor {
  return tf.sqrt(columnDot(a, a));
}

/** Reads a few scalars back to JavaScript in one readback (readbacks cost ~20 ms on WebGL). */
export function readScalars(scalars: () => tf.Tensor[]): Float32Array {
  const packed = tf.tidy(() => tf.stack(scalars().map(s => tf.reshape(s, []))));
  const values = packed.dataSync() as Float32Array;
  packed.dispose();
  return values;
}

/** ‖b − A x‖ / ‖b‖ per column, with ‖b‖ = 0 columns measured absolutely. */
export function relativeResiduals(apply: (x: tf.Tensor) => tf.Tensor, b: tf.Tensor,
    x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const r = columnNorm(tf.sub(b, apply(x)));
    const bNorm = columnNorm(b);
    return tf.where(tf.greater(bNorm, 0), tf.div(r, tf.maximum(bNorm, 1e-30)), r);
  });
}

/** 1 if every entry is finite, else 0 (as a float scalar, for packing with other checks). */
export function allFinite(t: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.min(tf.cast(tf.isFinite(t), 'float32')));
}
