/**
 * The host engine: runs an iterative solve as one fused loop on typed arrays (hostKrylov.ts)
 * instead of a loop of tf ops, where that gives the same answer faster.
 *
 * It applies when the data is already on the host (cpu and wasm backends: read with no copy,
 * loop, upload x as one tensor), the tape is not recording (the forward solve and the
 * implicit backward run off the tape; unrolled and second-order recorded loops keep tf ops),
 * A is dense, sparse or diagonal (a matrix-free A is a closure of tf ops), and the
 * preconditioner is none, Jacobi, or one with a typed-array product (SSOR, IC(0), ILU(0), FSAI,
 * multigrid: `applyBlock`); any other operator-valued M is applied by tf ops.
 *
 * Sparse operators with one right-hand side run their products (and CG's vector updates) in the
 * WebAssembly SIMD kernels of src/kernels/host/wasm: the matrix by diagonals where it has few
 * (every stencil matrix), else CSR, copied with the solve's vectors into one arena of the
 * module's memory (wasmOperators.ts, WasmArena.ts). Blocks, batches, dense and diagonal
 * operators keep the JS loops, as does every solve where WebAssembly SIMD is missing or
 * `useWasmKernels(false)`.
 *
 * Engine per backend, measured by bench/host-engine.ts (bench/results/host-engine.md: CG on 2-D
 * Poisson, b = ones, 200 fixed iterations including the per-solve work, fastest of 9
 * interleaved rounds, load average 1–2.5 on 2 shared cores; SciPy's cg on the same float32
 * matrix in its own process just before: 0.098 and 0.51 ms per iteration at 128² and 256²;
 * in brackets the range over three runs at load averages 1–6):
 * - cpu: this engine. 128²: 0.15 ms/iteration, 1.55× SciPy (0.75–1.55×); 256²: 0.45, 0.89×
 *   (0.89–1.35×); 7–10× its own JS loops and 9–11× the plain Float32Array CSR CG of
 *   bench/peers/js.ts, 55–66× the tf-ops loop. The per-solve work (scaling b and x in tf ops,
 *   laying out A) is 6 and 21 ms here, most of what separates the two columns of the results.
 * - wasm: this engine. 128²: 0.11, 1.15× SciPy (1.15–1.27×); 256²: 0.53, 1.04× (1.04–1.43×);
 *   6–7× its JS loops, 120–140× the tf-ops loop.
 * - tensorflow (tfjs-node): this engine for one right-hand side up to 1024² (nodeEngine.ts'
 *   `HOST_BELOW`, with its numbers), reading b and A with one copy: 128²: 0.070, 0.71× SciPy
 *   (0.71–1.79×); 256²: 0.30, 0.60× (0.60–1.53×); 4–20× the native loop; blocks go native.
 * - The JS loops are the plain JS CG's speed (2.6–4.2× SciPy in earlier runs): a scalar,
 *   bounds-checked CSR product. The DIA kernel reads no indices and does four rows per
 *   instruction, which is where the factor comes from.
 * - webgl, webgpu: tf ops. Their data lives in GPU memory, so the host engine would add a
 *   readback and an upload per solve; `hostBackend()` is false.
 */
import * as tf from '@tensorflow/tfjs-core';
import {LinearOperator} from '../../operators/LinearOperator';
import {DenseOperator} from '../../operators/DenseOperator';
import {SparseOperator} from '../../operators/sparse/SparseOperator';
import {DiagonalOperator} from '../../operators/DiagonalOperator';
import {SparsePattern} from '../../operators/sparse/SparsePattern';
import {SolverOptions, SolverResult, SolverState} from '../Solver';
import {isRecording} from '../../core/tape';
import {isHostApplicable} from '../../operators/preconditioners/Csr64';
import {hostBackend, hostData, hostEngineEnabled, useHostEngine} from '../../kernels/host/hostBackend';
import {CsrHost, CsrStructure, DenseHost, DiagonalHost, HostOperator, buildCsr} from '../../kernels/host/hostOperators';
import {HostProblem, HostResult, bicgstabHost, cgHost, gmresHost, jacobiHost} from '../../kernels/host/hostKrylov';
import {WasmArena} from '../../kernels/host/WasmArena';
import {wasmPlan} from '../../kernels/host/wasmOperators';
import {inWasmMemory} from '../../kernels/host/wasmKernels';

