import * as tf from '@tensorflow/tfjs-core';
import {guardBackward} from './tapeGuard';

/** The forward of a custom-gradient op: inputs are tensors, `save` keeps tensors for the backward. */
export type CustomForward = (
  inputs: tf.Tensor[],
  save: (tensors: tf.Tensor[]) => void,
) => {value: tf.Tensor; gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor[]};

/**
 * `tf.customGrad` with typed inputs. The one cast lives here because tfjs's own
 * `CustomGradientFunc` type rejects typed callbacks under `strict`.
 */
export function customOp(forward: CustomForward): (...inputs: tf.Tensor[]) => tf.Tensor {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const f = (...args: any[]) => {
    const save = args.pop() as (tensors: tf.Tensor[]) => void;
    const {value, gradFunc} = forward(args as tf.Tensor[], save);
    return {value, gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => guardBackward(() => gradFunc(dy, saved))};
  };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return tf.customGrad(f as any) as unknown as (...inputs: tf.Tensor[]) => tf.Tensor;
}

/**
 * Runs `fn` with the gradient tape off and returns its single tensor result.
 *
 * Work inside (a whole iterative solve) is neither recorded nor kept alive for a backward pass:
 * a custom op with no inputs is pruned from every gradient computation.
 */
export function offTape(fn: () => tf.Tensor): tf.Tensor {
  return customOp(() => ({value: fn(), gradFunc: () => []}))();
}

/** Whether tfjs is recording operations for a gradient right now. */
export function isRecording(): boolean {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const engine = tf.engine() as any;
  return typeof engine.isTapeOn === 'function' ? engine.isTapeOn() : true;
}
