import * as tf from './tf';
import * as ls from '../index';

/** The layer arguments every tfjs layer takes (name, trainable, inputShape, dtype, …). */
export type LayerArgs = NonNullable<ConstructorParameters<typeof tf.layers.Layer>[0]>;

/** A symbolic shape as tfjs-layers passes it: `null` for an unknown (batch) dimension. */
export type Shape = Array<number | null>;

/** The adjoints a layer config can name (an `Adjoint` instance does not serialise). */
export type AdjointConfig = 'implicit' | 'unrolled' | {truncated: number} | {stochastic: {rate: number; seed?: number}};

/**
 * The serialisable part of `SolveOptions`: what a layer stores in its config and saves with
 * the model. Solver, Adjoint and operator instances and `x0` are not serialisable.
 */
export interface SolveConfig {
  method?: 'auto' | 'lu' | 'cholesky' | 'cg' | 'bicgstab' | 'gmres' | 'jacobi';
  adjoint?: AdjointConfig;
  rtol?: number;
  atol?: number;
  maxIterations?: number;
  checkEvery?: number;
  preconditioner?: 'jacobi';
  restart?: number;
  fixedIterations?: boolean;
  onFailure?: 'throw' | 'warn' | 'ignore';
  tags?: ls.OperatorTag[];
  backward?: {rtol?: number; atol?: number; maxIterations?: number; checkEvery?: number; restart?: number};
}

export const SOLVE_KEYS = ['method', 'adjoint', 'rtol', 'atol', 'maxIterations', 'checkEvery', 'preconditioner',
  'restart', 'fixedIterations', 'onFailure', 'tags', 'backward'] as const;

const METHODS = ['auto', 'lu', 'cholesky', 'cg', 'bicgstab', 'gmres', 'jacobi'];
const TAGS = ['symmetric', 'positiveDefinite'];

function fail(layer: string, message: string): never {
  throw new ls.LinearSolveError('option', `${layer}: ${message}`);
}

function checkNumber(layer: string, key: string, value: unknown, integer: boolean): void {
  if (value == null) return;
  const ok = typeof value === 'number' && Number.isFinite(value) && value >= 0 &&
    (!integer || (Number.isInteger(value) && value >= 1));
  if (!ok) fail(layer, `${key} must be ${integer ? 'an integer ≥ 1' : 'a finite number ≥ 0'}, got ${JSON.stringify(value)}.`);
}

/** Validates an adjoint named in a config; `allowed` limits which kinds a layer accepts. */
export function checkAdjoint(layer: string, adjoint: unknown,
    allowed: Array<'implicit' | 'unrolled' | 'truncated' | 'stochastic'> = ['implicit', 'unrolled', 'truncated', 'stochastic']): void {
  if (adjoint == null) return;
  const kind = typeof adjoint === 'string' ? adjoint :
    typeof adjoint === 'object' && 'truncated' in (adjoint as object) ? 'truncated' :
    typeof adjoint === 'object' && 'stochastic' in (adjoint as object) ? 'stochastic' : null;
  if (kind == null || !(allowed as string[]).includes(kind)) {
    fail(layer, `adjoint must be one of ${allowed.map(a => (a === 'truncated' ? '{truncated: k}' :
      a === 'stochastic' ? '{stochastic: {rate}}' : `'${a}'`)).join(', ')}, got ${JSON.stringify(adjoint)}.`);
  }
  if (kind === 'truncated') checkNumber(layer, 'adjoint.truncated', (adjoint as {truncated: number}).truncated, true);
  if (kind === 'stochastic') {
    const rate = (adjoint as {stochastic: {rate: number}}).stochastic?.rate;
    if (!(typeof rate === 'number' && rate > 0 && rate <= 1)) fail(layer, `adjoint.stochastic.rate must be in (0, 1], got ${rate}.`);
  }
}

/**
 * The solve options of a layer config, checked now (a bad config fails when the layer is
 * made, not inside `fit`) and copied so that the config the layer saves is plain JSON.
 */
