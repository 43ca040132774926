/**
 * Implicit differentiation of x = A⁻¹b (the adjoint method; Blondel et al., "Efficient and
 * Modular Implicit Differentiation", 2022). The forward solve runs off the tape, so its
 * iterations cost no memory in training. On the tape we build one custom op whose value is
 * x̂ and whose backward solves Aᵀλ = ∂L/∂x, giving ∂b = λ and ∂A = −λxᵀ:
 *
 * - Operators with explicit parameters (dense matrix, sparse values, diagonal) are inputs of
 *   that op, saved for the backward, and get −∂⟨λ, A x⟩/∂p from `parameterGradients`. When
 *   the backward is itself recorded, x is recomputed by this same function, so gradients of
 *   gradients (Hessian-vector products) are exact for A's parameters and for b.
 * - A matrix-free A is known only by a closure: we tape u = A·x̂ and the op takes (b, u),
 *   returning ∂u = −λ, so −λx̂ᵀ reaches whatever the closure read. Second derivatives then
 *   hold for b but not for A's parameters (x̂ is a constant there).
 *
 * The backward reuses the forward's solver state (its factorisation) and is a call of this
 * same function, so λ is itself differentiable.
 */
import * as tf from '@tensorflow/tfjs';
import {Adjoint, SolveProblem} from './Adjoint';
import {SolverState} from '../solvers/Solver';
import {reportFailure} from './reportFailure';
import {ResolvedOptions} from './Adjoint';
import {SolveStats} from '../core/SolveStats';
import {customOp, isRecording, offTape} from '../core/tape';
import {computeScaled} from '../solvers/scaledCompute';
import {isLinearOperator} from '../operators/LinearOperator';
import {Refinement} from '../solvers/refine/refineSolution';
import {refineIfAsked, requireRefinable} from '../solvers/refine/refineStep';

/** The default adjoint: one transposed solve in the backward, memory independent of iterations. */
export class ImplicitAdjoint implements Adjoint {
  readonly name: string = 'implicit';

  /** With a sampler, the backward solves only the right-hand-side columns it picks. */
  constructor(protected readonly sampler: ColumnSampler | null = null) {}

  solve(problem: SolveProblem): {x: tf.Tensor; outcome: SolveStats; refinement?: Refinement} {
    return implicitSolve(problem, null, this.sampler);
  }
}

/** Picks which of k right-hand-side columns the backward solves, and their weights. */
export interface ColumnSampler {
  /** The columns (of k) the backward solves, and the factor their λ is scaled by. */
  sample(k: number): {columns: number[]; weight: number};
}

/**
 * The implicit solve with a factorisation made earlier (`factorize`): `state` belongs to the
 * caller, who disposes it; the result is differentiable like `solve`'s.
 */
export function implicitSolveWith(problem: SolveProblem, state: SolverState):
    {x: tf.Tensor; outcome: SolveStats; refinement?: Refinement} {
  return implicitSolve(problem, state);
}

function implicitSolve(problem: SolveProblem, given: SolverState | null,
    sampler: ColumnSampler | null = null): {x: tf.Tensor; outcome: SolveStats; refinement?: Refinement} {
  const {operator, solver, b, options} = problem;
  requireRefinable(operator, options.refine);
  // Fail before any work if the backward will need an Aᵀ the operator cannot give: an error
  // thrown inside tfjs's backward pass would strand the tape's saved tensors. Direct solvers
  // transpose with their factors and need none; an iterative one also needs Mᵀ.
  if (isRecording()) {
    if (solver.capabilities?.needsTranspose ?? true) operator.transpose();
    if (solver.iterative && isLinearOperator(options.preconditioner)) options.preconditioner.transpose();
  }
  let state = given;
  let outcome: SolveStats | null = null;
  let refinement: Refinement | undefined;
  const ownState = given == null;
  let xHat: tf.Tensor;
  try {
    xHat = offTape(() => {
      if (state == null) {
        state = solver.init(operator, options);
        state.tensors.forEach(t => tf.keep(t));
      }
      const {x, ...diagnostics} = computeScaled(solver, state, b, options);
      outcome = {...diagnostics, method: solver.name};
      const refined = refineIfAsked(solver, state, operator, b, x, outcome, options);
      if (refined == null) return x;
      x.dispose();
      outcome = refined.outcome;
      refinement = refined.refinement;
      tf.keep(refinement.hi);
      tf.keep(refinement.lo);
      return tf.clone(refinement.hi);
    });
  } catch (error) {
    if (ownState && state != null) tf.dispose((state as SolverState).tensors);
    throw error;
  }
  const dropRefinement = () => { if (refinement != null) tf.dispose([refinement.hi, refinement.lo]); };
  const forwardState = state as unknown as SolverState;
  const release = () => { if (ownState) tf.dispose(forwardState.tensors); };
  try {
    outcome = reportFailure(outcome as unknown as SolveStats, operator, b, options.onFailure, options.rtol);
  } catch (error) {
    release();
    xHat.dispose();
    dropRefinement();
    throw error;
  }
  if (!isRecording()) {
    release();
    return {x: xHat, outcome, refinement};
  }
  const x = tf.tidy(() => operator.parameters().length > 0 ?
    parameterGraph(problem, forwardState, xHat, sampler) : closureGraph(problem, forwardState, xHat, sampler));
  release();
  xHat.dispose();
  return {x, outcome, refinement};
}

