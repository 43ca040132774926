/**
 * tfjs-linsolve/core: the library without its layers, for apps on tfjs-core alone (no
 * tfjs-layers in the bundle). The main entry, src/index.ts, is this plus `layers`.
 *
 * core ← kernels ← operators ← solvers ← adjoints ← solve / linearSolve / factorize
 *
 * The building blocks for extending it (BaseOperator, the solver and adjoint classes,
 * registerSolver, chooseSolver) are in the `tfjs-linsolve/extend` entry (src/extend.ts).
 */
import './core/registerGradients';
export {solve, linearSolve} from './linearSolve';
export type {LinearSolveResult, RefinedSolution, TensorInput, MatrixInput} from './linearSolve';
export type {NumericTensorLike, NumericTensorLikeRow, NumericTypedArray, SolutionOf} from './core/tensorLike';
export type {RefineOption, RefineSettings, RefinePrecision, ResolvedRefine} from './solvers/refine/RefineOptions';
export type {Refinement} from './solvers/refine/refineSolution';
export {solveAsync, linearSolveAsync} from './linearSolveAsync';
export type {Readback, Readbacks} from './core/readbacks';
export {factorize} from './factorize';
export type {Factorization} from './factorize';
export type {SolveOptions, BackwardOptions, ResolvedOptions} from './options';
export type {OnFailure, SolveStats, SolveStatus} from './core/SolveStats';
export {LinearSolveError} from './core/LinearSolveError';
export type {LinearSolveErrorCode} from './core/LinearSolveError';

export {isLinearOperator} from './operators/LinearOperator';
export type {LinearOperator, OperatorTag} from './operators/LinearOperator';
export {dense} from './operators/DenseOperator';
export {sparse, SparseOperator} from './operators/sparse/SparseOperator';
export type {SparseSpec} from './operators/sparse/SparseOperator';
export {matrixFree} from './operators/MatrixFreeOperator';
export type {MatrixFreeSpec, MatvecFn} from './operators/MatrixFreeOperator';
export {diagonal} from './operators/DiagonalOperator';

export type {Solver, SolverState, SolverOptions, SolverResult, SolverCapabilities, SolverSpecificOption} from './solvers/Solver';
export type {MethodName} from './solvers/chooseSolver';
export {solverEntries} from './solvers/registry';
export type {SolverEntry} from './solvers/registry';

export type {Adjoint, SolveProblem} from './adjoints/Adjoint';
export type {ColumnSampler} from './adjoints/ImplicitAdjoint';

export {useHostEngine} from './kernels/host/hostBackend';
export {useWasmKernels} from './kernels/host/wasmKernels';
export {useWebglEngine} from './kernels/webgl/webglEngine';
export {useNativeEngine} from './solvers/krylov/nodeEngine';
export type {NativeEngineChoice} from './solvers/krylov/nodeEngine';

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

export {uniformStream} from './core/uniformStream';
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


export {neuralKrylov} from './learned/neuralKrylov';
export type {NeuralKrylovOptions, NeuralKrylovResult, NeuralKrylovMode, DirectionFunction} from './learned/neuralKrylov';
/** Graph-network building blocks on a matrix's sparsity graph: `ls.graph.messagePassing`, `ls.graph.jacobiScale`. */
export * as graph from './learned/graph';
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
