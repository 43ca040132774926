/**
 * tfjs-linsolve: differentiable linear solvers for TensorFlow.js.
 *
 * operators ← solvers ← adjoints ← solve / linearSolve
 */
export {solve, linearSolve, LinearSolveResult} from './linearSolve';
export {SolveOptions, OnFailure} from './options';
export {LinearSolveError, LinearSolveErrorCode} from './LinearSolveError';

export {LinearOperator, OperatorTag, BaseOperator, isLinearOperator} from './operators/LinearOperator';
export {dense, DenseOperator} from './operators/DenseOperator';
export {sparse, SparseOperator, SparseSpec} from './operators/SparseOperator';
export {matrixFree, MatrixFreeOperator, MatrixFreeSpec, MatvecFn} from './operators/MatrixFreeOperator';
export {diagonal, DiagonalOperator} from './operators/DiagonalOperator';

export {Solver, SolverState, SolverOptions, SolverResult, SolveStatus} from './solvers/Solver';
export {MethodName, chooseSolver} from './solvers/chooseSolver';
export {LUSolver} from './solvers/LUSolver';
export {CholeskySolver} from './solvers/CholeskySolver';
export {CGSolver} from './solvers/CGSolver';
export {BiCGStabSolver} from './solvers/BiCGStabSolver';
export {GMRESSolver} from './solvers/GMRESSolver';
export {JacobiSolver} from './solvers/JacobiSolver';

export {Adjoint, SolveProblem} from './adjoints/Adjoint';
export {ImplicitAdjoint} from './adjoints/ImplicitAdjoint';
export {UnrolledAdjoint} from './adjoints/UnrolledAdjoint';
export {TruncatedAdjoint} from './adjoints/TruncatedAdjoint';
export {StochasticAdjoint} from './adjoints/StochasticAdjoint';
export {ColumnSampler} from './adjoints/ImplicitAdjoint';

export {poisson2d, poisson2dOperator, CooMatrix} from './gallery/poisson2d';
export {compareGradients, formatGradientComparison, GradientComparison, AdjointChoice, LossOf} from './tools/compareGradients';
export {conditionNumber, ConditionNumberOptions} from './linalg/conditionNumber';

export * as layers from './layers';
