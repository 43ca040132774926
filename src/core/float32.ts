/** Machine epsilon of float32, 2⁻²³: the unit of every tolerance this library states. */
export const FLOAT32_EPS = 1.1920929e-7;

/** A floor that turns 0/0 into 0 in ratios of norms, far below any float32 norm that matters. */
export const TINY = 1e-30;