/** What the host engine needs of an iterative solver's state (IterativeState satisfies it). */
interface KrylovState extends SolverState {
  readonly preconditioner: LinearOperator | null;
  readonly preconditions: boolean;
}

const runs: Record<string, number> = {};

export {useHostEngine};

/**
 * How many solves each method ran on the host engine since the process started; `'cg:wasm'`
 * (method + ':wasm') counts those whose products ran in the WebAssembly kernels.
 */
export function hostEngineRuns(method: string): number {
  return runs[method] ?? 0;
}

/** CG (Jacobi-preconditioned or not) on the host, or null when the host engine does not apply. */
export function tryHostCG(state: SolverState, b: tf.Tensor, options: SolverOptions,
    anyBackend = false): SolverResult | null {
  return tryHost('cg', cgHost, state, b, options, anyBackend, 7);
}

/** BiCGStab on the host, or null when the host engine does not apply. */
export function tryHostBiCGStab(state: SolverState, b: tf.Tensor, options: SolverOptions): SolverResult | null {
  return tryHost('bicgstab', bicgstabHost, state, b, options, false, 12);
}

/** GMRES(options.restart) on the host, or null when the host engine does not apply. */
export function tryHostGMRES(state: SolverState, b: tf.Tensor, options: SolverOptions): SolverResult | null {
  return tryHost('gmres', p => gmresHost(p, options.restart), state, b, options, false,
    Math.min(options.restart, state.operator.shape[0]) + 7);
}

/** Jacobi / Richardson iteration on the host, or null when the host engine does not apply. */
export function tryHostJacobi(state: SolverState, b: tf.Tensor, options: SolverOptions): SolverResult | null {
  return tryHost('jacobi', jacobiHost, state, b, options, false, 6);
}

/**
 * `vectors`: how many problem-sized vectors the method's loop allocates (its own and the two of
 * the final residual check), so that its arena in wasm memory is sized once (a shortfall only
 * sends the extra vectors to plain arrays).
 */
function tryHost(method: string, run: (p: HostProblem) => HostResult, state: SolverState, b: tf.Tensor,
    options: SolverOptions, anyBackend: boolean, vectors: number): SolverResult | null {
  // `anyBackend`: the caller measured that copying the data to the host pays (tfjs-node, nodeEngine.ts).
  if (!hostEngineEnabled() || !(anyBackend || hostBackend()) || isRecording()) return null;
  const s = state as KrylovState;
  const general = hostPreconditioner(s);
  if ((s.preconditioner != null && general == null) || b.dtype !== 'float32') return null;
  if (options.x0 != null && (options.x0.dtype !== 'float32' || options.x0.size !== b.size)) return null;
  const batch = b.rank === 3 ? b.shape[0] : 1;
  const atol = hostAtol(options.atol, batch * b.shape[b.rank - 1]);
  if (atol == null) return null;
  // Every view of wasm memory is taken before any allocation and dropped before the upload.
  const jsOp = hostOperator(s.operator);
  if (jsOp == null || jsOp.batch !== batch || b.shape[b.rank - 2] !== jsOp.n) return null;
  const k = b.shape[b.rank - 1];
  const size = b.size;
  const {op, vector, arena} = withArena(jsOp, k, size, vectors);
  let result: HostResult;
  try {
    result = runOn(run, op, vector, k, b, general, s, options, atol);
  } finally {
    arena?.close();
  }
  runs[method] = (runs[method] ?? 0) + 1;
  if (arena != null) runs[`${method}:wasm`] = (runs[`${method}:wasm`] ?? 0) + 1;
  const {x, ...diagnostics} = result;
  // An arena vector is overwritten by the next solve: the tensor gets its own copy.
  const values = arena != null && inWasmMemory(arena.kernels, x) ? x.slice() : x;
  return {x: tf.tensor(values, b.shape, 'float32'), ...diagnostics};
}

