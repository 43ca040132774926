/**
 * The solve of a diagonal system: xᵢ = bᵢ / dᵢ, exact to one rounding per entry, batched or
 * not. diag(d) is its own transpose, so the backward divides by d again; a zero dᵢ is
 * 'singular'.
 */
import * as tf from '@tensorflow/tfjs-core';
import {LinearOperator} from '../../operators/LinearOperator';
import {LinearSolveError} from '../../core/LinearSolveError';
import {Solver, SolverCapabilities, SolverOptions, SolverResult, SolverState} from '../Solver';
import {finishDirectSteps} from './direct';
import {Readbacks, readSync} from '../../core/readbacks';
import {maxAbs} from '../linalg';

/** d as `[n, 1]` (`[B, n, 1]`), whether every dᵢ ≠ 0, and max|dᵢ|. */
class DiagonalState implements SolverState {
  constructor(readonly operator: LinearOperator, readonly tensors: tf.Tensor[]) {}

  get column() { return this.tensors[0]; }
  get pivotOk() { return this.tensors[1]; }
  get maxAbsA() { return this.tensors[2]; }

  withTensors(tensors: tf.Tensor[], operator: LinearOperator): DiagonalState {
    return new DiagonalState(operator, tensors);
  }
}

/** Division by the diagonal, for `ls.diagonal` operators. */
export class DiagonalSolver implements Solver {
  readonly name = 'diagonal';
  readonly iterative = false;
  readonly capabilities: SolverCapabilities = {
    kind: 'direct', needsTranspose: false, batches: true, needsSPD: false, operatorKinds: ['diagonal'], options: [],
  };

  init(operator: LinearOperator): SolverState {
    const d = operator.kind === 'diagonal' ? operator.diagonal() : null;
    if (d == null) {
      throw new LinearSolveError('option',
        `method 'diagonal' solves ls.diagonal operators only; this one is '${operator.kind}'. Use 'auto'.`);
    }
    const tensors = tf.tidy(() => {
      const pivotOk = tf.cast(tf.greater(tf.min(tf.abs(d)), 0), 'float32');
      return [tf.expandDims(d, -1), pivotOk, maxAbs(d)];
    });
    return new DiagonalState(operator, tensors);
  }

  compute(state: SolverState, b: tf.Tensor, options: SolverOptions): SolverResult {
    return readSync(this.computeSteps(state, b, options));
  }

  /** `compute`, pausing at its one readback (the status check). */
  *computeSteps(state: SolverState, b: tf.Tensor, options: SolverOptions): Readbacks<SolverResult> {
    const s = state as DiagonalState;
    const x = tf.div(b, s.column);
    return yield* finishDirectSteps(s.operator, b, x, s.pivotOk, s.maxAbsA, options.measureResidual ?? true, options);
  }

  transpose(state: SolverState): SolverState {
    return state;
  }
}
