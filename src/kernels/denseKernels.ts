/**
 * The backend seam's dense primitives, public: the raw material of `ls.linalg`, which is built
 * above `solve` and reaches the library only through its public API. Each is the active
 * backend's kernel (TensorFlow's `Lu`, `Cholesky` and `MatrixTriangularSolve` on tfjs-node,
 * float64 typed-array loops on cpu and wasm, tf ops on GPUs), differentiable to every order.
 *
 * Shapes are exactly `[B, n, n]` (and `[B, n, k]` right-hand sides) and nothing is validated:
 * applications want `ls.linalg`, which checks its input, takes `[..., n, n]` and reports
 * singular matrices.
 */
export {luFactor, choleskyFactor, triangularSolve} from './index';
export type {LUFactors, Triangle} from './Kernels';
