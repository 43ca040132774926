/**
 * How a solve ended. Only `'converged'` means the answer meets its tolerance; `'stagnated'`
 * means restarts from the true residual stopped reducing it (rtol below float32's reach);
 * `'unchecked'` is a `fixedIterations` solve, which by request read nothing back.
 */
export type SolveStatus =
  'converged' | 'maxIterations' | 'stagnated' | 'breakdown' | 'singular' | 'nonFinite' | 'unchecked';

/** What to do when a solve fails: throw a LinearSolveError, warn and return, or just return. */
export type OnFailure = 'throw' | 'warn' | 'ignore';

/**
 * What one solve reports about itself: the single record that solvers, adjoints and
 * `linearSolve` share.
 *
 * `backward` holds the stats of the implicit backward solve Aᵀλ = ∂L/∂x once a gradient has
 * run through this solve (the most recent one if several did); it is absent before that, and
 * for adjoints without a backward solve (unrolled, truncated).
 */
export interface SolveStats {
  status: SolveStatus;
  iterations: number;
  /** max over right-hand sides of ‖b − A x‖ / ‖b‖, measured after the solve (NaN if not measured). */
  relativeResidual: number;
  /** The solver that ran: 'lu', 'cholesky', 'cg', 'bicgstab', 'gmres', 'jacobi', 'diagonal'. */
  method: string;
  backward?: SolveStats;
}
