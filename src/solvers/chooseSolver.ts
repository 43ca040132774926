import {LinearOperator} from '../operators/LinearOperator';
import {Solver} from './Solver';
import {autoSolverEntry, solverEntry} from './registry';
import './builtins';

/** Names accepted by `method`: 'auto' or a registered solver's name. */
export type MethodName = 'auto' | 'lu' | 'cholesky' | 'diagonal' | 'cg' | 'bicgstab' | 'gmres' | 'jacobi';

/**
 * The solver for `method`. 'auto': a diagonal operator → division by d; dense (or small)
 * symmetric positive definite → Cholesky; other dense (or small) → LU; large sparse or
 * matrix-free SPD → CG; other large → GMRES (see `autoSolverEntry`).
 */
export function chooseSolver(method: MethodName | Solver | undefined, operator: LinearOperator): Solver {
  if (method != null && typeof method === 'object') return method;
  const name = method ?? 'auto';
  return (name === 'auto' ? autoSolverEntry(operator) : solverEntry(name)).create();
}
