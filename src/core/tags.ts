/**
 * Structural promises about an operator. They are trusted, not checked: `'auto'` picks
 * Cholesky or CG for `['symmetric', 'positiveDefinite']`, and a symmetric operator is its own
 * transpose in the backward.
 */
export type OperatorTag = 'symmetric' | 'positiveDefinite';
