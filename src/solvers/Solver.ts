import * as tf from '@tensorflow/tfjs';
import {LinearOperator} from '../operators/LinearOperator';

/**
 * How a solve ended. Only `'converged'` means the answer meets its tolerance; `'stagnated'`
 * means restarts from the true residual stopped reducing it (rtol below float32's reach);
 * `'unchecked'` is a `fixedIterations` solve, which by request read nothing back.
 */
export type SolveStatus =
  'converged' | 'maxIterations' | 'stagnated' | 'breakdown' | 'singular' | 'nonFinite' | 'unchecked';

/** Options every solver reads, with defaults filled in (see `SolveOptions` for the user's side). */
export interface SolverOptions {
  /** Relative tolerance on ‖b − A x‖ / ‖b‖, per right-hand side. */
  rtol: number;
  /** Absolute tolerance on ‖b − A x‖; a column converges when ‖r‖ ≤ max(rtol·‖b‖, atol). */
  atol: number | tf.Tensor;
  maxIterations: number | null;
  /** Read convergence back to JavaScript every this many iterations. */
  checkEvery: number;
  /** Initial guess for iterative solvers, in the solver's canonical shape. */
  x0: tf.Tensor | null;
  /** M ≈ A⁻¹ applied to residuals, or 'jacobi' for diag(A)⁻¹, or null. */
  preconditioner: 'jacobi' | LinearOperator | null;
  /** Krylov subspace size between GMRES restarts. */
  restart: number;
  /** Run exactly `maxIterations` iterations and read nothing back (status 'unchecked'). */
  fixedIterations: boolean;
  /**
   * Direct methods: measure the residual and backward error (true), or only check that x is
   * finite (false: the implicit backward, whose factors the forward already checked).
   */
  measureResidual?: boolean;
}

/** What a solver returns: x `[..., n, k]` and honest diagnostics. */
export interface SolverResult {
  x: tf.Tensor;
  status: SolveStatus;
  iterations: number;
  /** max over right-hand sides (and batch) of ‖b − A x‖ / ‖b‖, measured, not estimated. */
  relativeResidual: number;
}

/**
 * The state a solver keeps between `init` and `compute`: factors for direct methods, the
 * operator (and preconditioner) for iterative ones. The implicit adjoint saves `tensors` for
 * the backward pass and rebuilds the state with `withTensors` (and the operator rebuilt from
 * its saved parameters), so the backward reuses the factorisation.
 */
export interface SolverState {
  readonly operator: LinearOperator;
  readonly tensors: tf.Tensor[];
  withTensors(tensors: tf.Tensor[], operator: LinearOperator): SolverState;
}

/**
 * How to solve A x = b. `init` factorises once; `compute` solves for a block of right-hand
 * sides `[..., n, k]`; `transpose` gives the state that solves Aᵀ λ = g with the same factors.
 */
export interface Solver {
  readonly name: string;
  /** Iterative solvers honour rtol/atol/maxIterations; direct ones ignore them. */
  readonly iterative: boolean;
  init(operator: LinearOperator, options: SolverOptions): SolverState;
  compute(state: SolverState, b: tf.Tensor, options: SolverOptions): SolverResult;
  transpose(state: SolverState): SolverState;
}