/** An inner implicit solve whose refined pair nobody reads (the backward, a recomputed x). */
function solveDroppingPair(problem: SolveProblem, state: SolverState): {x: tf.Tensor; outcome: SolveStats} {
  const {x, outcome, refinement} = implicitSolve(problem, state);
  if (refinement != null) tf.dispose([refinement.hi, refinement.lo]);
  return {x, outcome};
}

/** The backward's solve options: the forward's, overridden by `options.backward`. */
function backwardOptions(options: ResolvedOptions): ResolvedOptions {
  return {...options, ...options.backward, x0: null, backward: options.backward, measureResidual: false};
}

/**
 * λ = A⁻ᵀ g with the forward's factors, through this same differentiable function; with a
 * sampler, only for the sampled columns of g (rescaled), zero in the others.
 */
function transposedSolve(problem: SolveProblem, state: SolverState, g: tf.Tensor,
    sampler: ColumnSampler | null): tf.Tensor {
  const transposed = problem.solver.transpose(state);
  const solveFor = (rhs: tf.Tensor) => {
    const {x, outcome} = solveDroppingPair(
      {operator: transposed.operator, solver: problem.solver, b: rhs, options: backwardOptions(problem.options)}, transposed);
    problem.onBackward?.(outcome);
    return x;
  };
  if (sampler == null) return solveFor(g);
  const k = g.shape[g.rank - 1] as number;
  const {columns, weight} = sampler.sample(k);
  if (columns.length === k) return solveFor(g);
  if (columns.length === 0) return tf.zerosLike(g);
  const axis = g.rank - 1;
  const lambda = tf.mul(solveFor(tf.gather(g, tf.tensor1d(columns, 'int32'), axis)), weight);
  // Back to k columns: a sampled column's λ, or the appended zero column.
  const position = new Int32Array(k).fill(columns.length);
  columns.forEach((c, i) => { position[c] = i; });
  const zero = tf.zerosLike(tf.slice(lambda, Array(g.rank).fill(0), [...lambda.shape.slice(0, -1), 1]));
  return tf.gather(tf.concat([lambda, zero], axis), tf.tensor1d(position, 'int32'), axis);
}

/** x = g(b, p₁…pₘ) for an operator with explicit parameters p (dense, sparse, diagonal). */
function parameterGraph(problem: SolveProblem, state: SolverState, xHat: tf.Tensor,
    sampler: ColumnSampler | null): tf.Tensor {
  const {operator, b} = problem;
  const parameters = operator.parameters();
  const m = parameters.length;
  const op = customOp((_inputs, save) => {
    save([b, ...parameters, xHat, ...state.tensors]);
    return {
      value: tf.clone(xHat),
      gradFunc: (dy, saved) => {
        const [savedB, ...rest] = saved;
        const savedOperator = operator.withParameters(rest.slice(0, m));
        const savedState = state.withTensors(rest.slice(m + 1), savedOperator);
        const lambda = transposedSolve(problem, savedState, dy, sampler);
        // Recorded backward (second order): x must carry its own dependence on b and A.
        const x = isRecording() ?
          solveDroppingPair({...problem, operator: savedOperator, b: savedB}, savedState).x : rest[m];
        // −∂⟨λ, A x⟩/∂p: negate the vector, not the (n×n for dense) gradient.
        const grads = savedOperator.parameterGradients(tf.neg(lambda), x) as tf.Tensor[];
        return [lambda, ...grads];
      },
    };
  });
  return op(b, ...parameters);
}

/** x = g(b, u) with u = A·x̂ taped, for a matrix-free A whose parameters are closures. */
function closureGraph(problem: SolveProblem, state: SolverState, xHat: tf.Tensor,
    sampler: ColumnSampler | null): tf.Tensor {
  const {operator, b} = problem;
  const u = operator.apply(xHat);
  const op = customOp((_inputs, save) => {
    save(state.tensors);
    return {
      value: tf.clone(xHat),
      gradFunc: (dy, saved) => {
        const lambda = transposedSolve(problem, state.withTensors(saved, operator), dy, sampler);
        return [lambda, tf.neg(lambda)];
      },
    };
  });
  return op(b, u);
}
