import * as tf from '@tensorflow/tfjs';
import {LinearOperator} from '../../operators/LinearOperator';
import {LinearSolveError} from '../../core/LinearSolveError';
import {Solver, SolverCapabilities, SolverOptions, SolverResult, SolverState, SolveStatus} from '../Solver';
import {columnNorm, divide, relativeTo, safeDivide, stopGradient} from '../linalg';
import {checkPreconditioner} from './checkPreconditioner';
import {buildPreconditioner} from './builtinPreconditioner';
import {isLinearOperator} from '../../operators/LinearOperator';
import {CONVERGENCE_MARGIN} from '../../core/tolerance';
import {Readbacks, readSync} from '../../core/readbacks';

/** M ≈ A⁻¹ applied to a residual block. */
export type Preconditioner = (r: tf.Tensor) => tf.Tensor;

/**
 * The state of an iterative solver: the operator, and the preconditioner as an operator
 * (for Jacobi, diag(A)⁻¹ computed once; its tensor is saved for the backward).
 */
export class IterativeState implements SolverState {
  constructor(readonly operator: LinearOperator, readonly tensors: tf.Tensor[],
      readonly preconditioner: LinearOperator | null) {}

  /** Whether `precondition` does anything. */
  get preconditions(): boolean {
    return this.preconditioner != null || this.tensors.length > 0;
  }

  /** M·r, or r itself without a preconditioner. */
  precondition(r: tf.Tensor): tf.Tensor {
    if (this.preconditioner != null) return this.preconditioner.apply(r);
    if (this.tensors.length > 0) return tf.mul(this.tensors[0], r);
    return r;
  }

  withTensors(tensors: tf.Tensor[], operator: LinearOperator): IterativeState {
    return new IterativeState(operator, tensors, this.preconditioner);
  }

  transpose(): IterativeState {
    // diag(Aᵀ) = diag(A), so a Jacobi preconditioner serves the transposed solve as it is.
    const m = this.preconditioner == null ? null : this.preconditioner.transpose();
    return new IterativeState(this.operator.transpose(), this.tensors, m);
  }
}

/**
 * What CG, BiCGStab, GMRES and Jacobi share: the state (operator and preconditioner) and its
 * transpose (the same method on Aᵀ with Mᵀ); each supplies its own `compute`.
 */
export abstract class IterativeSolver implements Solver {
  abstract readonly name: string;
  readonly iterative = true;
  /** Iterative methods solve with Aᵀ itself in the backward; GMRES adds 'restart', CG needs SPD. */
  readonly capabilities: SolverCapabilities = {
    kind: 'iterative', needsTranspose: true, batches: true, needsSPD: false,
    options: ['preconditioner', 'x0', 'fixedIterations'],
  };

  /** Keeps the operator and the preconditioner (diag(A)⁻¹ for 'jacobi'); nothing to factorise. */
  init(operator: LinearOperator, options: SolverOptions): SolverState {
    return initIterative(operator, options);
  }

  /** Iterates on the right-hand sides b `[..., n, k]` until rtol/atol or maxIterations. */
  abstract compute(state: SolverState, b: tf.Tensor, options: SolverOptions): SolverResult;

  transpose(state: SolverState): SolverState {
    return (state as IterativeState).transpose();
  }
}

/** Builds the state shared by CG, BiCGStab, GMRES and Jacobi. */
export function initIterative(operator: LinearOperator, options: SolverOptions): IterativeState {
  const p = options.preconditioner;
  if (p == null) return new IterativeState(operator, [], null);
  if (isLinearOperator(p)) return new IterativeState(operator, [], checkPreconditioner(p, operator));
  // Built from A on the host (typed-array factors, no tensors): kept as it is by withTensors.
  if (p !== 'jacobi') return new IterativeState(operator, [], buildPreconditioner(p, operator));
  const d = operator.diagonal();
  if (d == null) {
    throw new LinearSolveError('option',
      `preconditioner 'jacobi' needs diag(A), which this ${operator.kind} operator cannot give. ` +
      'Pass diagonal: d to matrixFree, or a preconditioner operator M ≈ A⁻¹.');
  }
  const inverse = tf.tidy(() => tf.expandDims(safeDivide(tf.onesLike(d), d), -1));
  return new IterativeState(operator, [inverse], null);
}

/**
 * Per-column stopping thresholds max(rtol·‖b‖, atol), `[..., 1, k]`, times the margin that
 * makes the float32-computed residual's test hold for the exact residual too. They steer
 * control flow only, so they carry no gradient (comparisons have none in tfjs).
 */
export function thresholds(b: tf.Tensor, options: SolverOptions): tf.Tensor {
  return tf.tidy(() => stopGradient(tf.mul(tf.maximum(tf.mul(columnNorm(b), options.rtol), options.atol), CONVERGENCE_MARGIN)));
}

/** Default iteration cap: 10·n, as SciPy does. */
export function iterationCap(state: SolverState, options: SolverOptions): number {
  return options.maxIterations ?? 10 * state.operator.shape[0];
}

/**
 * The end of every iterative solve: measure the true residual once, and turn flags read
 * during the loop into a status. `converged` is only reported if the true residual meets the
 * tolerance.
 */
