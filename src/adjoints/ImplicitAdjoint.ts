/**
 * Implicit differentiation of x = A⁻¹b (the adjoint method; Blondel et al., "Efficient and
 * Modular Implicit Differentiation", 2022). The forward solve runs off the tape, so its
 * iterations cost no memory in training. On the tape we build only
 *
 *     u = A·x̂  (taped: reaches every tensor A was built from)
 *     x = g(b, u), a custom op whose value is x̂ and whose backward solves Aᵀλ = ∂L/∂x
 *                  and returns ∂b = λ, ∂u = −λ,
 *
 * so ∂L/∂A = −λx̂ᵀ arrives through the product's own gradient: dense entries, sparse values on
 * their pattern, the weights a matrix-free matvec reads. The backward reuses the forward's
 * solver state (its factorisation) and goes through this same function, so λ is itself
 * differentiable in b and g.
 */
import * as tf from '@tensorflow/tfjs';
import {Adjoint, SolveProblem} from './Adjoint';
import {SolverState} from '../solvers/Solver';
import {Outcome, reportFailure} from '../failure';
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
  const x = tf.tidy(() => {
    const u = operator.apply(xHat);
    const factors = forwardState.tensors.length;
    const implicit = customOp((_inputs, save) => {
      save([...forwardState.tensors, ...operator.parameters()]);
      return {
        value: tf.clone(xHat),
        gradFunc: (dy, saved) => {
          const savedOperator = operator.withParameters(saved.slice(factors));
          const transposed = solver.transpose(forwardState.withTensors(saved.slice(0, factors), savedOperator));
          const backward = {operator: transposed.operator, solver, b: dy, options: {...options, x0: null}};
          const lambda = implicitSolve(backward, transposed).x;
          return [lambda, tf.neg(lambda)];
        },
      };
    });
    return implicit(b, u);
  });
  release();
  xHat.dispose();
  return {x, outcome};
}
