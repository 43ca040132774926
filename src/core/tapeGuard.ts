/**
 * Cleanup of tfjs's gradient tape when one of our calls throws while it is recording.
 *
 * tfjs 4.22 keeps a clone of every tensor a taped kernel saves for its backward, and disposes
 * those clones only when `tf.grad` finishes normally: an exception thrown inside the function
 * being differentiated, or inside a gradient function, strands them (measured: two tensors
 * per taped op). These guards dispose what tfjs would have disposed.
 */
import * as tf from '@tensorflow/tfjs-core';

interface TapeNode {saved?: tf.Tensor[]}
interface EngineState {activeTape: TapeNode[] | null; gradientDepth: number}

function engineState(): EngineState {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return (tf.engine() as any).state as EngineState;
}

function disposeSaved(nodes: TapeNode[]): void {
  for (const node of nodes) for (const t of node.saved ?? []) t.dispose();
}

/**
 * Runs `fn`; if it throws while a tape is recording, the nodes it added to the tape are
 * removed and their saved tensors freed (nothing it made escapes, so nothing reads them).
 */
export function guardTape<T>(fn: () => T): T {
  const state = engineState();
  const tape = state.activeTape;
  const start = tape?.length ?? 0;
  try {
    return fn();
  } catch (error) {
    if (tape != null && state.activeTape === tape && tape.length > start) disposeSaved(tape.splice(start));
    throw error;
  }
}

/**
 * Runs a gradient function; if it throws during an outermost backward pass (which then
 * aborts), frees every tensor the tape saved and drops the tape, as a finished `tf.grad` does.
 */
export function guardBackward<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    const state = engineState();
    if (state.gradientDepth === 0 && state.activeTape != null) {
      disposeSaved(state.activeTape);
      state.activeTape = null;
    }
    throw error;
  }
}
