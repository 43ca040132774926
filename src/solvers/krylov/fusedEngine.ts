/**
 * The fused engine: runs CG's and BiCGStab's iterations through a backend's fused Krylov kernels
 * (`Kernels.fusedKrylov`, the custom WebGL programs) instead of a loop of tf ops, with the
 * same recurrence, the same `iterate` loop (checks every `checkEvery`, restarts from the true
 * residual, stagnation) and the same `finishIterative` — so statuses and gradients are those
 * of the tf-ops CGSolver and BiCGStabSolver, which stay the reference.
 *
 * It applies when the backend has fused kernels and they are on, the tape is not recording
 * (the forward and the implicit backward run off the tape; unrolled and second-order recorded
 * loops keep tf ops), b is float32, and the preconditioner is none or Jacobi (an
 * operator-valued M is a closure of tf ops; its product would not fuse). A·p is the operator's
 * own product: on webgl a sparse A goes through the one-pass ELL program, a dense one through
 * `tf.matMul`, a matrix-free one through its closure.
 *
 * Measured by bench/webgl-engine.ts (bench/results/webgl-engine.md): see the numbers there
 * and in src/kernels/webgl/index.ts.
 */
import * as tf from '@tensorflow/tfjs-core';
import {isRecording} from '../../core/tape';
import {FusedKrylov, kernels} from '../../kernels';
import {SolverOptions, SolverResult, SolverState} from '../Solver';
import {LinearOperator} from '../../operators/LinearOperator';
import {SparseOperator} from '../../operators/sparse/SparseOperator';
import {IterativeState, finishIterative, initialGuess, iterate, iterationCap, loopFlags, thresholds} from './iterative';

const runs: Record<string, number> = {};

/** How many solves each method ran on the fused engine since the process started. */
export function fusedEngineRuns(method: string): number {
  return runs[method] ?? 0;
}

/** The backend's fused kernels when they apply to this solve, else null. */
function fusedFor(state: SolverState, b: tf.Tensor, options: SolverOptions): FusedKrylov | null {
  const fused = kernels().fusedKrylov;
  if (fused == null || !fused.available() || isRecording()) return null;
  const s = state as IterativeState;
  if (s.preconditioner != null || b.dtype !== 'float32' || (b.rank !== 2 && b.rank !== 3)) return null;
  if (options.x0 != null && options.x0.dtype !== 'float32') return null;
  return fused;
}

/**
 * CG (Jacobi-preconditioned or not) on the fused kernels, or null when they do not apply. One
 * right-hand side runs on vectors `[n]` (no reshapes in the loop), blocks as they come.
 */
export function tryFusedCG(state: SolverState, b: tf.Tensor, options: SolverOptions): SolverResult | null {
  const fused = fusedFor(state, b, options);
  if (fused == null) return null;
  const s = state as IterativeState;
  const n = s.operator.shape[0];
  const vector = b.rank === 2 && b.shape[1] === 1;
  const shape = vector ? [n] : b.shape;
  const product = loopProduct(fused, s.operator, vector);
  const A = product.apply;
  const rhs = tf.reshape(b, shape);
  const d = s.preconditions ? tf.reshape(s.tensors[0], vector ? [n] : s.tensors[0].shape) : null;
  const tol = tf.tidy(() => (vector ? tf.reshape(thresholds(b, options), [1]) : thresholds(b, options)));
  const restart = (x: tf.Tensor) => {
    const r = tf.sub(rhs, A(x));
    const rz = fused.columnDot(r, r, d);
    return {x, r, p: d == null ? r : tf.mul(d, r), rz, rr: d != null ? fused.columnDot(r, r) : rz, broken: tf.zerosLike(rz)};
  };
  const first = tf.tidy(() => restart(tf.reshape(initialGuess(b, options), shape)));
  // The threshold squared once: the update programs read it per column.
  const tol2 = tf.tidy(() => tf.square(tol));
  const result = iterate(first, {
    maxIterations: iterationCap(state, options),
    checkEvery: options.checkEvery,
    fixed: options.fixedIterations,
    step: v => fused.cgStep(v, A(v.p), tol2, d),
    check: ({rr, broken}) => loopFlags(rr, tol, broken),
    refresh: ({x, broken}) => ({...restart(x), broken: tf.clone(broken)}),
  });
  runs.cg = (runs.cg ?? 0) + 1;
  const {x, ...rest} = result.state;
  tf.dispose([...Object.values(rest), tol, tol2, rhs, ...(d == null ? [] : [d]), ...product.tensors]);
  const solution = tf.reshape(x, b.shape);
  x.dispose();
  return finishIterative(state, b, solution, result.iterations, options, result.status);
}

