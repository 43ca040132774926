import * as tf from '@tensorflow/tfjs';
import {LinearOperator, OperatorTag, isLinearOperator} from './operators/LinearOperator';
import {MethodName} from './solvers/chooseSolver';
import {Solver, SolverOptions} from './solvers/Solver';
import {LinearSolveError} from './core/LinearSolveError';
import {kernels} from './kernels';
import {OnFailure} from './core/SolveStats';
import {Adjoint, BackwardOptions, ResolvedOptions} from './adjoints/Adjoint';
import {validateOptionTypes} from './core/optionTypes';
import {PreconditionerSpec, isPreconditionerSpec} from './solvers/krylov/builtinPreconditioner';
import {RefineOption, resolveRefine} from './solvers/refine/RefineOptions';

export type {OnFailure, BackwardOptions, ResolvedOptions};

/**
 * Options of `solve` and `linearSolve`; every field is optional.
 *
 * ```ts
 * ls.solve(A, b, {method: 'cg', rtol: 1e-6, preconditioner: 'jacobi', maxIterations: 500});
 * ```
 */
export interface SolveOptions {
  /** 'auto' (default), 'lu', 'cholesky', 'cg', 'bicgstab', 'gmres', or a Solver instance. */
  method?: MethodName | Solver;
  /**
   * How gradients flow: 'implicit' (default: one transposed solve, memory independent of the
   * iterations), 'unrolled' (through every iteration), {truncated: k} (k taped damped
   * Richardson or Landweber steps from the solution, convergent for any A), {stochastic: {rate, seed}} (the backward solves a Bernoulli(rate)
   * sample of the right-hand-side columns, rescaled: unbiased), or an Adjoint instance.
   */
  adjoint?: 'implicit' | 'unrolled' | {truncated: number} | {stochastic: {rate: number; seed?: number}} | Adjoint;
  /** Relative tolerance ‖b − A x‖ ≤ rtol·‖b‖ per right-hand side (iterative; default 1e-5). */
  rtol?: number;
  /** Absolute tolerance: a column stops at ‖b − A x‖ ≤ max(rtol·‖b‖, atol) (default 0). */
  atol?: number;
  /** Iteration cap of iterative methods (default 10·n). */
  maxIterations?: number;
  /** Read convergence back every this many iterations (default 5 on cpu/wasm/tensorflow, 10 on webgl). */
  checkEvery?: number;
  /** Initial guess for iterative methods, shaped like b. */
  x0?: tf.Tensor;
  /**
   * M ≈ A⁻¹ for iterative methods: 'jacobi' (diag(A)⁻¹), 'ssor' (or `{ssor: {omega}}`), 'ic0'
   * (or `{ic0: {shift}}`), 'ilu0' — built from A's entries when the solve starts, the
   * backward using Mᵀ — or any operator M ≈ A⁻¹ (`ls.multigrid`, `ls.fsai`, `ls.ic0(A)`, …).
   */
  preconditioner?: PreconditionerSpec | LinearOperator;
  /** Krylov subspace size between GMRES restarts (default 20). */
  restart?: number;
  /**
   * Run exactly `maxIterations` iterations with no readback (for GPUs and for unrolled
   * training); the status is then 'unchecked'. Iterative methods only.
   */
  fixedIterations?: boolean;
  /** 'throw' (default), 'warn' or 'ignore' when the solve fails; see `linearSolve`'s status. */
  onFailure?: OnFailure;
  /** Structural promises for a plain tensor A, e.g. ['symmetric', 'positiveDefinite']. */
  tags?: OperatorTag[];
  /**
   * Options of the implicit backward solve Aᵀλ = ∂L/∂x where they differ from the forward's,
   * e.g. `{backward: {rtol: 1e-4}}`; it runs the same method on the same factors, with the
   * transposed preconditioner.
   */
  backward?: BackwardOptions;
  /**
   * Mixed-precision iterative refinement: residuals b − A x in extended precision (float64 on
   * the host, or double-float tf ops on GPUs), corrections with the same factors or Krylov
   * method. `true`, `{steps, precision, rtol}`, `false`, or `'auto'` (default: only an iterative
   * solve that stagnated above rtol). `linearSolve`'s `refined` holds the extended-precision pair.
   */
  refine?: RefineOption;
}


const KNOWN = new Set(['method', 'adjoint', 'rtol', 'atol', 'maxIterations', 'checkEvery', 'x0',
  'preconditioner', 'restart', 'fixedIterations', 'onFailure', 'tags', 'backward', 'refine']);
const KNOWN_BACKWARD = new Set(['rtol', 'atol', 'maxIterations', 'checkEvery', 'restart']);

/** Validates the user's options and fills in defaults; x0 must already be in canonical shape. */
export function resolveOptions(options: SolveOptions, x0: tf.Tensor | null): ResolvedOptions {
  validateOptionTypes(options as Record<string, unknown>);
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key)) {
      throw new LinearSolveError('option', `Unknown option '${key}'. Known options: ${[...KNOWN].join(', ')}.`);
    }
  }
  const rtol = positive('rtol', options.rtol, 1e-5, true);
  const atol = positive('atol', options.atol, 0, true);
  const maxIterations = options.maxIterations == null ? null : positive('maxIterations', options.maxIterations, 0, false);
  const checkEvery = positive('checkEvery', options.checkEvery, kernels().checkEvery, false);
  const restart = positive('restart', options.restart, 20, false);
  const onFailure = options.onFailure ?? 'throw';
  if (!['throw', 'warn', 'ignore'].includes(onFailure)) {
    throw new LinearSolveError('option', `onFailure must be 'throw', 'warn' or 'ignore', got '${onFailure}'.`);
  }
  const p = options.preconditioner;
  if (p != null && !isPreconditionerSpec(p) && !isLinearOperator(p)) {
    throw new LinearSolveError('option',
      "preconditioner must be 'jacobi', 'ssor', 'ic0', 'ilu0', {ssor: {omega}}, {ic0: {shift}} or a LinearOperator M ≈ A⁻¹.");
  }
  const fixedIterations = options.fixedIterations ?? false;
  if (fixedIterations && options.maxIterations == null) {
    throw new LinearSolveError('option', 'fixedIterations needs maxIterations: the number of iterations to run.');
  }
  return {rtol, atol, maxIterations, checkEvery, restart, fixedIterations, onFailure, x0,
    preconditioner: p ?? null, backward: resolveBackward(options.backward ?? {}), refine: resolveRefine(options.refine)};
}

function resolveBackward(backward: BackwardOptions): Partial<SolverOptions> {
  const resolved: Partial<SolverOptions> = {};
  for (const [key, value] of Object.entries(backward)) {
    if (!KNOWN_BACKWARD.has(key)) {
      throw new LinearSolveError('option',
        `Unknown backward option '${key}'. Known: ${[...KNOWN_BACKWARD].join(', ')}.`);
    }
    const real = key === 'rtol' || key === 'atol';
    (resolved as Record<string, number>)[key] = positive(`backward.${key}`, value as number, 0, real);
  }
  return resolved;
}

function positive(name: string, value: number | undefined, fallback: number, real: boolean): number {
  if (value == null) return fallback;
  const ok = Number.isFinite(value) && value >= 0 && (real || (Number.isInteger(value) && value >= 1));
  if (!ok) {
    throw new LinearSolveError('option',
      `${name} must be ${real ? 'a finite number ≥ 0' : 'an integer ≥ 1'}, got ${value}.`);
  }
  return value;
}
