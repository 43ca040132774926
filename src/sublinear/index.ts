/**
 * Single entries and functionals of x = A⁻¹b in work independent of n, with certified or
 * probabilistic bounds, for strictly diagonally dominant sparse A.
 */
export {estimateEntry} from './estimateEntry';
export {estimateFunctional} from './estimateFunctional';
export {localSolve} from './localSolve';
export type {LocalSolveOptions, LocalSolveResult, SparseTensorVector} from './localSolve';
export {dominance} from './dominance';
export type {Dominance} from './dominance';
export type {EstimateOptions, EstimateResult, EstimateMethod, BoundKind} from './EstimateOptions';
export type {SparseVectorSpec} from './hostVector';
