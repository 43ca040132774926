/**
 * tfjs-linsolve/extend: the building blocks for extending the library, kept out of the main
 * entry so that its surface is what applications use. Import it to write an operator on
 * `BaseOperator`, subclass or wrap a built-in solver or adjoint, register a solver for
 * `method: 'name'` and `'auto'`, or pick a solver the way `solve` does.
 *
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import * as ls from 'tfjs-linsolve';
 * import {CGSolver, registerSolver} from 'tfjs-linsolve/extend';
 *
 * class CountingCG extends CGSolver {            // every solve through it is counted
 *   calls = 0;
 *   compute(state: ls.SolverState, b: tf.Tensor, options: ls.SolverOptions): ls.SolverResult {
 *     this.calls++;
 *     return super.compute(state, b, options);
 *   }
 * }
 * const x = ls.solve(A, b, {method: new CountingCG()});
 * ```
 *
 * The types these need (`Solver`, `SolverState`, `SolverOptions`, `SolverResult`,
 * `SolverCapabilities`, `Adjoint`, `SolveProblem`, `ResolvedOptions`, `SolveStats`,
 * `LinearOperator`) are exported by the main entry as well.
 */
import './core/registerGradients';

export {BaseOperator} from './operators/LinearOperator';
export {DenseOperator} from './operators/DenseOperator';
export {MatrixFreeOperator} from './operators/MatrixFreeOperator';
export {DiagonalOperator} from './operators/DiagonalOperator';
export {SparseOperator} from './operators/sparse/SparseOperator';

export {chooseSolver} from './solvers/chooseSolver';
export {registerSolver, solverEntries} from './solvers/registry';
export type {SolverEntry} from './solvers/registry';
export {LUSolver} from './solvers/direct/LUSolver';
export {CholeskySolver} from './solvers/direct/CholeskySolver';
export {DiagonalSolver} from './solvers/direct/DiagonalSolver';
export {CGSolver} from './solvers/krylov/CGSolver';
export {BiCGStabSolver} from './solvers/krylov/BiCGStabSolver';
export {GMRESSolver} from './solvers/krylov/GMRESSolver';
export {JacobiSolver} from './solvers/krylov/JacobiSolver';

export {ImplicitAdjoint} from './adjoints/ImplicitAdjoint';
export type {ColumnSampler} from './adjoints/ImplicitAdjoint';
export {UnrolledAdjoint} from './adjoints/UnrolledAdjoint';
export {TruncatedAdjoint} from './adjoints/TruncatedAdjoint';
export {StochasticAdjoint} from './adjoints/StochasticAdjoint';

export type {Solver, SolverState, SolverOptions, SolverResult, SolverCapabilities, SolverSpecificOption} from './solvers/Solver';
export type {Adjoint, SolveProblem, ResolvedOptions, BackwardOptions} from './adjoints/Adjoint';
export type {LinearOperator, OperatorTag} from './operators/LinearOperator';
export type {SolveStats, SolveStatus, OnFailure} from './core/SolveStats';
export type {MatrixFreeSpec, MatvecFn} from './operators/MatrixFreeOperator';