/**
 * BiCGStab (Jacobi-preconditioned or not) on the fused kernels, or null when they do not apply.
 * The loop state lives in the programs' layout (`[n]` for one right-hand side, `[B, n, k]`
 * for blocks); A·v reshapes to the operator's shapes only for blocks. Measured in headless
 * Chromium (SwiftShader, load ~5; bench/results/webgl-engine.md), convection–diffusion, 50
 * fixed iterations, fastest of three runs: 128² 11.4 ms an iteration against 99 ms for the
 * tf-ops loop, 256² 56 ms against 270 ms.
 */
export function tryFusedBiCGStab(state: SolverState, b: tf.Tensor, options: SolverOptions): SolverResult | null {
  const fused = fusedFor(state, b, options);
  if (fused == null) return null;
  const s = state as IterativeState;
  const n = s.operator.shape[0];
  const vector = b.rank === 2 && b.shape[1] === 1;
  const k = b.shape[b.rank - 1];
  const shape = vector ? [n] : b.rank === 2 ? [1, n, k] : b.shape;
  const outer = vector ? [n] : b.shape;
  const product = loopProduct(fused, s.operator, vector);
  const A = vector || b.rank === 3 ? product.apply :
    (v: tf.Tensor) => tf.tidy(() => tf.reshape(product.apply(tf.reshape(v, outer)), shape));
  const rhs = tf.reshape(b, shape);
  const d = s.preconditions ? tf.reshape(s.tensors[0], vector ? [n] : [-1, n, 1]) : null;
  const tol = tf.tidy(() => (vector ? tf.reshape(thresholds(b, options), [1]) : tf.reshape(thresholds(b, options), [shape[0], 1, k])));
  const tol2 = tf.tidy(() => tf.square(tol));
  const restart = (x: tf.Tensor) => fused.bicgstabStart(x, tf.sub(rhs, A(x)));
  const first = tf.tidy(() => restart(tf.reshape(initialGuess(b, options), shape)));
  const result = iterate(first, {
    maxIterations: iterationCap(state, options),
    checkEvery: options.checkEvery,
    fixed: options.fixedIterations,
    step: v => fused.bicgstabStep(v, A, tol2, d),
    check: v => loopFlags(fused.bicgstabResidual(v, tol), tol, v.broken),
    refresh: ({x, broken}) => ({...restart(x), broken: tf.clone(broken)}),
  });
  runs.bicgstab = (runs.bicgstab ?? 0) + 1;
  const {x, ...rest} = result.state;
  tf.dispose([...Object.values(rest), tol, tol2, rhs, ...(d == null ? [] : [d]), ...product.tensors]);
  const solution = tf.reshape(x, b.shape);
  x.dispose();
  return finishIterative(state, b, solution, result.iterations, options, result.status);
}

/**
 * A·v for the loop: a sparse A's values read into the product's layout once (they are fixed
 * for the solve), any other operator's own product.
 */
function loopProduct(fused: FusedKrylov, op: LinearOperator, vector: boolean): {apply: (v: tf.Tensor) => tf.Tensor; tensors: tf.Tensor[]} {
  const n = op.shape[0];
  if (!(op instanceof SparseOperator) || op.values.dtype !== 'float32') {
    return {apply: vector ? v => tf.tidy(() => tf.reshape(op.apply(tf.reshape(v, [n, 1])), [n])) : v => op.apply(v), tensors: []};
  }
  // eslint-disable-next-line dot-notation
  const transposed = op['transposed'] as boolean;
  const batch = op.batchSize;
  if (batch == null) return fused.prepareSparse(op.pattern, op.values, transposed);
  const flat = tf.reshape(op.values, [batch * op.pattern.nnz]);
  const prepared = fused.prepareSparse(op.pattern.blockDiagonal(batch), flat, transposed);
  flat.dispose();
  return {
    apply: v => tf.tidy(() => tf.reshape(prepared.apply(tf.reshape(v, [batch * n, v.shape[2] as number])), v.shape)),
    tensors: prepared.tensors,
  };
}
