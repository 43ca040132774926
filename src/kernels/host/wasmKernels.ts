/**
 * The host engine's WebAssembly kernels (wasm/hostKernels.wat): one module instantiated
 * synchronously on first use (it is about a kilobyte, which browsers allow on the main thread),
 * or null where WebAssembly or its 128-bit SIMD is missing, or `useWasmKernels(false)` turned
 * them off; the host loops then run their JavaScript versions.
 *
 * The kernels read and write float32 vectors in the module's own memory, at byte offsets:
 * `WasmArena` lays a solve's data out there.
 */
import {hostKernelsWasm} from './wasm/hostKernelsWasm';

/** The exports of hostKernels.wat (byte offsets into `memory`). */
export interface WasmKernels {
  readonly memory: WebAssembly.Memory;
  /** y = A x for CSR A (rows summed in float64); returns xᵀy. */
  csrDot(n: number, rowPtr: number, col: number, val: number, x: number, y: number): number;
  /** y = A x for A by diagonals (float32 sums of ≤ ndiag products, x zero-padded); returns xᵀy. */
  diaDot(n: number, ndiag: number, offsets: number, val: number, x: number, y: number): number;
  /** x += αp, r −= αq; returns rᵀr. */
  update(n: number, x: number, r: number, p: number, q: number, alpha: number): number;
  /** p = r + βp. */
  direction(n: number, p: number, r: number, beta: number): void;
  /** P A = L U in place on the float64 n×n matrix at m (packed L\U); row order into perm, u_kk into pivots. */
  luFactor(n: number, m: number, perm: number, pivots: number): void;
}

let enabled = defaultEnabled();
let kernels: WasmKernels | null | undefined;

/** On unless the environment variable LINSOLVE_WASM_KERNELS is '0' (to run a test file on the JS loops). */
function defaultEnabled(): boolean {
  const env = typeof process !== 'undefined' ? process.env?.LINSOLVE_WASM_KERNELS : undefined;
  return env !== '0';
}

/**
 * Turns the host engine's WebAssembly kernels on or off (on by default where supported),
 * returning the previous setting; off runs the same loops in plain JavaScript. The kernels
 * take sparse operators with one right-hand side on the cpu and wasm backends (and on
 * tfjs-node where CG picks the host engine).
 *
 * ```ts
 * const previous = ls.useWasmKernels(false);   // the JS loops, for a comparison
 * ls.solve(A, b, {method: 'cg'});
 * ls.useWasmKernels(previous);
 * ```
 */
export function useWasmKernels(on: boolean): boolean {
  const previous = enabled;
  enabled = on;
  return previous;
}

/** The kernels, or null when they are off or this runtime lacks WebAssembly SIMD. */
export function wasmKernels(): WasmKernels | null {
  if (!enabled) return null;
  if (kernels === undefined) kernels = instantiate();
  return kernels;
}

function instantiate(): WasmKernels | null {
  if (typeof WebAssembly !== 'object' || typeof WebAssembly.validate !== 'function') return null;
  const bytes = decodeBase64(hostKernelsWasm);
  // validate() is false where the engine lacks SIMD (every function here uses v128 or sits beside them).
  if (bytes == null || !WebAssembly.validate(bytes)) return null;
  try {
    return new WebAssembly.Instance(new WebAssembly.Module(bytes), {}).exports as unknown as WasmKernels;
  } catch {
    return null;
  }
}

function decodeBase64(text: string): Uint8Array<ArrayBuffer> | null {
  if (typeof atob !== 'function') return null;
  const binary = atob(text);
  const out = new Uint8Array(new ArrayBuffer(binary.length));
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

/** Whether `a` is a view of the kernels' memory (as its current buffer). */
export function inWasmMemory(kernels: WasmKernels, a: ArrayBufferView): boolean {
  return a.buffer === kernels.memory.buffer;
}
