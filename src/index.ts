/**
 * tfjs-linsolve: differentiable linear solvers for TensorFlow.js.
 *
 * core ← kernels ← operators ← solvers ← adjoints ← solve / linearSolve / factorize
 */
export {solve, linearSolve} from './linearSolve';
export {solveAsync, linearSolveAsync} from './linearSolveAsync';
export type {Readback, Readbacks} from './core/readbacks';
export type {LinearSolveResult, RefinedSolution} from './linearSolve';
export type {RefineOption, RefineSettings, RefinePrecision} from './solvers/refine/RefineOptions';
export type {Refinement} from './solvers/refine/refineSolution';
export {factorize} from './factorize';
export type {Factorization} from './factorize';
export type {SolveOptions} from './options';
export type {OnFailure, SolveStats, SolveStatus} from './core/SolveStats';
export {LinearSolveError} from './core/LinearSolveError';
export type {LinearSolveErrorCode} from './core/LinearSolveError';

export {BaseOperator, isLinearOperator} from './operators/LinearOperator';
export type {LinearOperator, OperatorTag} from './operators/LinearOperator';
export {dense, DenseOperator} from './operators/DenseOperator';
export {sparse, SparseOperator} from './operators/sparse/SparseOperator';
export type {SparseSpec} from './operators/sparse/SparseOperator';
export {matrixFree, MatrixFreeOperator} from './operators/MatrixFreeOperator';
export type {MatrixFreeSpec, MatvecFn} from './operators/MatrixFreeOperator';
export {diagonal, DiagonalOperator} from './operators/DiagonalOperator';

export type {Solver, SolverState, SolverOptions, SolverResult, SolverCapabilities, SolverSpecificOption} from './solvers/Solver';
export {chooseSolver} from './solvers/chooseSolver';
export type {MethodName} from './solvers/chooseSolver';
export {registerSolver, solverEntries} from './solvers/registry';
export type {SolverEntry} from './solvers/registry';
export {LUSolver} from './solvers/direct/LUSolver';
export {CholeskySolver} from './solvers/direct/CholeskySolver';
export {DiagonalSolver} from './solvers/direct/DiagonalSolver';
export {CGSolver} from './solvers/krylov/CGSolver';
export {BiCGStabSolver} from './solvers/krylov/BiCGStabSolver';
export {GMRESSolver} from './solvers/krylov/GMRESSolver';
export {JacobiSolver} from './solvers/krylov/JacobiSolver';

export type {Adjoint, SolveProblem} from './adjoints/Adjoint';
export {ImplicitAdjoint} from './adjoints/ImplicitAdjoint';
export type {ColumnSampler} from './adjoints/ImplicitAdjoint';
export {UnrolledAdjoint} from './adjoints/UnrolledAdjoint';
export {TruncatedAdjoint} from './adjoints/TruncatedAdjoint';
export {StochasticAdjoint} from './adjoints/StochasticAdjoint';

export {useHostEngine} from './kernels/host/hostBackend';

export {ssor} from './operators/preconditioners/ssor';
export type {SsorOptions} from './operators/preconditioners/ssor';
export {ic0, ilu0} from './operators/preconditioners/incompleteFactorizations';
export type {Ic0Options} from './operators/preconditioners/incompleteFactorizations';
export {FactorPreconditioner} from './operators/preconditioners/FactorPreconditioner';
export {HostPreconditioner} from './operators/preconditioners/HostPreconditioner';
export {fsai, FsaiPreconditioner} from './operators/preconditioners/fsai';
export {multigrid, MultigridPreconditioner} from './operators/preconditioners/multigrid';
export type {MultigridOptions} from './operators/preconditioners/multigrid';
export type {PreconditionerName, PreconditionerSpec} from './solvers/krylov/builtinPreconditioner';

export {poisson2d, poisson2dOperator} from './gallery/poisson2d';
export type {CooMatrix} from './gallery/poisson2d';
export {diffusion2d} from './gallery/diffusion2d';
export type {Diffusion2dOptions} from './gallery/diffusion2d';
export {anisotropicDiffusion2d} from './gallery/anisotropicDiffusion2d';
export type {AnisotropicDiffusion2dOptions} from './gallery/anisotropicDiffusion2d';
export {convectionDiffusion2d} from './gallery/convectionDiffusion2d';
export type {ConvectionDiffusion2dOptions} from './gallery/convectionDiffusion2d';
export type {GridMatrix} from './gallery/gridStencil';
export {gridProblems, gridRightHandSide, splitSeed} from './gallery/gridProblems';
export type {GridProblem, GridProblemsOptions, GridFamily, Split, RightHandSideKind, FamilyParameters} from './gallery/gridProblems';
export {compareGradients, formatGradientComparison} from './tools/compareGradients';
export type {GradientComparison, AdjointChoice, LossOf} from './tools/compareGradients';
export {estimateEntry, estimateFunctional, localSolve, dominance} from './sublinear';
export type {EstimateOptions, EstimateResult, EstimateMethod, BoundKind, LocalSolveOptions, LocalSolveResult,
  SparseTensorVector, Dominance, SparseVectorSpec} from './sublinear';

export {odeint, odeintWithInfo} from './ode';
export type {OdeFunction, OdeintResult, OdeintOptions, OdeMethod, OdeAdjoint} from './ode';

export {conditionNumber} from './linalg/conditionNumber';
export type {ConditionNumberOptions} from './linalg/conditionNumber';

/**
 * Drop-in tf.layers built on `solve` and `odeint`: they train with `model.fit`, save and load with
 * the model (registered with `tf.serialization.registerClass` on import), and take a batch axis.
 */
export * as layers from './layers';

/**
 * tf.linalg-style ops, batched `[..., n, n]` and differentiable on every backend: `lu`,
 * `luSolve`, `cholesky`, `choleskySolve`, `triangularSolve`, `inv`, `det`, `logdet`, `slogdet`.
 */
export * as linalg from './linalg';

/**
 * The backend's dense kernels (LU, Cholesky, triangular solve) on `[B, n, n]`, differentiable,
 * unvalidated: what `ls.linalg` is built on. Applications want `ls.linalg`.
 */
export * as kernels from './kernels/denseKernels';
