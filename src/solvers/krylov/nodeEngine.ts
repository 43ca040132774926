/**
 * The native engine: on tfjs-node, CG runs as a loop of TensorFlow's kernels called by name
 * (kernels/node/nativeCG.ts) instead of a loop of tf ops, where that gives the same answer
 * faster. It applies off the tape (the forward solve and the implicit backward; unrolled and
 * second-order recorded loops keep tf ops), with no preconditioner or Jacobi (an operator-valued
 * M is applied by tf ops), for any operator (dense and unbatched sparse A are applied by one
 * native kernel, others by their own tf ops).
 *
 * Engine per shape, measured by bench/node-engine.ts (bench/results/node-engine.md): CG on 2-D
 * Poisson, ms per iteration, the fastest of interleaved rounds, in two runs on a 2-core
 * machine shared at load averages 17–27 (every number several times its quiet value; the
 * ratios are what carry over):
 * - a block, k = 8: native beat the host loop 9× and 25× at 128² (4.2 vs 37.5; 3.9 vs 97) and
 *   4× and 7× at 256² (53 vs 212; 48 vs 339), and the tf-ops loop 1.4–4.8×: native. A third
 *   run (load 5–7, after the one-column dots moved to Mul + Sum and one column went in place):
 *   2.0× and 2.7× the host loop (2.28 vs 4.61; 8.40 vs 22.3), 1.2–1.5× the tf-ops loop.
 * - one right-hand side: the host engine, whose WebAssembly kernels beat the native loop at
 *   every grid measured, 128² to 1024² (the numbers are at `HOST_BELOW`).
 * `useNativeEngine(false)` restores the tf-ops loop, the reference the tests compare with.
 */
import * as tf from '@tensorflow/tfjs-core';
import {LinearOperator} from '../../operators/LinearOperator';
import {DenseOperator} from '../../operators/DenseOperator';
import {SparseOperator} from '../../operators/sparse/SparseOperator';
import {SolverOptions, SolverResult, SolverState} from '../Solver';
import {isRecording} from '../../core/tape';
import {kernels} from '../../kernels';
import {NativeOps, nativeOps} from '../../kernels/node/NativeOps';
import {kernelsPerIteration, nativeCG, runsInPlace} from '../../kernels/node/nativeCG';
import {finishIterative, iterationCap, thresholds} from './iterative';
import {tryHostCG} from './hostEngine';

interface KrylovState extends SolverState {
  readonly preconditioner: LinearOperator | null;
  readonly preconditions: boolean;
}

/** `true`: by shape (below); 'native' or 'host': that engine always; false: the tf-ops loop. */
export type NativeEngineChoice = boolean | 'native' | 'host';

let choice: NativeEngineChoice = true;
let runs = 0;
let lastKernels = 0;

/**
 * Which engine CG uses on tfjs-node, returning the previous setting: `true` (the default)
 * picks by shape as measured (see nodeEngine.ts), 'native' or 'host' forces one, and `false`
 * restores the tf-ops loop for comparisons in tests and benchmarks.
 *
 * ```ts
 * const previous = ls.useNativeEngine(false);   // time the tf-ops loop
 * ls.solve(A, b, {method: 'cg'});
 * ls.useNativeEngine(previous);
 * ```
 */
export function useNativeEngine(engine: NativeEngineChoice): NativeEngineChoice {
  const previous = choice;
  choice = engine;
  return previous;
}

/** Solves the native engine ran since the process started, and its last kernels per iteration. */
export function nativeEngineRuns(): {runs: number; kernelsPerIteration: number} {
  return {runs, kernelsPerIteration: lastKernels};
}

/**
 * One right-hand side on fewer unknowns than this runs on the host engine. With its WebAssembly
 * kernels (every Node this library supports has WebAssembly SIMD) the host loop beat the native
 * one at every size measured. CG on 2-D Poisson, one right-hand side, ms per iteration, fastest
 * of 9 interleaved rounds (bench/host-engine.ts, bench/results/host-engine.md, load average
 * 1–2.5 on 2 shared cores), host vs native: 128² 0.070 vs 1.43 (20×), 256² 0.30 vs 3.72 (12×),
 * 512² 1.48 vs 13.5 (9×), 1024² 10.4 vs 45.1 (4.3×); an earlier run at load 3–5 gave 27×, 8×,
 * 5.8× and 5.5×. So the threshold sits just above the largest grid measured, 1024²; beyond it
 * the choice is unmeasured and stays native. The JS loops alone would not justify it: 2.47 vs
 * 3.72 at 256², 10.8 vs 13.5 at 512², 60 vs 45 at 1024² (the earlier 32768 came from them).
 */
export const HOST_BELOW = 1024 * 1024 + 1;

/** CG on TensorFlow's kernels by name (or, where measured faster, on the host), or null. */
export function tryNativeCG(state: SolverState, b: tf.Tensor, options: SolverOptions): SolverResult | null {
  if (choice === false || isRecording() || b.dtype !== 'float32') return null;
  const ops = nativeOps();
  if (ops == null) return null;
  const s = state as KrylovState;
  if (s.preconditioner != null) return null;
  if (options.x0 != null && (options.x0.dtype !== 'float32' || !sameShape(options.x0.shape, b.shape))) return null;
  const k = b.shape[b.rank - 1] as number;
  const systems = (b.rank === 3 ? b.shape[0] : 1) * k;
  if (choice === 'host' || (choice === true && systems === 1 && s.operator.shape[0] < HOST_BELOW)) {
    const host = tryHostCG(state, b, options, true);
    if (host != null) return host;
  }
  const product = nativeProduct(s.operator, ops);
  const inverseDiagonal = s.preconditions ? s.tensors[0] : null;
  const tol = thresholds(b, options);
  let result;
  try {
    result = nativeCG({
      ops, product, b, inverseDiagonal, tol,
      x0: options.x0,
      maxIterations: iterationCap(state, options),
      checkEvery: options.checkEvery,
      fixed: options.fixedIterations,
    });
  } finally {
    tol.dispose();
  }
  runs++;
  lastKernels = kernelsPerIteration(k, inverseDiagonal != null, runsInPlace(b, inverseDiagonal != null));
  return finishIterative(state, b, result.x, result.iterations, options, result.status);
}

/** A·p in one native kernel for dense and unbatched sparse A; the operator's own ops otherwise. */
function nativeProduct(operator: LinearOperator, ops: NativeOps): (p: tf.Tensor) => tf.Tensor {
  if (operator instanceof DenseOperator && operator.matrix.dtype === 'float32') {
    // eslint-disable-next-line dot-notation
    const transposed = operator['transposed'] as boolean;
    // MatMul for one matrix: BatchMatMulV2 took ~4× as long on a matrix-vector product.
    if (operator.matrix.rank === 2) return p => p.rank === 2 ? ops.matMul2d(operator.matrix, p, transposed) : ops.matMul(operator.matrix, p, transposed, false);
    return p => ops.matMul(operator.matrix, p, transposed, false);
  }
  if (operator instanceof SparseOperator && operator.batchSize == null && operator.values.dtype === 'float32') {
    // eslint-disable-next-line dot-notation
    const transposed = operator['transposed'] as boolean;
    return p => kernels().sparseProduct(operator.pattern, operator.values, p, transposed);
  }
  return p => tf.tidy(() => operator.apply(p));
}

function sameShape(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
