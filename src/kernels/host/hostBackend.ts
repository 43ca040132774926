import * as tf from '@tensorflow/tfjs-core';
import {backendName} from '../registry';

let engineOn = true;

/**
 * Turns the host engine on or off (on by default), returning the previous setting. Off
 * restores the tf-ops paths for comparisons in tests and benchmarks: tf-ops Krylov loops on
 * every backend and tf-ops dense factorisations on wasm (cpu keeps its typed-array
 * factorisations, which predate the engine).
 *
 * ```ts
 * const previous = ls.useHostEngine(false);   // time the tf-ops loop
 * ls.solve(A, b, {method: 'cg'});
 * ls.useHostEngine(previous);
 * ```
 */
export function useHostEngine(on: boolean): boolean {
  const previous = engineOn;
  engineOn = on;
  return previous;
}

/** Whether `useHostEngine` left the host engine on. */
export function hostEngineEnabled(): boolean {
  return engineOn;
}

/**
 * Whether the active backend keeps tensor data in host memory that JavaScript can read
 * cheaply: cpu (`dataSync` returns the backing store) and wasm (tensors live in the module's
 * linear memory, readable with no copy). There, loops on typed arrays beat per-op dispatch;
 * the dense LU, Cholesky and triangular solves and the sparse product run on typed arrays.
 *
 * Measured by bench/host-engine.ts (bench/results/host-engine.md): dense LU n = 500 on wasm
 * took 38–81 s through per-column tf ops and 0.5–1.1 s on typed arrays on the same heavily
 * loaded machine (ml-matrix's LU beside it: 1.0–1.2 s); the Krylov numbers are in
 * hostEngine.ts.
 */
export function hostBackend(): boolean {
  const name = backendName();
  return name === 'cpu' || (engineOn && name === 'wasm');
}

/** What tfjs-backend-wasm keeps per tensor (not part of its typed API). */
interface WasmBackendInternals {
  dataIdMap?: {get(dataId: object): {memoryOffset?: number} | undefined};
  wasm?: {HEAPU8?: Uint8Array};
}

/**
 * A float32 tensor's values as a Float32Array, without a copy where the backend allows:
 * cpu's backing store, or a view of wasm memory. Read-only by contract, and a wasm view is
 * valid only until the next tensor allocation (which may grow, and so move, wasm memory).
 */
export function hostData(t: tf.Tensor): Float32Array {
  if (backendName() === 'wasm') {
    const backend = tf.backend() as unknown as WasmBackendInternals;
    const info = backend.dataIdMap?.get(t.dataId);
    const heap = backend.wasm?.HEAPU8;
    if (info != null && heap != null && typeof info.memoryOffset === 'number') {
      return new Float32Array(heap.buffer, info.memoryOffset, t.size);
    }
  }
  return t.dataSync() as Float32Array;
}
