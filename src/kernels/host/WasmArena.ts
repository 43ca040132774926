/**
 * One solve's layout in the WebAssembly kernels' memory: the operator's arrays and the Krylov
 * vectors, placed one after another (16-byte aligned) in a region sized up front. Growing the
 * memory detaches every view of it, so the arena grows it once, before it hands out any view,
 * and then never again; views are valid until the next arena opens.
 *
 * Float vectors carry `pad` zero floats on both sides, so that a product by diagonals can read
 * x[i + offset] past either end and multiply a zero. One arena at a time: `open` returns null
 * while another is in use (a nested solve runs on the JavaScript loops) or when the memory cannot
 * grow.
 */
import {WasmKernels, wasmKernels} from './wasmKernels';

const PAGE = 65536;
/** Leaves address 0 (null) unused. */
const BASE = 64;

let busy = false;

export class WasmArena {
  private at = BASE;

  private constructor(readonly kernels: WasmKernels, private readonly end: number) {}

  /** Bytes of an `Float32Array`/`Int32Array` of `length`, with `pad` elements each side, aligned. */
  static bytes(length: number, pad = 0): number {
    return Math.ceil(((length + 2 * pad) * 4) / 16) * 16;
  }

  /** An arena of `bytes` (a sum of `WasmArena.bytes`), zeroed; null when none can be had. */
  static open(bytes: number): WasmArena | null {
    const kernels = wasmKernels();
    if (kernels == null || busy) return null;
    const end = BASE + bytes;
    const memory = kernels.memory;
    const have = memory.buffer.byteLength;
    if (end > have) {
      try {
        memory.grow(Math.ceil((end - have) / PAGE));
      } catch {
        return null;
      }
    }
    new Uint8Array(memory.buffer, BASE, bytes).fill(0);
    busy = true;
    return new WasmArena(kernels, end);
  }

  /** Float32 storage of `length` with `pad` zeros on both sides, or null when the arena is full. */
  f32(length: number, pad = 0): Float32Array | null {
    const start = this.take(WasmArena.bytes(length, pad));
    return start < 0 ? null : new Float32Array(this.kernels.memory.buffer, start + pad * 4, length);
  }

  /** Float64 storage of `length`, or null when the arena is full. */
  f64(length: number): Float64Array | null {
    const start = this.take(WasmArena.bytes(2 * length));
    return start < 0 ? null : new Float64Array(this.kernels.memory.buffer, start, length);
  }

  /** Int32 storage of `length`, or null when the arena is full. */
  i32(length: number): Int32Array | null {
    const start = this.take(WasmArena.bytes(length));
    return start < 0 ? null : new Int32Array(this.kernels.memory.buffer, start, length);
  }

  /** Releases the arena: its views may be overwritten by the next one. */
  close(): void {
    busy = false;
  }

  private take(bytes: number): number {
    if (this.at + bytes > this.end) return -1;
    const start = this.at;
    this.at += bytes;
    return start;
  }
}
