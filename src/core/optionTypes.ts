/**
 * Type checks of what JavaScript callers pass, before any work: TypeScript's types do not
 * exist at run time, and a wrong type must be a LinearSolveError that says what to pass,
 * never a silently different solve or a TypeError from deep inside.
 */
import * as tf from '@tensorflow/tfjs';
import {LinearSolveError} from './LinearSolveError';
import {OperatorTag} from './tags';

const TAGS: readonly OperatorTag[] = ['symmetric', 'positiveDefinite'];

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `'${value}'`;
  return typeof value === 'object' || typeof value === 'function' ? typeof value : `${typeof value} ${String(value)}`;
}

/** `tags` must be an array of known tag names (or absent). */
export function validateTags(tags: unknown, where: string): OperatorTag[] {
  if (tags == null) return [];
  if (!Array.isArray(tags)) {
    throw new LinearSolveError('option',
      `${where}: tags must be an array such as ['symmetric', 'positiveDefinite'], got ${describe(tags)}.`);
  }
  for (const tag of tags) {
    if (!TAGS.includes(tag)) {
      throw new LinearSolveError('option',
        `${where}: unknown tag ${describe(tag)}. Known tags: ${TAGS.map(t => `'${t}'`).join(', ')}.`);
    }
  }
  return tags as OperatorTag[];
}

/** `[n, n]` with n a non-negative integer. */
export function validateSquareShape(shape: unknown, where: string): number {
  const ok = Array.isArray(shape) && shape.length === 2 &&
    shape.every(d => typeof d === 'number' && Number.isSafeInteger(d) && d >= 0) && shape[0] === shape[1];
  if (!ok) {
    throw new LinearSolveError('shape',
      `${where}: shape must be square [n, n] with n a non-negative integer, got ${Array.isArray(shape) ? `[${shape}]` : describe(shape)}.`);
  }
  return (shape as number[])[0];
}

/** A live tf.Tensor, or a 'dtype' error naming what was passed instead. */
export function requireTensor(t: unknown, name: string): tf.Tensor {
  if (!(t instanceof tf.Tensor)) {
    throw new LinearSolveError('dtype',
      `${name} must be a tf.Tensor, got ${describe(t)}${Array.isArray(t) ? ' (wrap it with tf.tensor)' : ''}.`);
  }
  if (t.isDisposed) {
    throw new LinearSolveError('dtype', `${name} has been disposed; pass a live tensor (keep it with tf.keep or outside tf.tidy).`);
  }
  return t;
}

/** Checks every option's type; values (ranges, consistency) are checked by `resolveOptions`. */
export function validateOptionTypes(options: Record<string, unknown>): void {
  if (typeof options !== 'object' || Array.isArray(options)) {
    throw new LinearSolveError('option', `options must be an object, got ${describe(options)}.`);
  }
  const {method, fixedIterations, tags, onFailure, x0, adjoint, backward, refine} = options;
  if (method != null && typeof method !== 'string' && typeof method !== 'object') {
    throw new LinearSolveError('option', `method must be a method name or a Solver, got ${describe(method)}.`);
  }
  if (method != null && typeof method === 'object' &&
      (typeof (method as {init?: unknown}).init !== 'function' || typeof (method as {compute?: unknown}).compute !== 'function')) {
    throw new LinearSolveError('option', 'method must be a method name or a Solver (with init, compute and transpose).');
  }
  if (fixedIterations != null && typeof fixedIterations !== 'boolean') {
    throw new LinearSolveError('option', `fixedIterations must be true or false, got ${describe(fixedIterations)}.`);
  }
  for (const key of ['rtol', 'atol', 'maxIterations', 'checkEvery', 'restart']) {
    const value = options[key];
    if (value != null && typeof value !== 'number') {
      throw new LinearSolveError('option', `${key} must be a number, got ${describe(value)}.`);
    }
  }
  validateTags(tags, 'options');
  if (onFailure != null && typeof onFailure !== 'string') {
    throw new LinearSolveError('option', `onFailure must be 'throw', 'warn' or 'ignore', got ${describe(onFailure)}.`);
  }
  if (x0 != null) requireTensor(x0, 'x0');
  if (backward != null && (typeof backward !== 'object' || Array.isArray(backward))) {
    throw new LinearSolveError('option', `backward must be an object such as {rtol: 1e-4}, got ${describe(backward)}.`);
  }
  if (backward != null) {
    for (const [key, value] of Object.entries(backward as object)) {
      if (value != null && typeof value !== 'number') {
        throw new LinearSolveError('option', `backward.${key} must be a number, got ${describe(value)}.`);
      }
    }
  }
  validateAdjoint(adjoint);
  if (refine != null && typeof refine !== 'boolean' && refine !== 'auto' &&
      (typeof refine !== 'object' || Array.isArray(refine))) {
    throw new LinearSolveError('option',
      `refine must be true, false, 'auto' or {steps, precision, rtol}, got ${describe(refine)}.`);
  }
}

function validateAdjoint(adjoint: unknown): void {
  if (adjoint == null || typeof adjoint === 'string') return;
  if (typeof adjoint !== 'object') {
    throw new LinearSolveError('option', `adjoint must be a name, {truncated: k}, {stochastic: {rate}} or an Adjoint, got ${describe(adjoint)}.`);
  }
  const a = adjoint as Record<string, unknown>;
  if ('truncated' in a && typeof a.truncated !== 'number') {
    throw new LinearSolveError('option', `adjoint {truncated: k} needs a number k, got ${describe(a.truncated)}.`);
  }
  if ('stochastic' in a) {
    const s = a.stochastic as Record<string, unknown> | null;
    if (s == null || typeof s !== 'object' || typeof s.rate !== 'number' || (s.seed != null && typeof s.seed !== 'number')) {
      throw new LinearSolveError('option',
        `adjoint {stochastic: {rate, seed?}} needs a number rate in (0, 1] (and a number seed), got ${JSON.stringify(s)}.`);
    }
  }
}
