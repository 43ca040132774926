/**
 * Type-level checks of the public API (compiled by `tsc --noEmit` in `npm test`, and by
 * __tests__/types.test.ts, which also removes each `@ts-expect-error` to prove that line
 * fails). Never run: only its types matter.
 */
import * as tf from '@tensorflow/tfjs';
import * as ls from '../../src';
import {BaseOperator, CGSolver, registerSolver} from '../../src/extend';

export function ranksFollowB(A: tf.Tensor2D, b1: tf.Tensor1D, b2: tf.Tensor2D, v: tf.Variable<tf.Rank.R1>): void {
  const x1: tf.Tensor1D = ls.solve(A, b1);
  const x2: tf.Tensor2D = ls.solve(A, b2);
  const xv: tf.Tensor1D = ls.solve(A, v);
  const r: ls.LinearSolveResult<tf.Tensor1D> = ls.linearSolve(A, b1);
  const fromResult: tf.Tensor1D = ls.linearSolve(A, b1, {method: 'cg'}).x;
  const lu = ls.factorize(A);
  const xf: tf.Tensor2D = lu.solve(b2);
  const rf: tf.Tensor1D = lu.linearSolve(b1).x;
  const any: tf.Tensor = ls.solve(A, b1 as tf.Tensor);
  // @ts-expect-error a 1-D b gives a 1-D x, not a 2-D one
  const wrong: tf.Tensor2D = ls.solve(A, b1);
  // @ts-expect-error x is a plain tensor, not a variable
  const notVariable: tf.Variable = ls.solve(A, v);
  void [x1, x2, xv, r, fromResult, xf, rf, any, wrong, notVariable];
}

export function numbersAsTfjsOpsTakeThem(): void {
  const x1: tf.Tensor1D = ls.solve([[4, 1], [1, 3]], [1, 2]);
  const x2: tf.Tensor2D = ls.solve([[4, 1], [1, 3]], [[1, 0], [0, 1]]);
  const xb: tf.Tensor3D = ls.solve([[[4, 1], [1, 3]]], [[[1], [2]]]);
  const typed: tf.Tensor1D = ls.solve([new Float32Array([4, 1]), new Float32Array([1, 3])], new Float64Array([1, 2]));
  const x0: tf.Tensor1D = ls.solve([[4, 1], [1, 3]], [1, 2], {method: 'cg', x0: [0, 0]});
  const D = ls.diagonal([2, 4]);
  const M = ls.dense([[4, 1], [1, 3]], {tags: ['symmetric']});
  // @ts-expect-error strings are not numbers
  ls.solve([['4', '1'], ['1', '3']], [1, 2]);
  // @ts-expect-error a number is not a right-hand side
  ls.solve([[4, 1], [1, 3]], 3);
  // @ts-expect-error options are an object, not an array
  ls.solve([[4, 1], [1, 3]], [1, 2], [{method: 'cg'}]);
  // @ts-expect-error unknown method name
  ls.solve([[4, 1], [1, 3]], [1, 2], {method: 'qr'});
  void [x1, x2, xb, typed, x0, D.dispose(), M.dispose()];
}

export function galleryFeedsSparse(m: number): ls.SparseOperator {
  const direct = ls.sparse(ls.poisson2d(m));
  direct.dispose();
  // @ts-expect-error sparse needs a spec
  ls.sparse();
  return ls.sparse({...ls.poisson2d(m), tags: ['symmetric', 'positiveDefinite']});
}

/** Everything a custom solver and a custom adjoint need is exported. */
export class ScaledCG implements ls.Solver {
  readonly name = 'scaledCg';
  readonly iterative = true;
  private readonly inner = new CGSolver();
  init(operator: ls.LinearOperator, options: ls.SolverOptions): ls.SolverState {
    return this.inner.init(operator, options);
  }
  compute(state: ls.SolverState, b: tf.Tensor, options: ls.SolverOptions): ls.SolverResult {
    return this.inner.compute(state, b, options);
  }
  transpose(state: ls.SolverState): ls.SolverState {
    return this.inner.transpose(state);
  }
}

export const loggingAdjoint: ls.Adjoint = {
  name: 'logging',
  solve(problem: ls.SolveProblem): {x: tf.Tensor; outcome: ls.SolveStats} {
    const options: ls.ResolvedOptions = problem.options;
    const state = problem.solver.init(problem.operator, options);
    const {x, status, iterations, relativeResidual} = problem.solver.compute(state, problem.b, options);
    return {x, outcome: {status, iterations, relativeResidual, method: problem.solver.name}};
  },
};

export class Shift extends BaseOperator {
  readonly kind = 'shift';
  readonly shape: [number, number] = [2, 2];
  apply(x: tf.Tensor): tf.Tensor { return tf.add(x, x); }
  transpose(): ls.LinearOperator { return this; }
  toDense(): tf.Tensor { return tf.mul(tf.eye(2), 2); }
}

export function register(): void {
  registerSolver(() => new CGSolver());
  const backward: ls.BackwardOptions = {rtol: 1e-4};
  void backward;
}
