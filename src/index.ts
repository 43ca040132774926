/**
 * tfjs-linsolve: differentiable linear solvers for TensorFlow.js.
 *
 * core ← kernels ← operators ← solvers ← adjoints ← solve / linearSolve / factorize
 *
 * Everything of `tfjs-linsolve/core` (src/coreApi.ts: solves, operators, preconditioners,
 * ls.linalg, odeint, the sublinear estimators, the gallery) and `ls.layers`. An app on
 * tfjs-core without tfjs-layers imports `tfjs-linsolve/core` instead. The building blocks for
 * extending the library are in `tfjs-linsolve/extend` (src/extend.ts).
 */
export * from './coreApi';

/** Drop-in tf.layers on `solve` and `odeint` (also the `tfjs-linsolve/layers` entry). */
export * as layers from './layers';
