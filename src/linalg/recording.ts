import * as tf from '@tensorflow/tfjs';

/**
 * Whether tfjs is recording a gradient tape right now. Inside a gradient function this is
 * true only when a higher-order derivative is being taken: the backward must then be written
 * in differentiable ops of the saved inputs, not of saved results (tfjs connects only saved
 * inputs to the outer tape).
 */
export function isRecording(): boolean {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const engine = tf.engine() as any;
  return typeof engine.isTapeOn === 'function' ? engine.isTapeOn() : true;
}
