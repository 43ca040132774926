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
 * Engine per backend, measured by bench/host-engine.ts (bench/results/host-engine.md; three
 * runs on a shared 2-core machine, CG iterations on 2-D Poisson 128² and 256², ratios of runs
 * taken side by side):
 * - cpu: this engine. A CG iteration is 7–16× faster than the tf-ops loop (256²: 153 → 10 ms
 *   in the committed run) and 0.95–1.5× the plain Float32Array CSR CG of bench/peers/js.ts.
 * - wasm: this engine. 25–46× faster than the tf-ops loop (256²: 382 → 8.3 ms in the committed
 *   run), 0.7–1.6× the plain JS CG.
 * - The plain JS CG itself is 2.6–4.2× SciPy's cg here, so that is this engine's floor against
 *   SciPy: a scalar JavaScript CSR product, with bounds checks and no SIMD, against NumPy's C.
 * - tensorflow, webgl, webgpu: tf ops. Their data lives in native or GPU memory, so the host
 *   engine would add a readback and an upload per solve; it was not measured there, and
 *   `hostBackend()` is false.
 */
import * as tf from '@tensorflow/tfjs';
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

/** What the host engine needs of an iterative solver's state (IterativeState satisfies it). */
interface KrylovState extends SolverState {
  readonly preconditioner: LinearOperator | null;
  readonly preconditions: boolean;
}

const runs: Record<string, number> = {};

export {useHostEngine};

/** How many solves each method ran on the host engine since the process started. */
export function hostEngineRuns(method: string): number {
  return runs[method] ?? 0;
}

/** CG (Jacobi-preconditioned or not) on the host, or null when the host engine does not apply. */
export function tryHostCG(state: SolverState, b: tf.Tensor, options: SolverOptions): SolverResult | null {
  return tryHost('cg', cgHost, state, b, options);
}

/** BiCGStab on the host, or null when the host engine does not apply. */
export function tryHostBiCGStab(state: SolverState, b: tf.Tensor, options: SolverOptions): SolverResult | null {
  return tryHost('bicgstab', bicgstabHost, state, b, options);
}

/** GMRES(options.restart) on the host, or null when the host engine does not apply. */
export function tryHostGMRES(state: SolverState, b: tf.Tensor, options: SolverOptions): SolverResult | null {
  return tryHost('gmres', p => gmresHost(p, options.restart), state, b, options);
}

/** Jacobi / Richardson iteration on the host, or null when the host engine does not apply. */
export function tryHostJacobi(state: SolverState, b: tf.Tensor, options: SolverOptions): SolverResult | null {
  return tryHost('jacobi', jacobiHost, state, b, options);
}

function tryHost(method: string, run: (p: HostProblem) => HostResult, state: SolverState, b: tf.Tensor,
    options: SolverOptions): SolverResult | null {
  if (!hostEngineEnabled() || !hostBackend() || isRecording()) return null;
  const s = state as KrylovState;
  const general = isHostApplicable(s.preconditioner) ? s.preconditioner : null;
  if ((s.preconditioner != null && general == null) || b.dtype !== 'float32') return null;
  if (options.x0 != null && (options.x0.dtype !== 'float32' || options.x0.size !== b.size)) return null;
  const batch = b.rank === 3 ? b.shape[0] : 1;
  const atol = hostAtol(options.atol, batch * b.shape[b.rank - 1]);
  if (atol == null) return null;
  // Every view of wasm memory is taken before any allocation and dropped before the upload.
  const op = hostOperator(s.operator);
  if (op == null || op.batch !== batch || b.shape[b.rank - 2] !== op.n) return null;
  const inverseDiagonal = general == null && s.preconditions ? hostData(s.tensors[0]) : null;
  const result = run({
    op,
    b: hostData(b),
    k: b.shape[b.rank - 1],
    x0: options.x0 != null ? hostData(options.x0) : null,
    inverseDiagonal,
    precondition: general == null ? null : (_m, from, fo, to, too, k) => general.applyBlock(from, fo, to, too, k),
    rtol: options.rtol,
    atol,
    maxIterations: options.maxIterations ?? 10 * s.operator.shape[0],
    checkEvery: options.checkEvery,
    fixed: options.fixedIterations,
  });
  runs[method] = (runs[method] ?? 0) + 1;
  const {x, ...diagnostics} = result;
  return {x: tf.tensor(x, b.shape, 'float32'), ...diagnostics};
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
