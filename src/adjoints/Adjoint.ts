import * as tf from '@tensorflow/tfjs';
import {LinearOperator} from '../operators/LinearOperator';
import {Solver, SolverOptions} from '../solvers/Solver';
import {OnFailure, SolveStats} from '../core/SolveStats';
import {Refinement} from '../solvers/refine/refineSolution';
import {ResolvedRefine} from '../solvers/refine/RefineOptions';

/** One linear system as an adjoint receives it: b in canonical shape `[n, k]` or `[B, n, k]`. */
export interface SolveProblem {
  operator: LinearOperator;
  solver: Solver;
  b: tf.Tensor;
  options: ResolvedOptions;
  /** Called with the backward solve's stats each time a gradient runs through this solve. */
  onBackward?: (stats: SolveStats) => void;
}

/** The forward's options that the backward solve may override. */
export interface BackwardOptions {
  rtol?: number;
  atol?: number;
  maxIterations?: number;
  checkEvery?: number;
  restart?: number;
}

/** Options with every default filled in, as solvers and adjoints read them. */
export interface ResolvedOptions extends SolverOptions {
  onFailure: OnFailure;
  backward: Partial<SolverOptions>;
  /** Iterative refinement in extended precision, or null (off); absent means off. */
  refine?: ResolvedRefine | null;
}

/**
 * How gradients flow through a solve (a strategy, as in optimistix): the forward result is
 * the same for every adjoint; what differs is the graph that the backward pass walks.
 * Failures are reported (per `options.onFailure`) before any graph is built.
 */
export interface Adjoint {
  readonly name: string;
  /** The solution x, with the graph its gradients follow, and how the forward solve ended. */
  solve(problem: SolveProblem): {x: tf.Tensor; outcome: SolveStats; refinement?: Refinement};
}
