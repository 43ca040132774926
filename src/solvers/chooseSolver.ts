import {LinearOperator} from '../operators/LinearOperator';
import {LinearSolveError} from '../core/LinearSolveError';
import {Solver} from './Solver';
import {LUSolver} from './direct/LUSolver';
import {CholeskySolver} from './direct/CholeskySolver';
import {CGSolver} from './krylov/CGSolver';
import {BiCGStabSolver} from './krylov/BiCGStabSolver';
import {GMRESSolver} from './krylov/GMRESSolver';
import {JacobiSolver} from './krylov/JacobiSolver';

/** Names accepted by `method`. */
export type MethodName = 'auto' | 'lu' | 'cholesky' | 'cg' | 'bicgstab' | 'gmres' | 'jacobi';

const SOLVERS: Record<Exclude<MethodName, 'auto'>, () => Solver> = {
  lu: () => new LUSolver(),
  cholesky: () => new CholeskySolver(),
  cg: () => new CGSolver(),
  bicgstab: () => new BiCGStabSolver(),
  gmres: () => new GMRESSolver(),
  jacobi: () => new JacobiSolver(),
};

/** Above this size a sparse or matrix-free operator is not densified by 'auto'. */
const DENSIFY_LIMIT = 1000;

/**
 * The solver for `method`. 'auto': dense (or small) symmetric positive definite → Cholesky;
 * other dense (or small) → LU; large sparse/matrix-free SPD → CG; other large → GMRES.
 */
export function chooseSolver(method: MethodName | Solver | undefined, operator: LinearOperator): Solver {
  if (method != null && typeof method === 'object') return method;
  const name = method ?? 'auto';
  if (name === 'auto') {
    const spd = operator.hasTag('symmetric') && operator.hasTag('positiveDefinite');
    const direct = operator.kind === 'dense' || operator.shape[0] <= DENSIFY_LIMIT;
    if (direct) return spd ? SOLVERS.cholesky() : SOLVERS.lu();
    return spd ? SOLVERS.cg() : SOLVERS.gmres();
  }
  const make = SOLVERS[name as Exclude<MethodName, 'auto'>];
  if (make == null) {
    throw new LinearSolveError('option',
      `Unknown method '${String(name)}'. Use 'auto', 'lu', 'cholesky', 'cg', 'bicgstab', 'gmres', 'jacobi' or a Solver.`);
  }
  return make();
}
