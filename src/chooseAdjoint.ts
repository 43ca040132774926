import {LinearSolveError} from './core/LinearSolveError';
import {SolveOptions} from './options';
import {Adjoint} from './adjoints/Adjoint';
import {ImplicitAdjoint} from './adjoints/ImplicitAdjoint';
import {StochasticAdjoint} from './adjoints/StochasticAdjoint';
import {TruncatedAdjoint} from './adjoints/TruncatedAdjoint';
import {UnrolledAdjoint} from './adjoints/UnrolledAdjoint';

/** The adjoint an `adjoint` option names (or is). */
export function chooseAdjoint(adjoint: SolveOptions['adjoint']): Adjoint {
  if (adjoint == null || adjoint === 'implicit') return new ImplicitAdjoint();
  if (adjoint === 'unrolled') return new UnrolledAdjoint();
  if (typeof adjoint === 'object' && 'truncated' in adjoint) return new TruncatedAdjoint(adjoint.truncated);
  if (typeof adjoint === 'object' && 'stochastic' in adjoint) return new StochasticAdjoint(adjoint.stochastic);
  if (typeof adjoint === 'object' && typeof (adjoint as Adjoint).solve === 'function') return adjoint as Adjoint;
  throw new LinearSolveError('option',
    `Unknown adjoint '${String(adjoint)}'. Use 'implicit', 'unrolled', {truncated: k}, {stochastic: {rate}} or an Adjoint instance.`);
}
