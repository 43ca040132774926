/**
 * Drop-in tf.layers built on `solve`: they train with `model.fit`, save and load with the
 * model (registered with `tf.serialization.registerClass` when the package is imported), and
 * take a batch axis like every tfjs layer.
 */
import * as tf from './tf';
import {LinearSolveLayer} from './LinearSolveLayer';
import {SparseSolveLayer} from './SparseSolveLayer';
import {UnrolledSolverLayer} from './UnrolledSolverLayer';
import {LearnedPreconditionerLayer} from './LearnedPreconditionerLayer';
import {DifferentiablePreconditionerLayer} from './DifferentiablePreconditionerLayer';
import {NeurallyAcceleratedSolverLayer} from './NeurallyAcceleratedSolverLayer';

export {linearSolve, LinearSolveLayer} from './LinearSolveLayer';
export type {LinearSolveLayerArgs} from './LinearSolveLayer';
export {sparseSolve, SparseSolveLayer} from './SparseSolveLayer';
export type {SparseSolveLayerArgs} from './SparseSolveLayer';
export {unrolledSolver, UnrolledSolverLayer} from './UnrolledSolverLayer';
export type {UnrolledSolverLayerArgs} from './UnrolledSolverLayer';
export {learnedPreconditioner, LearnedPreconditionerLayer} from './LearnedPreconditionerLayer';
export type {LearnedPreconditionerLayerArgs} from './LearnedPreconditionerLayer';
export {differentiablePreconditioner, DifferentiablePreconditionerLayer} from './DifferentiablePreconditionerLayer';
export type {DifferentiablePreconditionerLayerArgs} from './DifferentiablePreconditionerLayer';
export {LowRankPreconditioner} from './LowRankPreconditioner';
export type {PreconditionerForm} from './LowRankPreconditioner';
export {neurallyAcceleratedSolver, NeurallyAcceleratedSolverLayer} from './NeurallyAcceleratedSolverLayer';
export type {NeurallyAcceleratedSolverLayerArgs} from './NeurallyAcceleratedSolverLayer';
export type {SolveConfig, AdjointConfig, Shape} from './solveConfig';
export type {Initializer, InitializerConfig} from './initializers';

for (const cls of [LinearSolveLayer, SparseSolveLayer, UnrolledSolverLayer, LearnedPreconditionerLayer,
  DifferentiablePreconditionerLayer, NeurallyAcceleratedSolverLayer]) tf.serialization.registerClass(cls);

export {physicsNeuralODE, PhysicsNeuralODELayer} from './PhysicsNeuralODELayer';
export type {PhysicsNeuralODEConfig} from './PhysicsNeuralODELayer';
export {physicsODECell, PhysicsODECell} from './PhysicsODECell';
export type {PhysicsODECellConfig} from './PhysicsODECell';
