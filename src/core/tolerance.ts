/**
 * The stopping test compares the float32-computed residual with 0.9·max(rtol·‖b‖, atol).
 * fl(b − Ax) differs from the exact residual of the float32 inputs by up to about
 * n·ε·(‖A‖‖x‖ + ‖b‖) (Higham, Accuracy and Stability, §3.5), which without a margin let
 * results reported 'converged' sit up to 1.007× rtol in float64. A 10% margin covers that
 * whenever rtol is above float32's reach for the system (otherwise the solve stagnates).
 */
export const CONVERGENCE_MARGIN = 0.9;
