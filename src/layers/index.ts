export {physicsNeuralODE, PhysicsNeuralODELayer} from './PhysicsNeuralODELayer';
export type {PhysicsNeuralODEConfig} from './PhysicsNeuralODELayer';
export {physicsODECell, PhysicsODECell} from './PhysicsODECell';
export type {PhysicsODECellConfig} from './PhysicsODECell';
