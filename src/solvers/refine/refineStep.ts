import * as tf from '@tensorflow/tfjs';
import {LinearOperator} from '../../operators/LinearOperator';
import {Solver, SolverOptions, SolverState} from '../Solver';
import {SolveStats} from '../../core/SolveStats';
import {computeScaled} from '../scaledCompute';
import {ResolvedRefine} from './RefineOptions';
import {notRefinable, refinable} from './extendedResidual';
import {Refinement, refineSolution} from './refineSolution';

/** Outcomes a correction can still improve (not a singular, broken-down or non-finite solve). */
const IMPROVABLE = ['converged', 'stagnated', 'maxIterations'];

/**
 * Refuses, before any work, an explicit `refine` that cannot run on this operator (a
 * matrix-free A, a batch of sparse matrices in double-float, a backend whose float32 ops are
 * not exact): an 'option' error saying what to pass instead.
 */
export function requireRefinable(operator: LinearOperator, refine: ResolvedRefine | null | undefined): void {
  if (refine == null || refine.automatic || operator.shape[0] === 0) return;
  if (!refinable(operator)) throw notRefinable(operator);
}

/**
 * Refines the forward's x when `refine` asks for it (always, or — `'auto'` — when an iterative
 * solve stagnated above rtol on an operator with explicit entries). The outcome then describes
 * the refined pair: status 'converged' iff its extended-precision residual meets rtol.
 */
export function refineIfAsked(solver: Solver, state: SolverState, operator: LinearOperator, b: tf.Tensor,
    x: tf.Tensor, outcome: SolveStats, options: SolverOptions & {refine?: ResolvedRefine | null}):
    {refinement: Refinement; outcome: SolveStats} | null {
  const refine = options.refine;
  if (refine == null || options.fixedIterations || !IMPROVABLE.includes(outcome.status)) return null;
  if (refine.automatic && !(solver.iterative && outcome.status === 'stagnated' && refinable(operator))) return null;
  const inner: SolverOptions = {...options, x0: null, measureResidual: false};
  let innerIterations = 0;
  const correct = (r: tf.Tensor) => {
    const result = computeScaled(solver, state, r, inner);
    innerIterations += result.iterations;
    return result.x;
  };
  let refinement: Refinement;
  try {
    refinement = refineSolution(operator, b, x, correct, refine, options.rtol);
  } catch (error) {
    // Auto mode never turns a solve into an error it would not have raised (an inexact backend).
    if (refine.automatic) return null;
    throw error;
  }
  const atol = typeof options.atol === 'number' ? options.atol : 0;
  const converged = refinement.relativeResidual <= options.rtol || (atol > 0 && refinement.absoluteResidual <= atol);
  return {
    refinement,
    outcome: {...outcome, status: converged ? 'converged' : 'stagnated',
      iterations: outcome.iterations + innerIterations, relativeResidual: refinement.relativeResidual},
  };
}
