/**
 * Vector–Jacobian products that work anywhere: inside a `customGrad` forward (where the tape
 * is off) and inside a `customGrad` backward (where a nested `tf.grad` would null the engine's
 * active tape and crash the outer backward).
 *
 * tfjs keeps one tape per engine. `engine.gradients` starts a fresh tape only at gradient depth
 * 0, records only at kernel depth 0, and on finishing at depth 0 disposes its tape and sets
 * `state.activeTape = null`. So the helper runs the inner gradient at depth 0 / kernel depth 0
 * and restores all three fields afterwards: the inner tape is private, nothing of it lands on
 * the caller's tape, and the caller's tape survives. The result is a constant to any outer
 * gradient (no second order through it).
 */
import * as tf from '@tensorflow/tfjs-core';

interface EngineState {activeTape: unknown; gradientDepth: number; kernelDepth: number}

function engineState(): EngineState {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return (tf.engine() as any).state as EngineState;
}

/** Runs `fn` as if no gradient were being recorded anywhere, then restores the engine's tape. */
function isolated<T>(fn: () => T): T {
  const state = engineState();
  const saved = {activeTape: state.activeTape, gradientDepth: state.gradientDepth, kernelDepth: state.kernelDepth};
  state.activeTape = null;
  state.gradientDepth = 0;
  state.kernelDepth = 0;
  try {
    return fn();
  } finally {
    state.activeTape = saved.activeTape;
    state.gradientDepth = saved.gradientDepth;
    state.kernelDepth = saved.kernelDepth;
  }
}

/**
 * value = fn() and the cotangent-weighted gradients dyᵀ·∂fn/∂x for every x in xs.
 *
 * `fn` may read the xs directly (tf.Variables included): gradients are traced by tensor
 * identity. A tensor in xs that fn does not use gets zeros. Safe inside customGrad forwards
 * and backwards on every backend.
 *
 * ```ts
 * const {value, grads} = vjp(() => tf.mul(x, w), [x, w], dy);   // grads = [dy·w, dy·x]
 * ```
 */
export function vjp(fn: () => tf.Tensor, xs: tf.Tensor[], dy: tf.Tensor): {value: tf.Tensor; grads: tf.Tensor[]} {
  return isolated(() => {
    const {value, grads} = tf.engine().gradients(fn, xs, dy, true);
    const filled = grads.map((g, i) => g ?? tf.zerosLike(xs[i]));
    return {value, grads: filled};
  });
}

/**
 * Runs `fn` with nothing recorded on any tape: its results are constants to every gradient.
 * For work whose value matters but whose derivative must not (step-size control, the Newton
 * iterations and Jacobians of implicit stages).
 */
export function untaped<T>(fn: () => T): T {
  return isolated(fn);
}
