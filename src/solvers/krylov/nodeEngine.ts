/**
 * The native engine: on tfjs-node, CG runs as a loop of TensorFlow's kernels called by name
 * (kernels/node/nativeCG.ts) instead of a loop of tf ops, where that gives the same answer
 * faster. It applies off the tape (the forward solve and the implicit backward; unrolled and
 * second-order recorded loops keep tf ops), with no preconditioner or Jacobi (an operator-valued
 * M is applied by tf ops), for any operator (dense and unbatched sparse A are applied by one
 * native kernel, others by their own tf ops).
 *
 * Engine per shape, measured by bench/node-engine.ts on a shared 2-core machine (CG on 2-D
 * Poisson, ms per iteration, medians of interleaved runs; the committed numbers are in
 * bench/results/node-engine.md):
 * - 256², k = 8: native 2.6 ms, tf-ops loop 3.9 ms, host typed arrays 6.0 ms: native.
 * - 256², k = 1: native 0.45 ms, tf-ops loop 0.80 ms, host typed arrays 0.47 ms (its reads
 *   and upload included): native, by a hair; TensorFlow's SparseTensorDenseMatMul alone is
 *   most of it, so neither engine reaches SciPy's ~0.2 ms.
 * - 128², k = 1: native 0.17 ms, tf-ops loop 0.46 ms, host 0.12 ms: the host loop wins on
 *   small systems, where a native dispatch outweighs the arithmetic; below
 *   `HOST_BELOW` unknowns a single right-hand side goes to the host engine.
 * `useNativeEngine(false)` restores the tf-ops loop, the reference the tests compare with.
 */
import * as tf from '@tensorflow/tfjs';
import {LinearOperator} from '../../operators/LinearOperator';
import {DenseOperator} from '../../operators/DenseOperator';
import {SparseOperator} from '../../operators/sparse/SparseOperator';
import {SolverOptions, SolverResult, SolverState} from '../Solver';
import {isRecording} from '../../core/tape';
import {kernels} from '../../kernels';
import {NativeOps, nativeOps} from '../../kernels/node/NativeOps';
import {kernelsPerIteration, nativeCG} from '../../kernels/node/nativeCG';
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
 * One right-hand side on fewer unknowns than this runs on the host engine: there a native
 * dispatch outweighs the arithmetic (see the measurements above).
 */
export const HOST_BELOW = 32768;

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
  lastKernels = kernelsPerIteration(k, inverseDiagonal != null);
  return finishIterative(state, b, result.x, result.iterations, options, result.status);
}

/** A·p in one native kernel for dense and unbatched sparse A; the operator's own ops otherwise. */
function nativeProduct(operator: LinearOperator, ops: NativeOps): (p: tf.Tensor) => tf.Tensor {
  if (operator instanceof DenseOperator && operator.matrix.dtype === 'float32') {
    // eslint-disable-next-line dot-notation
    const transposed = operator['transposed'] as boolean;
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
