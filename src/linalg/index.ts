/**
 * tf.linalg-style dense linear algebra, batched over `[..., n, n]` and differentiable to every
 * order on every backend: factorisations (lu, cholesky), solves with their factors (luSolve,
 * choleskySolve, triangularSolve), inv, det, logdet, slogdet.
 */
export {lu} from './lu';
export type {LUDecomposition} from './lu';
export {luSolve} from './luSolve';
export {cholesky} from './cholesky';
export type {CholeskyOptions} from './cholesky';
export {choleskySolve} from './choleskySolve';
export type {CholeskySolveOptions} from './choleskySolve';
export {triangularSolve} from './triangularSolve';
export type {TriangularSolveOptions} from './triangularSolve';
export {inv} from './inv';
export {det} from './det';
export {logdet} from './logdet';
export {slogdet} from './slogdet';
export type {SignAndLogDet} from './slogdet';
export type {LinalgOptions} from './linalgOptions';
