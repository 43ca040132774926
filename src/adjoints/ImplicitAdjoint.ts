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
import {Outcome, reportFailure} from '../failure';
import {ResolvedOptions} from '../options';
import {customOp, isRecording, offTape} from '../util/customOp';

/** The default adjoint: one transposed solve in the backward, memory independent of iterations. */
export class ImplicitAdjoint implements Adjoint {
  readonly name = 'implicit';

  solve(problem: SolveProblem): {x: tf.Tensor; outcome: Outcome} {
    return implicitSolve(problem, null);
  }
}

function implicitSolve(problem: SolveProblem, given: SolverState | null): {x: tf.Tensor; outcome: Outcome} {
  const {operator, solver, b, options} = problem;
  // Fail before any work if the backward will need an Aᵀ the operator cannot give: an error
  // thrown inside tfjs's backward pass would strand the tape's saved tensors.
  if (isRecording()) operator.transpose();
  let state = given;
  let outcome: Outcome | null = null;
  const ownState = given == null;
  let xHat: tf.Tensor;
  try {
    xHat = offTape(() => {
      if (state == null) {
        state = solver.init(operator, options);
        state.tensors.forEach(t => tf.keep(t));
      }
      const {x, ...diagnostics} = solver.compute(state, b, options);
      outcome = {...diagnostics, method: solver.name};
      return x;
    });
  } catch (error) {
    if (ownState && state != null) tf.dispose((state as SolverState).tensors);
    throw error;
  }
  const forwardState = state as unknown as SolverState;
  const release = () => { if (ownState) tf.dispose(forwardState.tensors); };
  try {
    outcome = reportFailure(outcome as unknown as Outcome, operator, b, options.onFailure, options.rtol);
  } catch (error) {
    release();
    xHat.dispose();
    throw error;
  }
  if (!isRecording()) {
    release();
    return {x: xHat, outcome};
  }
  const x = tf.tidy(() => operator.parameters().length > 0 ?
    parameterGraph(problem, forwardState, xHat) : closureGraph(problem, forwardState, xHat));
  release();
  xHat.dispose();
  return {x, outcome};
}

/** The backward's solve options: the forward's, overridden by `options.backward`. */
function backwardOptions(options: ResolvedOptions): ResolvedOptions {
  return {...options, ...options.backward, x0: null, backward: options.backward, measureResidual: false};
}

/** λ = A⁻ᵀ g with the forward's factors, through this same differentiable function. */
function transposedSolve(problem: SolveProblem, state: SolverState, g: tf.Tensor): tf.Tensor {
  const transposed = problem.solver.transpose(state);
  const backward = {operator: transposed.operator, solver: problem.solver, b: g, options: backwardOptions(problem.options)};
  return implicitSolve(backward, transposed).x;
}

/** x = g(b, p₁…pₘ) for an operator with explicit parameters p (dense, sparse, diagonal). */
function parameterGraph(problem: SolveProblem, state: SolverState, xHat: tf.Tensor): tf.Tensor {
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
        const lambda = transposedSolve(problem, savedState, dy);
        // Recorded backward (second order): x must carry its own dependence on b and A.
        const x = isRecording() ?
          implicitSolve({...problem, operator: savedOperator, b: savedB}, savedState).x : rest[m];
        // −∂⟨λ, A x⟩/∂p: negate the vector, not the (n×n for dense) gradient.
        const grads = savedOperator.parameterGradients(tf.neg(lambda), x) as tf.Tensor[];
        return [lambda, ...grads];
      },
    };
  });
  return op(b, ...parameters);
}

/** x = g(b, u) with u = A·x̂ taped, for a matrix-free A whose parameters are closures. */
function closureGraph(problem: SolveProblem, state: SolverState, xHat: tf.Tensor): tf.Tensor {
  const {operator, b} = problem;
  const u = operator.apply(xHat);
  const op = customOp((_inputs, save) => {
    save(state.tensors);
    return {
      value: tf.clone(xHat),
      gradFunc: (dy, saved) => {
        const lambda = transposedSolve(problem, state.withTensors(saved, operator), dy);
        return [lambda, tf.neg(lambda)];
      },
    };
  });
  return op(b, u);
}
