/**
 * Graph-network building blocks on a matrix's sparsity graph (A's entries as edge weights),
 * for learned solvers and preconditioners.
 */
export {messagePassing, jacobiScale, project} from './messagePassing';
export type {MessagePassingWeights, MessagePassingOptions} from './messagePassing';
