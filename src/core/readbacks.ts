/**
 * One implementation of each solver for both the synchronous and the asynchronous API: a
 * solver's loop is a generator that yields, at each convergence check, the scalars it needs
 * read back, and receives their values. `readSync` drives it with one `dataSync`; `readAsync`
 * with `await data()`, so the page's thread is free while the GPU finishes the queued work.
 */
import * as tf from '@tensorflow/tfjs-core';

/** Builds the tensors that one readback returns (scalars mostly; larger ones arrive flattened, in order). */
export type Readback = () => tf.Tensor[];

/**
 * A computation that pauses at each readback: it yields a `Readback` and resumes with the
 * values, in order. Written as `function*` with `const [a, b] = yield () => [ta, tb]`.
 *
 * ```ts
 * function* positive(t: tf.Tensor): Readbacks<boolean> {
 *   const [m] = yield () => [tf.min(t)];
 *   return m > 0;
 * }
 * readSync(positive(t));          // boolean
 * await readAsync(positive(t));   // the same, without blocking on the read
 * ```
 */
export type Readbacks<T> = Generator<Readback, T, Float32Array>;

/**
 * The tensors of a readback, flattened and packed into one tensor (one transfer, whatever their
 * number); the values arrive concatenated in order.
 */
function pack(readback: Readback): tf.Tensor {
  return tf.tidy(() => tf.concat(readback().map(s => tf.reshape(s, [-1]))));
}

/** Runs `steps` to its end, reading each requested readback with `dataSync`. */
export function readSync<T>(steps: Readbacks<T>): T {
  let next = steps.next();
  while (!next.done) {
    const packed = pack(next.value);
    const values = packed.dataSync() as Float32Array;
    packed.dispose();
    next = steps.next(values);
  }
  return next.value;
}

let asyncDepth = 0;

/**
 * Whether the code running now is a step of `readAsync`: synchronous helpers that would read
 * a GPU tensor with `dataSync` (a fused engine) decline then, so the tf-ops loop, whose
 * readbacks are awaited, runs instead.
 */
export function readsAsynchronously(): boolean {
  return asyncDepth > 0;
}

/**
 * Runs `steps` to its end, awaiting each requested readback with `data()`. Between readbacks
 * the thread is free; a failed read is thrown into the generator, so its `finally` blocks free
 * what it holds.
 */
export async function readAsync<T>(steps: Readbacks<T>): Promise<T> {
  const resume = <R>(run: () => R): R => {
    asyncDepth++;
    try {
      return run();
    } finally {
      asyncDepth--;
    }
  };
  let next = resume(() => steps.next());
  while (!next.done) {
    let values: Float32Array;
    try {
      const packed = resume(() => pack((next as IteratorYieldResult<Readback>).value));
      try {
        values = await packed.data() as Float32Array;
      } finally {
        packed.dispose();
      }
    } catch (error) {
      next = resume(() => steps.throw(error));
      continue;
    }
    const received = values;
    next = resume(() => steps.next(received));
  }
  return next.value;
}

/** A finished result as a computation with no readback (a solver with only a `compute`). */
// eslint-disable-next-line require-yield
export function* noReadback<T>(value: T): Readbacks<T> {
  return value;
}
