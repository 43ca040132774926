import * as tf from '@tensorflow/tfjs';
import {LinearOperator} from '../operators/LinearOperator';
import {Solver} from '../solvers/Solver';
import {ResolvedOptions} from '../options';
import {Outcome} from '../failure';

/** One linear system as an adjoint receives it: b in canonical shape `[n, k]` or `[B, n, k]`. */
export interface SolveProblem {
  operator: LinearOperator;
  solver: Solver;
  b: tf.Tensor;
  options: ResolvedOptions;
}

/**
 * How gradients flow through a solve (a strategy, as in optimistix): the forward result is
 * the same for every adjoint; what differs is the graph that the backward pass walks.
 * Failures are reported (per `options.onFailure`) before any graph is built.
 */
export interface Adjoint {
  readonly name: string;
  /** The solution x, with the graph its gradients follow, and how the forward solve ended. */
  solve(problem: SolveProblem): {x: tf.Tensor; outcome: Outcome};
}
