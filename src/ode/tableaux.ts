/**
 * Butcher tableaux of the explicit Runge–Kutta methods, and the constants of the SDIRK.
 *
 * - Euler: first order.
 * - Classic RK4 (Kutta 1901): c = (0, ½, ½, 1), b = (1, 2, 2, 1)/6.
 * - Dormand–Prince 5(4) (Dormand & Prince 1980; Shampine 1986 for the dense output): 7 stages,
 *   FSAL, fifth-order solution with an embedded fourth-order estimate; `mid` are Shampine's
 *   weights for y(t + h/2), halved as torchdiffeq and diffrax store them, used by the quartic
 *   interpolant.
 * - SDIRK2 (Alexander 1977): γ = 1 − 1/√2, A = [[γ, 0], [1 − γ, γ]], b = (1 − γ, γ); L-stable and
 *   stiffly accurate (y1 is the last stage).
 */

/** An explicit Runge–Kutta method: stage i evaluates f at t + c[i]h, y0 + hΣ a[i][j]k_j. */
export interface ExplicitTableau {
  c: number[];
  a: number[][];
  b: number[];
  /** b − b̂, the weights of the embedded error estimate (adaptive methods only). */
  error?: number[];
  /** Weights giving y(t + h/2) = y0 + hΣ mid[i]k_i (dense output). */
  mid?: number[];
  /** The order of the error estimate's leading term, for the controller's exponent. */
  order: number;
  /** First same as last: the last stage is f(t + h, y1), the next step's first stage. */
  fsal: boolean;
}

export const EULER: ExplicitTableau = {c: [0], a: [[]], b: [1], order: 1, fsal: false};

export const RK4: ExplicitTableau = {
  c: [0, 1 / 2, 1 / 2, 1],
  a: [[], [1 / 2], [0, 1 / 2], [0, 0, 1]],
  b: [1 / 6, 1 / 3, 1 / 3, 1 / 6],
  order: 4,
  fsal: false,
};

export const DOPRI5: ExplicitTableau = {
  c: [0, 1 / 5, 3 / 10, 4 / 5, 8 / 9, 1, 1],
  a: [
    [],
    [1 / 5],
    [3 / 40, 9 / 40],
    [44 / 45, -56 / 15, 32 / 9],
    [19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729],
    [9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656],
    [35 / 384, 0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84],
  ],
  b: [35 / 384, 0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84, 0],
  error: [
    35 / 384 - 5179 / 57600, 0, 500 / 1113 - 7571 / 16695, 125 / 192 - 393 / 640,
    -2187 / 6784 + 92097 / 339200, 11 / 84 - 187 / 2100, -1 / 40,
  ],
  mid: [
    6025192743 / 30085553152 / 2, 0, 51252292925 / 65400821598 / 2, -2691868925 / 45128329728 / 2,
    187940372067 / 1594534317056 / 2, -1776094331 / 19743644256 / 2, 11237099 / 235043384 / 2,
  ],
  order: 5,
  fsal: true,
};

/** γ of the two-stage L-stable SDIRK. */
export const SDIRK2_GAMMA = 1 - 1 / Math.SQRT2;
