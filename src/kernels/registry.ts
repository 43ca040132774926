import * as tf from '@tensorflow/tfjs-core';
import {Kernels} from './Kernels';

/** The name of the active backend ('cpu', 'tensorflow', 'wasm', 'webgl', …). */
export function backendName(): string {
  return tf.getBackend() ?? 'cpu';
}

let fallback: Kernels | null = null;
const byBackend = new Map<string, Partial<Kernels>>();
const resolved = new Map<string, Kernels>();

/** The kernels every backend gets where it registered nothing better (the tf-ops ones). */
export function registerFallbackKernels(kernels: Kernels): void {
  fallback = kernels;
  resolved.clear();
}

/**
 * Registers what `backend` does better than tf ops; the rest falls back to them. A later
 * registration for the same backend adds to (and overrides) an earlier one.
 *
 * ```ts
 * registerKernels('webgpu', {checkEvery: 10, sparseProduct: myWgslSpmv});
 * ```
 */
export function registerKernels(backend: string, kernels: Partial<Kernels>): void {
  byBackend.set(backend, {...byBackend.get(backend), ...kernels});
  resolved.delete(backend);
}

/** The kernels of the active backend. */
export function kernels(): Kernels {
  const name = backendName();
  let k = resolved.get(name);
  if (k == null) {
    if (fallback == null) throw new Error('tfjs-linsolve: no fallback kernels registered');
    k = {...fallback, ...byBackend.get(name)};
    resolved.set(name, k);
  }
  return k;
}
