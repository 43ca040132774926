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
