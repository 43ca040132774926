/**
 * The solvers by name, with their capabilities. `'auto'`, the per-solver option check, the
 * "unknown method" message and the tests' method lists all read this one table, so adding a
 * solver is its file plus one `registerSolver` line (see `builtins.ts`).
 */
import {LinearOperator} from '../operators/LinearOperator';
import {LinearSolveError} from '../core/LinearSolveError';
import {Solver, SolverCapabilities, SolverSpecificOption} from './Solver';

/** One registered solver. */
export interface SolverEntry {
  name: string;
  /** Makes a fresh instance of the solver. */
  create: () => Solver;
  capabilities: SolverCapabilities;
  /** Whether `'auto'` may pick it. */
  auto: boolean;
}

const entries: SolverEntry[] = [];

/** Registers a solver under its name (replacing one of the same name). */
export function registerSolver(create: () => Solver, {auto = false}: {auto?: boolean} = {}): void {
  const solver = create();
  if (solver.capabilities == null) throw new Error(`registerSolver: '${solver.name}' declares no capabilities`);
  const entry = {name: solver.name, create, capabilities: solver.capabilities, auto};
  const at = entries.findIndex(e => e.name === entry.name);
  if (at >= 0) entries[at] = entry; else entries.push(entry);
}

/** Every registered solver, in registration order. */
export function solverEntries(): readonly SolverEntry[] {
  return entries;
}

/** The entry for `name`, or an 'option' error naming the methods there are. */
export function solverEntry(name: string): SolverEntry {
  const entry = entries.find(e => e.name === name);
  if (entry == null) {
    throw new LinearSolveError('option',
      `Unknown method '${String(name)}'. Use 'auto', ${entries.map(e => `'${e.name}'`).join(', ')} or a Solver.`);
  }
  return entry;
}

/** Above this size a sparse or matrix-free operator is not densified by 'auto'. */
export const DENSIFY_LIMIT = 1000;

/**
 * What `'auto'` picks: a solver made for the operator's kind (diagonal → 'diagonal'); else,
 * for a dense (or small) operator a direct solver, for a large sparse or matrix-free one an
 * iterative solver — the SPD one (Cholesky, CG) when A is tagged symmetric positive
 * definite, else the general one (LU, GMRES).
 */
export function autoSolverEntry(operator: LinearOperator): SolverEntry {
  const candidates = entries.filter(e => e.auto && (operator.batchSize == null || e.capabilities.batches));
  const specialised = candidates.find(e => e.capabilities.operatorKinds?.includes(operator.kind));
  if (specialised != null) return specialised;
  const spd = operator.hasTag('symmetric') && operator.hasTag('positiveDefinite');
  const kind = operator.kind === 'dense' || operator.shape[0] <= DENSIFY_LIMIT ? 'direct' : 'iterative';
  const general = candidates.filter(e => e.capabilities.operatorKinds == null && e.capabilities.kind === kind);
  const pick = (spd ? general.find(e => e.capabilities.needsSPD) : undefined) ?? general.find(e => !e.capabilities.needsSPD);
  if (pick == null) throw new LinearSolveError('option', `'auto' found no registered ${kind} solver for this operator.`);
  return pick;
}

/**
 * An 'option' error when the options name something `solver` does not read (restart for
 * anything but GMRES, a preconditioner or x0 for a direct method), rather than ignoring it.
 * Solvers without declared capabilities (a user's Solver) are not checked.
 */
export function checkSolverOptions(solver: Solver, options: Partial<Record<SolverSpecificOption, unknown>>,
    backward: {restart?: unknown} = {}): void {
  const capabilities = solver.capabilities;
  if (capabilities == null) return;
  const given = (Object.keys(options) as SolverSpecificOption[]).filter(key =>
    options[key] != null && options[key] !== false && ['restart', 'preconditioner', 'x0', 'fixedIterations'].includes(key));
  if (backward.restart != null) given.push('restart');
  for (const key of given) {
    if (capabilities.options.includes(key)) continue;
    const readers = entries.filter(e => e.capabilities.options.includes(key)).map(e => `'${e.name}'`);
    throw new LinearSolveError('option',
      `${key === 'restart' && backward.restart != null && options.restart == null ? 'backward.restart' : key} ` +
      `does not apply to method '${solver.name}'; it is read by ${readers.join(', ')}. Remove it, or pick one of those methods.`);
  }
}
