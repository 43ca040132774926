import * as tf from '@tensorflow/tfjs';
import {backendName} from '../../util/backend';

/**
 * Whether the active backend keeps tensor data in host memory that JavaScript can read
 * cheaply: cpu (`dataSync` returns the backing store) and wasm (tensors live in the module's
 * linear memory, readable with no copy). There, loops on typed arrays beat per-op dispatch.
 *
 * Measured here (bench/host-engine.ts, Node 20, tfjs 4.22): dense LU n = 500 on wasm by
 * per-column tf ops took seconds; on typed arrays, tens of milliseconds.
 */
export function hostBackend(): boolean {
  const name = backendName();
  return name === 'cpu' || name === 'wasm';
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
