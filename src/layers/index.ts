export {physicsNeuralODE, PhysicsNeuralODELayer, PhysicsNeuralODEConfig} from './PhysicsNeuralODELayer';
export {physicsODECell, PhysicsODECell, PhysicsODECellConfig} from './PhysicsODECell';
