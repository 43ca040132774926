/**
 * A solve's inputs as the solvers take them: A as a LinearOperator, b (and x0) as float32
 * tensors in the canonical `[n, k]` / `[B, n, k]` block, the options resolved and the solver
 * chosen. One place for the checks, so `linearSolve`, `linearSolveAsync` and `factorize`
 * refuse the same inputs with the same errors.
 */
import * as tf from '@tensorflow/tfjs-core';
import {LinearOperator, isLinearOperator} from './operators/LinearOperator';
import {DenseOperator} from './operators/DenseOperator';
import {chooseSolver} from './solvers/chooseSolver';
import {checkSolverOptions} from './solvers/registry';
import type {Solver} from './solvers/Solver';
import {ResolvedOptions, SolveOptions, resolveOptions} from './options';
import {LinearSolveError} from './core/LinearSolveError';
import {asFloat32, requireSquare} from './core/validate';
import {validateOptionTypes, validateTags} from './core/optionTypes';
import {NumericTensorLike, isArrayInput} from './core/tensorLike';

/** A right-hand side (or x0): a tf.Tensor, or numbers as tfjs ops accept them. */
export type TensorInput = tf.Tensor | NumericTensorLike;

/** What `solve` takes for A: a tf.Tensor, numbers as tfjs ops accept them, or a LinearOperator. */
export type MatrixInput = tf.Tensor | NumericTensorLike | LinearOperator;

/** Records a tensor made from an input (a cast, a conversion) to be freed when the solve ends. */
export type Own = (t: tf.Tensor, original: unknown) => tf.Tensor;

/** A validated problem: what every solve entry point starts from. */
export interface PreparedSolve {
  operator: LinearOperator;
  /** b as float32, in the caller's shape. */
  rhs: tf.Tensor;
  layout: {canonical: number[]};
  resolved: ResolvedOptions;
  solver: Solver;
}

/**
 * Converts and checks A, b, x0 and the options, in the order `linearSolve` has always
 * reported them; tensors it makes are passed to `own`.
 */
export function prepareSolve(A: MatrixInput, b: TensorInput, options: SolveOptions, own: Own): PreparedSolve {
  const operator = asOperator(A, options, own);
  const rhs = own(asFloat32(b, 'b'), b);
  const layout = rightHandLayout(operator, rhs.shape);
  validateOptionTypes(options as Record<string, unknown>);
  const x0 = options.x0 == null ? null :
    own(canonicalX0(own(asFloat32(options.x0, 'x0'), options.x0), rhs.shape, layout.canonical), null);
  const resolved = resolveOptions(options, x0);
  const solver = chooseSolver(options.method, operator);
  if (options.method != null && options.method !== 'auto') checkSolverOptions(solver, options, options.backward);
  return {operator, rhs, layout, resolved, solver};
}

/** A as a LinearOperator: operators pass through, tensors and arrays become a DenseOperator. */
export function asOperator(A: MatrixInput, options: SolveOptions, own: Own): LinearOperator {
  if (isLinearOperator(A)) return A;
  if (A instanceof tf.Tensor || isArrayInput(A)) {
    if (A instanceof tf.Tensor) requireSquare(A.shape, 'A');
    const matrix = own(asFloat32(A, 'A'), A);
    requireSquare(matrix.shape, 'A');
    return new DenseOperator(matrix, validateTags(options.tags, 'options'));
  }
  throw new LinearSolveError('dtype',
    'A must be a tf.Tensor, nested arrays of numbers or a LinearOperator (ls.dense, ls.sparse, ls.matrixFree).');
}

/** How b maps onto the canonical `[n, k]` / `[B, n, k]` block the solvers work on. */
export function rightHandLayout(operator: LinearOperator, shape: number[]): {canonical: number[]} {
  const n = operator.shape[0];
  const batch = operator.batchSize;
  const expected = batch == null ? `[${n}] or [${n}, k]` : `[${batch}, ${n}] or [${batch}, ${n}, k]`;
  const fail = () => new LinearSolveError('shape',
    `b has shape [${shape}], but A is ${batch == null ? '' : `a batch of ${batch} `}${n}×${n}: ` +
    `b must be ${expected}.`);
  if (batch == null) {
    if (shape.length < 1 || shape.length > 2 || shape[0] !== n) throw fail();
    return {canonical: [n, shape.length === 2 ? shape[1] : 1]};
  }
  if (shape.length < 2 || shape.length > 3 || shape[0] !== batch || shape[1] !== n) throw fail();
  return {canonical: [batch, n, shape.length === 3 ? shape[2] : 1]};
}

/** x0 in the canonical `[n, k]` / `[B, n, k]` shape, after checking it matches b. */
export function canonicalX0(x0: tf.Tensor, bShape: number[], canonical: number[]): tf.Tensor {
  if (x0.shape.length !== bShape.length || x0.shape.some((d, i) => d !== bShape[i])) {
    throw new LinearSolveError('shape', `x0 has shape [${x0.shape}]; it must match b's shape [${bShape}].`);
  }
  return tf.reshape(x0, canonical);
}