export function finishIterative(state: SolverState, b: tf.Tensor, x: tf.Tensor, iterations: number,
    options: SolverOptions, loopStatus: SolveStatus): SolverResult {
  return readSync(finishIterativeSteps(state, b, x, iterations, options, loopStatus));
}

/** `finishIterative`, pausing at its readback (see `Readbacks`). */
export function* finishIterativeSteps(state: SolverState, b: tf.Tensor, x: tf.Tensor, iterations: number,
    options: SolverOptions, loopStatus: SolveStatus): Readbacks<SolverResult> {
  if (options.fixedIterations) return {x, status: 'unchecked', iterations, relativeResidual: NaN};
  const [worst, residual] = yield (() => {
    const r = columnNorm(tf.sub(b, state.operator.apply(x)));
    return [tf.max(tf.sub(r, thresholds(b, options))), tf.max(relativeTo(r, columnNorm(b)))];
  });
  let status = loopStatus;
  if (!Number.isFinite(residual) || !Number.isFinite(worst)) status = 'nonFinite';
  else if (status === 'converged' && worst > 0) status = 'maxIterations';
  return {x, status, iterations, relativeResidual: residual};
}

/** The initial guess in the shape of b, or zeros. */
export function initialGuess(b: tf.Tensor, options: SolverOptions): tf.Tensor {
  return options.x0 != null ? tf.clone(options.x0) : tf.zerosLike(b);
}

/** A restart must at least halve the true residual, or the solve has stagnated. */
const STAGNATION = 0.5;

/**
 * The loop's flags from the squared residual norms ‖r‖² `[..., 1, k]`: all converged, broken
 * (any column), finite (a NaN or Inf anywhere in x or r reaches ‖r‖² within a step), and
 * max over columns of ‖r‖ / threshold.
 */
export function loopFlags(rr: tf.Tensor, tol: tf.Tensor, broken: tf.Tensor): tf.Tensor[] {
  return [
    tf.cast(tf.all(tf.lessEqual(rr, tf.square(tol))), 'float32'),
    tf.max(broken),
    tf.cast(tf.isFinite(tf.sum(rr)), 'float32'),
    tf.max(divide(tf.sqrt(rr), tol)),
  ];
}

/**
 * Tensors that survive one iteration. Each step runs in `tf.tidy`; the previous step's
 * tensors are disposed once the next exist.
 */
export type LoopState = Record<string, tf.Tensor>;

/**
 * Runs `step` until the flags say stop, reading back only every `checkEvery` iterations.
 *
 * `check(s)` returns the four `loopFlags`, read together in one readback. When
 * `converged`, `refresh` recomputes the true residual and restarts the recurrence from x; the
 * loop stops only if that residual meets the threshold too (recursive residuals drift in float32).
 */
export function iterate<S extends LoopState>(initial: S, loop: LoopSpec<S>): LoopOutcome<S> {
  return readSync(iterateSteps(initial, loop));
}

/** How `iterate` steps, checks and restarts a recurrence. */
export interface LoopSpec<S extends LoopState> {
  step: (s: S) => S;
  check: (s: S) => tf.Tensor[];
  refresh: (s: S) => S;
  maxIterations: number;
  checkEvery: number;
  /** Exactly maxIterations steps, no readback. */
  fixed: boolean;
}

/** Where `iterate` stopped: the last state, the iterations run, and why. */
export interface LoopOutcome<S extends LoopState> {
  state: S;
  iterations: number;
  status: SolveStatus;
}

/** `iterate`, pausing at each check's readback (see `Readbacks`). */
export function* iterateSteps<S extends LoopState>(initial: S,
    {step, check, refresh, maxIterations, checkEvery, fixed}: LoopSpec<S>): Readbacks<LoopOutcome<S>> {
  let s = initial;
  const replace = (next: S) => {
    const keep = new Set(Object.values(next));
    for (const t of Object.values(s)) if (!keep.has(t)) t.dispose();
    s = next;
  };
  if (fixed) {
    for (let i = 0; i < maxIterations; i++) replace(tf.tidy(() => step(s)));
    return {state: s, iterations: maxIterations, status: 'unchecked'};
  }
  let iterations = 0;
  let justRefreshed = false;
  let lastTrueRatio = Infinity;
  while (true) {
    const due = justRefreshed || iterations % checkEvery === 0 || iterations >= maxIterations;
    if (due) {
      const [converged, broken, finite, worstRatio] = yield () => check(s);
      if (finite < 1) return {state: s, iterations, status: 'nonFinite'};
      if (justRefreshed && converged < 1) {
        // The recursion claimed convergence but the true residual disagrees. If restarting
        // has stopped helping, float32 cannot reach this tolerance: say so now.
        if (worstRatio > STAGNATION * lastTrueRatio) return {state: s, iterations, status: 'stagnated'};
        lastTrueRatio = worstRatio;
      }
      if (converged >= 1) {
        if (justRefreshed || iterations === 0) return {state: s, iterations, status: 'converged'};
        replace(tf.tidy(() => refresh(s)));
        justRefreshed = true;
        continue;
      }
      if (broken >= 1) return {state: s, iterations, status: 'breakdown'};
      if (iterations >= maxIterations) return {state: s, iterations, status: 'maxIterations'};
    }
    replace(tf.tidy(() => step(s)));
    justRefreshed = false;
    iterations++;
  }
}
