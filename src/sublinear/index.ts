/**
 * Single entries and functionals of x = A⁻¹b in work independent of n, with certified or
 * probabilistic bounds, for strictly diagonally dominant sparse A.
 */
export {estimateEntry} from './estimateEntry';
export {estimateFunctional} from './estimateFunctional';
export {localSolve, LocalSolveOptions, LocalSolveResult, SparseTensorVector} from './localSolve';
export {dominance, Dominance} from './dominance';
export {EstimateOptions, EstimateResult, EstimateMethod, BoundKind} from './EstimateOptions';
export {SparseVectorSpec} from './hostVector';
