import * as ls from '../index';

/** Options every checked `ls.linalg` op takes. */
export interface LinalgOptions {
  /**
   * What to do when the op's one readback finds the input singular (or not positive definite)
   * or the result not finite: `'throw'` a `LinearSolveError` (default), `'warn'` and return
   * the result (with its NaN/Inf), or `'ignore'`: skip the readback altogether (no GPU sync).
   */
  onFailure?: ls.OnFailure;
}

const FAILURES = ['throw', 'warn', 'ignore'];

/** `options.onFailure`, validated. */
export function onFailureOf(options: LinalgOptions | undefined, op: string): ls.OnFailure {
  if (options != null && typeof options !== 'object') {
    throw new ls.LinearSolveError('option', `linalg.${op}: options must be an object, got ${typeof options}.`);
  }
  const given = options?.onFailure ?? 'throw';
  if (!FAILURES.includes(given)) {
    throw new ls.LinearSolveError('option', `linalg.${op}: onFailure must be 'throw', 'warn' or 'ignore', got ${String(given)}.`);
  }
  return given;
}

/** A boolean option, validated (`fallback` when absent). */
export function flagOf(options: object | undefined, key: string, fallback: boolean, op: string): boolean {
  const value = (options as Record<string, unknown> | undefined)?.[key];
  if (value == null) return fallback;
  if (typeof value !== 'boolean') {
    throw new ls.LinearSolveError('option', `linalg.${op}: ${key} must be true or false, got ${String(value)}.`);
  }
  return value;
}

/** Throws or warns with `error` as `onFailure` says (never called with 'ignore'). */
export function reportFailure(onFailure: ls.OnFailure, error: ls.LinearSolveError): void {
  if (onFailure === 'throw') throw error;
  if (onFailure === 'warn') console.warn(`tfjs-linsolve: ${error.message}`);
}
