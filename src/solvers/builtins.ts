/** The built-in solvers, registered in the order 'auto' prefers them within a kind. */
import {registerSolver} from './registry';
import {LUSolver} from './direct/LUSolver';
import {CholeskySolver} from './direct/CholeskySolver';
import {DiagonalSolver} from './direct/DiagonalSolver';
import {CGSolver} from './krylov/CGSolver';
import {BiCGStabSolver} from './krylov/BiCGStabSolver';
import {GMRESSolver} from './krylov/GMRESSolver';
import {JacobiSolver} from './krylov/JacobiSolver';

registerSolver(() => new LUSolver(), {auto: true});
registerSolver(() => new CholeskySolver(), {auto: true});
registerSolver(() => new DiagonalSolver(), {auto: true});
registerSolver(() => new CGSolver(), {auto: true});
registerSolver(() => new BiCGStabSolver());
registerSolver(() => new GMRESSolver(), {auto: true});
registerSolver(() => new JacobiSolver());
