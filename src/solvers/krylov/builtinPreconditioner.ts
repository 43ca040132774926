/**
 * The preconditioners a solve builds from A by name: 'jacobi' (diag(A)⁻¹, in IterativeState),
 * 'ssor', 'ic0' and 'ilu0' (triangular factors on typed arrays, see
 * operators/preconditioners), with object forms for their parameters.
 */
import {LinearOperator, isLinearOperator} from '../../operators/LinearOperator';
import {LinearSolveError} from '../../core/LinearSolveError';
import {SsorOptions, ssor} from '../../operators/preconditioners/ssor';
import {Ic0Options, ic0, ilu0} from '../../operators/preconditioners/incompleteFactorizations';

/** Preconditioners named by a string: built from A when the solve starts. */
export type PreconditionerName = 'jacobi' | 'ssor' | 'ic0' | 'ilu0';

/** A named preconditioner, or one with parameters: `{ssor: {omega: 1.5}}`, `{ic0: {shift: 'auto'}}`. */
export type PreconditionerSpec = PreconditionerName | {ssor: SsorOptions} | {ic0: Ic0Options};

const NAMES: readonly string[] = ['jacobi', 'ssor', 'ic0', 'ilu0'];

/** Whether `p` names a built-in preconditioner (a string or an object form). */
export function isPreconditionerSpec(p: unknown): p is PreconditionerSpec {
  if (typeof p === 'string') return NAMES.includes(p);
  if (p == null || typeof p !== 'object' || isLinearOperator(p)) return false;
  const keys = Object.keys(p);
  return keys.length === 1 && (keys[0] === 'ssor' || keys[0] === 'ic0') &&
    typeof (p as Record<string, unknown>)[keys[0]] === 'object';
}

/** The name of a spec: 'ssor' for `{ssor: {…}}`. */
export function preconditionerName(p: PreconditionerSpec): PreconditionerName {
  return typeof p === 'string' ? p : (Object.keys(p)[0] as PreconditionerName);
}

/** Whether the spec gives a symmetric positive definite M whenever A is (all but 'ilu0'). */
export function spdForSpdA(p: PreconditionerSpec): boolean {
  return preconditionerName(p) !== 'ilu0';
}

/** M for A from a spec other than 'jacobi' (which IterativeState keeps as diag(A)⁻¹). */
export function buildPreconditioner(p: PreconditionerSpec, operator: LinearOperator): LinearOperator {
  const name = preconditionerName(p);
  if (name === 'ssor') return ssor(operator, typeof p === 'object' ? (p as {ssor: SsorOptions}).ssor : {});
  if (name === 'ic0') return ic0(operator, typeof p === 'object' ? (p as {ic0: Ic0Options}).ic0 : {});
  if (name === 'ilu0') return ilu0(operator);
  throw new LinearSolveError('option', `preconditioner '${name}' is not built here.`);
}
