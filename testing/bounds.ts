import {FLOAT32_EPS} from './reference';

/** rtol used by the property tests for iterative methods. */
export const RTOL = 1e-5;

/**
 * The forward error a float32 solve may show for a system of size n and condition κ:
 * backward stable direct methods give ‖δx‖/‖x‖ ≲ κ·(c·n·ε) (Higham, Accuracy and Stability of
 * Numerical Algorithms, Thm 9.4 with modest growth); an iterative method stopped at
 * ‖r‖ ≤ rtol·‖b‖ gives ‖δx‖/‖x‖ ≤ κ·rtol on top of that.
 */
export function solutionBound(n: number, kappa: number, iterative: boolean): number {
  return kappa * (3 * n * FLOAT32_EPS + (iterative ? RTOL : 0));
}

/**
 * The rtol the property tests ask of a direct method: the relative residual a backward-stable
 * float32 solve may leave, ‖r‖/‖b‖ ≤ 3·n·ε·(‖A‖‖x‖/‖b‖ + 1) ≤ 3·n·ε·(κ + 1) (the model of
 * `solutionBound`), and never below RTOL. A direct method reports 'converged' only when its
 * residual meets rtol, which float32 cannot promise at RTOL on the ill-conditioned cases; their
 * forward error is still held to `solutionBound`.
 */
export function directRtol(n: number, kappa: number): number {
  return Math.max(RTOL, 3 * n * FLOAT32_EPS * (kappa + 1));
}
