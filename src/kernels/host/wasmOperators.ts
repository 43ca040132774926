/**
 * Sparse operators for the WebAssembly kernels: a CSR matrix copied into a solve's arena, either
 * as it is (rows summed in float64, scalar) or by diagonals (DIA, Saad, Iterative Methods for
 * Sparse Linear Systems, 2nd ed., §3.4) when its entries sit on few diagonals that they mostly
 * fill — every stencil matrix: 2-D Poisson has five — so the product runs four rows at a time
 * on contiguous SIMD loads with no index gathers.
 *
 * Their products call the kernels when x and y are arena vectors (one column, k = 1) and the
 * CSR loops of `CsrHost` otherwise (blocks, batched layouts, arrays outside the arena).
 */
import {CsrHost, CsrStructure, HostOperator} from './hostOperators';
import {WasmArena} from './WasmArena';
import {WasmKernels, inWasmMemory} from './wasmKernels';

/** At most this many diagonals for DIA; a wider band stays CSR. */
export const DIA_MAX_DIAGONALS = 16;
/** DIA needs nnz ≥ this fraction of ndiag·n (its storage and its multiplies by zero). */
export const DIA_MIN_FILL = 0.5;

/** How an operator goes into an arena: the bytes it takes, the padding its vectors need, and the copy. */
export interface WasmPlan {
  readonly bytes: number;
  /** Zero floats each side of every vector the product reads (the widest diagonal offset). */
  readonly pad: number;
  readonly format: 'csr' | 'dia';
  /** The operator with its arrays in `arena` (allocated there: call once, after `WasmArena.open`). */
  bind(arena: WasmArena): HostOperator | null;
}

/** Diagonal offsets j − i of a CSR pattern, and each slot's place d·n + i in the DIA values. */
export interface DiaStructure {
  offsets: Int32Array;
  position: Int32Array;
}

const diaCache = new WeakMap<CsrStructure, DiaStructure | null>();

/**
 * The DIA layout of a CSR pattern, or null when it has more than `DIA_MAX_DIAGONALS`
 * diagonals or fills them below `DIA_MIN_FILL`; computed once per pattern.
 */
export function diaStructure(n: number, csr: CsrStructure): DiaStructure | null {
  if (diaCache.has(csr)) return diaCache.get(csr) as DiaStructure | null;
  const result = buildDia(n, csr);
  diaCache.set(csr, result);
  return result;
}

function buildDia(n: number, {rowPtr, col}: CsrStructure): DiaStructure | null {
  const index = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    for (let j = rowPtr[i]; j < rowPtr[i + 1]; j++) {
      const off = col[j] - i;
      if (!index.has(off)) {
        if (index.size === DIA_MAX_DIAGONALS) return null;
        index.set(off, 0);
      }
    }
  }
  const nnz = col.length;
  if (index.size === 0 || nnz < DIA_MIN_FILL * index.size * n) return null;
  const offsets = Int32Array.from([...index.keys()].sort((a, b) => a - b));
  offsets.forEach((off, d) => index.set(off, d));
  const position = new Int32Array(nnz);
  for (let i = 0; i < n; i++) {
    for (let j = rowPtr[i]; j < rowPtr[i + 1]; j++) position[j] = (index.get(col[j] - i) as number) * n + i;
  }
  return {offsets, position};
}

/** The arena plan of a CSR operator (DIA where `diaStructure` allows, unless `format` says CSR); null for any other operator. */
export function wasmPlan(op: HostOperator, format?: 'csr' | 'dia'): WasmPlan | null {
  if (!(op instanceof CsrHost)) return null;
  const {n, csr} = op;
  const dia = format === 'csr' ? null : diaStructure(n, csr);
  if (format === 'dia' && dia == null) return null;
  if (dia != null) {
    const {offsets} = dia;
    let pad = 0;
    for (const off of offsets) pad = Math.max(pad, Math.abs(off));
    return {
      bytes: WasmArena.bytes(offsets.length) + WasmArena.bytes(offsets.length * n),
      pad,
      format: 'dia',
      bind: arena => {
        const offs = arena.i32(offsets.length);
        const val = arena.f32(offsets.length * n);
        if (offs == null || val == null) return null;
        offs.set(offsets);
        // Duplicated COO pairs land on one place and add up, as they do in CSR.
        const {position} = dia;
        const {order} = csr;
        const coo = op.cooValues;
        for (let j = 0; j < position.length; j++) val[position[j]] += coo[order[j]];
        const {kernels} = arena;
        // Each yᵢ a float32 sum of at most ndiag float32 products, where CSR sums in float64.
        return new WasmSparseHost(op, kernels, (x, y) =>
          kernels.diaDot(n, offs.length, offs.byteOffset, val.byteOffset, x.byteOffset, y.byteOffset));
      },
    };
  }
  const nnz = csr.col.length;
  return {
    bytes: WasmArena.bytes(n + 1) + WasmArena.bytes(nnz) * 2,
    pad: 0,
    format: 'csr',
    bind: arena => {
      const rowPtr = arena.i32(n + 1);
      const col = arena.i32(nnz);
      const val = arena.f32(nnz);
      if (rowPtr == null || col == null || val == null) return null;
      rowPtr.set(csr.rowPtr);
      col.set(csr.col);
      val.set(op.values);
      const {kernels} = arena;
      return new WasmSparseHost(op, kernels, (x, y) =>
        kernels.csrDot(n, rowPtr.byteOffset, col.byteOffset, val.byteOffset, x.byteOffset, y.byteOffset));
    },
  };
}

/** Where a one-column product can run in wasm: both vectors in its memory, at their start. */
function direct(kernels: WasmKernels, x: Float32Array, xo: number, y: Float32Array, yo: number): boolean {
  return xo === 0 && yo === 0 && inWasmMemory(kernels, x) && inWasmMemory(kernels, y);
}

/**
 * A sparse matrix whose arrays sit in an arena, multiplied by a kernel there (`product`: y = A x,
 * returning xᵀy) when x and y are arena vectors with one column, and by `CsrHost`'s loops
 * otherwise.
 */
export class WasmSparseHost implements HostOperator {
  readonly batch = 1;
  readonly n: number;

  constructor(private readonly js: CsrHost, private readonly kernels: WasmKernels,
      private readonly product: (x: Float32Array, y: Float32Array) => number) {
    this.n = js.n;
  }

  applyDot(m: number, x: Float32Array, xo: number, y: Float32Array, yo: number): number {
    return direct(this.kernels, x, xo, y, yo) ? this.product(x, y) : this.js.applyDot(m, x, xo, y, yo);
  }

  apply(m: number, x: Float32Array, xo: number, y: Float32Array, yo: number, k: number): void {
    if (k === 1 && direct(this.kernels, x, xo, y, yo)) this.product(x, y);
    else this.js.apply(m, x, xo, y, yo, k);
  }
}
