import {LinearOperator} from '../operators/LinearOperator';
import {LinearSolveError} from '../LinearSolveError';
import {Solver} from './Solver';
import {LUSolver} from './LUSolver';
import {CholeskySolver} from './CholeskySolver';
import {CGSolver} from './CGSolver';
import {BiCGStabSolver} from './BiCGStabSolver';
import {GMRESSolver} from './GMRESSolver';
import {JacobiSolver} from './JacobiSolver';

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
  // Own properties only: 'constructor' or '__proto__' must not find Object.prototype's.
  const make = Object.prototype.hasOwnProperty.call(SOLVERS, name) ? SOLVERS[name as Exclude<MethodName, 'auto'>] : null;
  if (make == null) {
    throw new LinearSolveError('option',
      `Unknown method '${String(name)}'. Use 'auto', 'lu', 'cholesky', 'cg', 'bicgstab', 'gmres', 'jacobi' or a Solver.`);
  }
  return make();
}