function runOn(run: (p: HostProblem) => HostResult, op: HostOperator, vector: HostProblem['vector'], k: number,
    b: tf.Tensor, general: ReturnType<typeof hostPreconditioner>, s: KrylovState, options: SolverOptions,
    atol: number | Float32Array): HostResult {
  const inverseDiagonal = general == null && s.preconditions ? hostData(s.tensors[0]) : null;
  return run({
    op,
    vector,
    b: hostData(b),
    k,
    x0: options.x0 != null ? hostData(options.x0) : null,
    inverseDiagonal,
    precondition: general == null ? null : (_m, from, fo, to, too, k) => general.applyBlock(from, fo, to, too, k),
    rtol: options.rtol,
    atol,
    maxIterations: options.maxIterations ?? 10 * s.operator.shape[0],
    checkEvery: options.checkEvery,
    fixed: options.fixedIterations,
  });
}

/** The preconditioner with a typed-array product, or null. */
function hostPreconditioner(s: KrylovState) {
  return isHostApplicable(s.preconditioner) ? s.preconditioner : null;
}

/**
 * The operator and vectors in a WebAssembly arena where the kernels apply (a sparse operator,
 * one column: the products of blocks stay on the JS loops), or the JS operator and plain arrays.
 */
function withArena(op: HostOperator, k: number, size: number, vectors: number):
    {op: HostOperator; vector: HostProblem['vector']; arena: WasmArena | null} {
  const plan = k === 1 && op.batch === 1 ? wasmPlan(op) : null;
  const arena = plan != null ? WasmArena.open(plan.bytes + vectors * WasmArena.bytes(size, plan.pad)) : null;
  const bound = plan != null && arena != null ? plan.bind(arena) : null;
  if (plan == null || arena == null || bound == null) {
    arena?.close();
    return {op, vector: null, arena: null};
  }
  return {op: bound, vector: () => arena.f32(size, plan.pad), arena};
}

/**
 * atol as the host loop takes it: a number, or one value per system (a `[..., 1, k]` tensor,
 * as the per-column scaling of b makes it), copied before any view of wasm memory is taken;
 * null for any other shape.
 */
function hostAtol(atol: number | tf.Tensor, systems: number): number | Float32Array | null {
  if (typeof atol === 'number') return atol;
  if (atol.dtype !== 'float32') return null;
  if (atol.size === 1) return atol.dataSync()[0];
  return atol.size === systems ? Float32Array.from(atol.dataSync()) : null;
}

/** A dense, sparse or diagonal operator on typed arrays; null for any other kind. */
function hostOperator(op: LinearOperator): HostOperator | null {
  if (op instanceof DenseOperator) {
    if (op.matrix.dtype !== 'float32') return null;
    // eslint-disable-next-line dot-notation
    return new DenseHost(op.shape[0], op.batchSize ?? 1, hostData(op.matrix), op['transposed']);
  }
  if (op instanceof SparseOperator) {
    if (op.values.dtype !== 'float32') return null;
    // eslint-disable-next-line dot-notation
    return new CsrHost(op.shape[0], csrOf(op.pattern, op['transposed']), hostData(op.values));
  }
  if (op instanceof DiagonalOperator) {
    if (op.values.dtype !== 'float32') return null;
    return new DiagonalHost(op.shape[0], op.batchSize ?? 1, hostData(op.values));
  }
  return null;
}

/** CSR of a pattern (and of its transpose), built once per pattern object. */
const csrCache = new WeakMap<SparsePattern, {forward?: CsrStructure; transposed?: CsrStructure}>();

function csrOf(pattern: SparsePattern, transposed: boolean): CsrStructure {
  let cached = csrCache.get(pattern);
  if (cached == null) {
    cached = {};
    csrCache.set(pattern, cached);
  }
  if (transposed) return cached.transposed ??= buildCsr(pattern.n, pattern.cols, pattern.rows);
  return cached.forward ??= buildCsr(pattern.n, pattern.rows, pattern.cols);
}
