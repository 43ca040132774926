import * as tf from '@tensorflow/tfjs';

/** The forward of a custom-gradient op: tensor inputs, `save` for what the backward reads. */
export type Forward = (
  inputs: tf.Tensor[],
  save: (tensors: tf.Tensor[]) => void,
) => {value: tf.Tensor; gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor[]};

/**
 * `tf.customGrad` with typed inputs. Its forward runs off the tape inside a `tidy`, so a
 * forward that throws before calling `save` leaves nothing behind, taped or not: every check
 * of an `ls.linalg` op runs there, before `save`.
 */
export function customOp(forward: Forward): (...inputs: tf.Tensor[]) => tf.Tensor {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const f = (...args: any[]) => {
    const save = args.pop() as (tensors: tf.Tensor[]) => void;
    return forward(args as tf.Tensor[], save);
  };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return tf.customGrad(f as any) as unknown as (...inputs: tf.Tensor[]) => tf.Tensor;
}

/**
 * A tensor that leaves a custom op by closure (an integer output without a gradient), as a
 * tensor of the caller's scope: `held` was kept inside the op's tidy; its clone is tracked
 * where the caller runs, so the caller's `tidy` frees it like any result.
 */
export function adopt(held: tf.Tensor): tf.Tensor {
  const t = tf.clone(held);
  held.dispose();
  return t;
}
