/** Why a solve could not give a trustworthy answer. */
export type LinearSolveErrorCode =
  | 'shape'          // A not square, b not matching A, wrong rank
  | 'dtype'          // a tensor that is not float32 (int32 is cast, see `asFloat32`)
  | 'nonFinite'      // NaN or Inf in A, b or the computed solution
  | 'singular'       // zero pivot in LU, or Cholesky on a matrix that is not positive definite
  | 'breakdown'      // a Krylov method divided by zero (CG on an indefinite matrix, BiCGStab)
  | 'notConverged'   // maxIterations reached before the tolerance
  | 'option'         // an unknown or inconsistent option
  | 'noTranspose';   // the backward needs Aᵀ but the operator cannot provide it

/**
 * The error every tfjs-linsolve function throws for bad input or a failed solve.
 *
 * `code` is stable and meant for programs; `message` says what was wrong and what to do.
 *
 * ```ts
 * try { ls.solve(A, b); } catch (e) {
 *   if (e instanceof ls.LinearSolveError && e.code === 'singular') { ... }
 * }
 * ```
 */
export class LinearSolveError extends Error {
  readonly code: LinearSolveErrorCode;

  constructor(code: LinearSolveErrorCode, message: string) {
    super(message);
    this.name = 'LinearSolveError';
    this.code = code;
    Object.setPrototypeOf(this, LinearSolveError.prototype);
  }
}