export function solveConfigOf(layer: string, config: SolveConfig): SolveConfig {
  const out: Record<string, unknown> = {};
  const c = config as Record<string, unknown>;
  if (c.method != null && !METHODS.includes(c.method as string)) {
    fail(layer, `method must be one of ${METHODS.map(m => `'${m}'`).join(', ')} (a Solver instance cannot be saved), got ${JSON.stringify(c.method)}.`);
  }
  checkAdjoint(layer, c.adjoint);
  for (const key of ['rtol', 'atol']) checkNumber(layer, key, c[key], false);
  for (const key of ['maxIterations', 'checkEvery', 'restart']) checkNumber(layer, key, c[key], true);
  if (c.preconditioner != null && c.preconditioner !== 'jacobi') {
    fail(layer, "preconditioner must be 'jacobi' in a layer config (an operator cannot be saved with the model).");
  }
  if (c.fixedIterations != null && typeof c.fixedIterations !== 'boolean') fail(layer, 'fixedIterations must be true or false.');
  if (c.fixedIterations === true && c.maxIterations == null) fail(layer, 'fixedIterations needs maxIterations: the number of iterations to run.');
  if (c.onFailure != null && !['throw', 'warn', 'ignore'].includes(c.onFailure as string)) {
    fail(layer, `onFailure must be 'throw', 'warn' or 'ignore', got ${JSON.stringify(c.onFailure)}.`);
  }
  if (c.tags != null && !(Array.isArray(c.tags) && c.tags.every(t => TAGS.includes(t)))) {
    fail(layer, `tags must be a list of ${TAGS.map(t => `'${t}'`).join(', ')}, got ${JSON.stringify(c.tags)}.`);
  }
  if (c.backward != null) {
    const backward = c.backward as Record<string, unknown>;
    for (const key of Object.keys(backward)) {
      if (!['rtol', 'atol', 'maxIterations', 'checkEvery', 'restart'].includes(key)) fail(layer, `unknown backward option '${key}'.`);
      checkNumber(layer, `backward.${key}`, backward[key], key !== 'rtol' && key !== 'atol');
    }
  }
  for (const key of SOLVE_KEYS) if (c[key] != null) out[key] = JSON.parse(JSON.stringify(c[key]));
  return out as SolveConfig;
}

/** Throws a 'shape' LinearSolveError naming the layer. */
export function shapeError(layer: string, message: string): never {
  throw new ls.LinearSolveError('shape', `${layer}: ${message}`);
}

/** The shapes of a layer's list of inputs, or a 'shape' error saying how many it takes. */
export function inputShapes(layer: string, inputShape: Shape | Shape[], count: number, names: string): Shape[] {
  const shapes = Array.isArray(inputShape[0]) ? inputShape as Shape[] : [inputShape as Shape];
  if (shapes.length !== count) shapeError(layer, `takes ${count === 1 ? 'one input' : `a list of ${count} inputs`} ${names}, got ${shapes.length}.`);
  return shapes;
}

/** Dimensions agree unless one is unknown (null). */
export function sameDim(a: number | null | undefined, b: number | null | undefined): boolean {
  return a == null || b == null || a === b;
}

/**
 * Checks A `[batch, n, n]` and b `[batch, n]` or `[batch, n, k]`; returns n (null if unknown).
 */
export function checkSystemShapes(layer: string, a: Shape, b: Shape): number | null {
  if (a.length !== 3 || !sameDim(a[1], a[2])) {
    shapeError(layer, `A must be [batch, n, n] (one square matrix per sample), got [${a.map(String)}].`);
  }
  const n = a[1] ?? a[2] ?? null;
  if ((b.length !== 2 && b.length !== 3) || !sameDim(b[1], n) || !sameDim(a[0], b[0])) {
    shapeError(layer, `b must be [batch, n] or [batch, n, k] with n = ${n} and the batch of A, got [${b.map(String)}] ` +
      `for A [${a.map(String)}].`);
  }
  return n;
}

/** A `LinearSolveError`-checked tensor list of a layer's inputs. */
export function tensorsOf(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor[] {
  return Array.isArray(inputs) ? inputs : [inputs];
}
