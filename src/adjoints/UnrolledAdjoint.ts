/**
 * Backpropagation through every iteration of an iterative solver ("unrolled" or "direct"
 * differentiation; Gilbert 1992, "Automatic differentiation and iterative processes"). The
 * gradient is exactly that of the computed x, whatever the tolerance, and it reaches
 * everything the iterations touch — including a learned preconditioner, which the implicit
 * gradient never sees. Memory grows linearly with the iterations (each step's tensors stay
 * on the tape); use `fixedIterations` for a fixed graph.
 */
import * as tf from '@tensorflow/tfjs-core';
import {Adjoint, SolveProblem} from './Adjoint';
import {reportFailure} from './reportFailure';
import {SolveStats} from '../core/SolveStats';
import {LinearSolveError} from '../core/LinearSolveError';
import {computeScaled} from '../solvers/scaledCompute';

/** Differentiate through the iterations themselves. */
export class UnrolledAdjoint implements Adjoint {
  readonly name = 'unrolled';

  solve({operator, solver, b, options}: SolveProblem): {x: tf.Tensor; outcome: SolveStats} {
    if (!solver.iterative) {
      throw new LinearSolveError('option',
        `adjoint 'unrolled' differentiates through iterations, and '${solver.name}' has none. ` +
        "Use adjoint 'implicit' (the default) with direct methods, or an iterative method.");
    }
    const state = solver.init(operator, options);
    let result;
    try {
      result = computeScaled(solver, state, b, options);
    } finally {
      tf.dispose(state.tensors);
    }
    const {x: iterate, ...diagnostics} = result;
    const x = diagnostics.iterations === 0 ? connected(iterate, [b, ...operator.parameters()]) : iterate;
    try {
      return {x, outcome: reportFailure({...diagnostics, method: solver.name}, operator, b, options.onFailure, options.rtol)};
    } catch (error) {
      x.dispose();
      throw error;
    }
  }
}

/**
 * x + Σ 0·max(t): the same value, with a (zero) gradient path to each t. With no iteration
 * run (x0 already solved it, or b = 0) x depends on nothing, and tf.grad would throw
 * "Cannot compute gradient" instead of returning the unrolled map's derivative, which is 0.
 */
function connected(x: tf.Tensor, inputs: tf.Tensor[]): tf.Tensor {
  const out = tf.tidy(() => inputs.filter(t => t.size > 0).reduce((sum, t) => tf.add(sum, tf.mul(tf.max(t), 0)), x));
  if (out !== x) x.dispose();
  return out;
}
