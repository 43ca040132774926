import * as tf from '@tensorflow/tfjs';
import {sizeOf} from './matrixBatch';

/** The forward of a custom-gradient op: tensor inputs, `save` for what the backward reads. */
export type Forward = (
  inputs: tf.Tensor[],
  save: (tensors: tf.Tensor[]) => void,
) => {value: tf.Tensor; gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor[]};

/**
 * `tf.customGrad` with typed inputs. Its forward runs off the tape inside a `tidy`, so a
 * forward that throws before calling `save` leaves nothing behind, taped or not.
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

/** An input of `flatOp`: the caller's tensor and how many trailing axes are one member's. */
export interface FlatInput {
  tensor: tf.Tensor;
  /** 2 for a matrix per member, 1 for a vector (a permutation). */
  core: number;
}

/**
 * One public op as one custom op: the inputs as the caller gave them, broadcast to the batch
 * shape `batch` and flattened to `[B, ...]` inside the forward, the value reshaped to
 * `valueShape`, and each gradient summed back to its input's shape (int32 inputs, which have
 * none, get zeros; the forward's gradFunc lists the float inputs' gradients first).
 *
 * Everything an op does before its checks runs inside the forward, off the tape: a check that
 * throws while tf.grad records leaves no taped op behind (their saved tensors would leak).
 */
export function flatOp(inputs: FlatInput[], batch: number[], valueShape: number[], forward: Forward): tf.Tensor {
  const shapes = inputs.map(i => i.tensor.shape);
  return customOp((raw, save) => {
    const flat = raw.map((t, i) => flatten(t, inputs[i].core, batch));
    // Saved flattened inputs are saved as the inputs themselves (and flattened again in the
    // backward): tfjs connects only saved inputs to an outer tape, which second order needs.
    let layout: number[] = [];
    const saveFlat = (tensors: tf.Tensor[]) => {
      layout = tensors.map(t => flat.indexOf(t));
      save([...raw, ...tensors.filter((_, j) => layout[j] < 0)]);
    };
    const inner = forward(flat, saveFlat);
    const innerShape = inner.value.shape;
    return {
      value: tf.reshape(inner.value, valueShape),
      gradFunc: (dy, saved) => {
        const others = saved.slice(raw.length);
        let next = 0;
        const unpacked = layout.map(i => (i >= 0 ? flatten(saved[i], inputs[i].core, batch) : others[next++]));
        const grads = inner.gradFunc(tf.reshape(dy, innerShape), unpacked);
        return raw.map((t, i) => (t.dtype === 'int32' ? tf.zeros(shapes[i]) : restore(grads[i], shapes[i], inputs[i].core, batch)));
      },
    };
  })(...inputs.map(i => i.tensor));
}

function flatten(t: tf.Tensor, core: number, batch: number[]): tf.Tensor {
  const coreShape = t.shape.slice(t.rank - core);
  const full = [...batch, ...coreShape];
  const same = t.rank === full.length && t.shape.every((d, i) => d === full[i]);
  return tf.reshape(same ? t : tf.broadcastTo(t, full), [sizeOf(batch), ...coreShape]);
}

/** A gradient `[B, ...core]` back to the input's `shape`: sums over the axes it was broadcast along. */
function restore(g: tf.Tensor, shape: number[], core: number, batch: number[]): tf.Tensor {
  const coreShape = shape.slice(shape.length - core);
  const full = tf.reshape(g, [...batch, ...coreShape]);
  const lead = batch.length - (shape.length - core);
  const axes: number[] = [];
  for (let i = 0; i < batch.length; i++) if (i < lead || (shape[i - lead] === 1 && batch[i] !== 1)) axes.push(i);
  return tf.reshape(axes.length === 0 ? full : tf.sum(full, axes), shape);
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
