/**
 * Drop-in tf.layers built on `solve`: they train with `model.fit`, save and load with the
 * model (registered with `tf.serialization.registerClass` when the package is imported), and
 * take a batch axis like every tfjs layer.
 */
import * as tf from '@tensorflow/tfjs';
import {LinearSolveLayer} from './LinearSolveLayer';
import {SparseSolveLayer} from './SparseSolveLayer';
import {UnrolledSolverLayer} from './UnrolledSolverLayer';
import {LearnedPreconditionerLayer} from './LearnedPreconditionerLayer';
import {DifferentiablePreconditionerLayer} from './DifferentiablePreconditionerLayer';

export {linearSolve, LinearSolveLayer, LinearSolveLayerArgs} from './LinearSolveLayer';
export {sparseSolve, SparseSolveLayer, SparseSolveLayerArgs} from './SparseSolveLayer';
export {unrolledSolver, UnrolledSolverLayer, UnrolledSolverLayerArgs} from './UnrolledSolverLayer';
export {learnedPreconditioner, LearnedPreconditionerLayer, LearnedPreconditionerLayerArgs} from './LearnedPreconditionerLayer';
export {
  differentiablePreconditioner, DifferentiablePreconditionerLayer, DifferentiablePreconditionerLayerArgs,
} from './DifferentiablePreconditionerLayer';
export {LowRankPreconditioner, PreconditionerForm} from './LowRankPreconditioner';
export {SolveConfig, AdjointConfig} from './solveConfig';

for (const cls of [LinearSolveLayer, SparseSolveLayer, UnrolledSolverLayer, LearnedPreconditionerLayer,
  DifferentiablePreconditionerLayer]) tf.serialization.registerClass(cls);
