import * as tf from '@tensorflow/tfjs';
import {LinearOperator} from '../operators/LinearOperator';
import {SolveStats, SolveStatus} from '../core/SolveStats';
import type {Readbacks} from '../core/readbacks';
import type {PreconditionerSpec} from './krylov/builtinPreconditioner';

export type {SolveStatus};

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
  /** M ≈ A⁻¹ applied to residuals, or a built-in one by name ('jacobi', 'ssor', 'ic0', 'ilu0'), or null. */
  preconditioner: PreconditionerSpec | LinearOperator | null;
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
export interface SolverResult extends Pick<SolveStats, 'status' | 'iterations' | 'relativeResidual'> {
  x: tf.Tensor;
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
  /** This state rebuilt on `tensors` (as saved for the backward) and `operator`. */
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
  /** What the solver can do and needs; absent on a user's Solver, which is then trusted as it is. */
  readonly capabilities?: SolverCapabilities;
  /** Factorises `operator` (direct methods) or keeps it and the preconditioner (iterative). */
  init(operator: LinearOperator, options: SolverOptions): SolverState;
  /** Solves for the right-hand sides b `[..., n, k]` with the state from `init`. */
  compute(state: SolverState, b: tf.Tensor, options: SolverOptions): SolverResult;
  /**
   * `compute` as a generator that yields each readback instead of reading it (see
   * `Readbacks`), so `solveAsync` can await them; a solver without it runs `compute` there.
   */
  computeSteps?(state: SolverState, b: tf.Tensor, options: SolverOptions): Readbacks<SolverResult>;
  /** The state that solves Aᵀ λ = g, reusing this state's factors. */
  transpose(state: SolverState): SolverState;
}

/** Options that only some solvers read; naming one for a solver that ignores it is an 'option' error. */
export type SolverSpecificOption = 'restart' | 'preconditioner' | 'x0' | 'fixedIterations';

/**
 * What a solver can do and what it needs, from which `'auto'`, option validation, the error
 * messages and the tests' method lists are derived (see `solvers/registry.ts`).
 */
export interface SolverCapabilities {
  kind: 'direct' | 'iterative';
  /** The backward (Aᵀλ = g) needs the operator's transpose; false when the factors suffice. */
  needsTranspose: boolean;
  /** Solves a batch `[B, n, n]` of operators at once. */
  batches: boolean;
  /** Correct only for symmetric positive definite A. */
  needsSPD: boolean;
  /** Only for these operator kinds (e.g. ['diagonal']); absent: any operator. */
  operatorKinds?: readonly string[];
  /** The solver-specific options it reads. */
  options: readonly SolverSpecificOption[];
}
