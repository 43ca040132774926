/**
 * Options and results of the single-entry estimators (`estimateEntry`, `estimateFunctional`,
 * `localSolve`).
 */
import * as tf from '@tensorflow/tfjs-core';
import * as ls from '../coreApi';

/** How to estimate: see the README's "Single entries in sublinear time" for when each applies. */
export type EstimateMethod = 'neumann' | 'backwardPush' | 'randomWalk' | 'bidirectional' | 'auto';

/** `'deterministic'`: |estimate − exact| ≤ bound always; `'probabilistic'`: with probability ≥ `confidence`. */
export type BoundKind = 'deterministic' | 'probabilistic' | 'uncertified';

/**
 * Options of `estimateEntry` and `estimateFunctional`; every field is optional.
 *
 * ```ts
 * ls.estimateEntry(A, b, 17, {method: 'randomWalk', epsilon: 1e-2, confidence: 0.99, seed: 1});
 * ```
 */
export interface EstimateOptions {
  /** `'auto'` (default): backward push when A is strictly row diagonally dominant, else Neumann if column dominant, else refused. */
  method?: EstimateMethod;
  /** Target additive error |estimate − exact| (default 1e-3); the result's `bound` is what was achieved. */
  epsilon?: number;
  /** Probability that a random method's error is within its bound (default 0.95). */
  confidence?: number;
  /**
   * Push threshold θ (push u while |sᵤ| > θ·(degᵤ + 1)). Given, the push runs once to θ and
   * the bound is reported as it is; omitted, θ halves until the bound meets `epsilon`
   * (backward push) or until walks would cost no more than the pushes did (bidirectional).
   */
  threshold?: number;
  /** Give up (see `onFailure`) after reading this many stored entries of A (default 1e8). */
  maxWork?: number;
  /** Seed of the random methods (default: a fresh random seed per call). */
  seed?: number;
  /**
   * 'throw' (default): a refused precondition or exhausted `maxWork` throws. 'warn' / 'ignore':
   * `maxWork` returns the estimate reached with its (larger) bound, and Neumann on a matrix
   * that is not strictly dominant runs uncertified (divergence still throws).
   */
  onFailure?: ls.OnFailure;
}

/** What every estimator returns. */
export interface EstimateResult {
  /** The estimate, a float32 scalar, differentiable with respect to A's values and b. */
  value: tf.Scalar;
  /** |value − exact| ≤ bound (always, or with probability `confidence`); Infinity if uncertified. */
  bound: number;
  boundKind: BoundKind;
  /** For `'probabilistic'` bounds, the probability that the bound holds; null otherwise. */
  confidence: number | null;
  /** Stored entries of A (and of b, c) read by the forward computation: the cost model's count. */
  work: number;
  /** The method that ran (what `'auto'` chose). */
  method: Exclude<EstimateMethod, 'auto'>;
  /** Random methods: the empirical standard error of the mean; null for deterministic ones. */
  standardError: number | null;
  /** Random methods: the number of walks; null otherwise. */
  walks: number | null;
}

/** Options with defaults filled in. */
export interface ResolvedEstimateOptions {
  method: EstimateMethod;
  epsilon: number;
  confidence: number;
  threshold: number | null;
  maxWork: number;
  seed: number;
  onFailure: ls.OnFailure;
}

const KNOWN = ['method', 'epsilon', 'confidence', 'threshold', 'maxWork', 'seed', 'onFailure'];
const METHODS: EstimateMethod[] = ['neumann', 'backwardPush', 'randomWalk', 'bidirectional', 'auto'];

/** Validates the options of the estimators and fills in defaults. */
export function resolveEstimateOptions(options: EstimateOptions, caller: string,
    methods: readonly EstimateMethod[] = METHODS): ResolvedEstimateOptions {
  for (const key of Object.keys(options)) {
    if (!KNOWN.includes(key)) {
      throw new ls.LinearSolveError('option', `${caller}: unknown option '${key}'. Known options: ${KNOWN.join(', ')}.`);
    }
  }
  const method = options.method ?? 'auto';
  if (!methods.includes(method)) {
    throw new ls.LinearSolveError('option', `${caller}: method must be one of ${methods.map(m => `'${m}'`).join(', ')}, got '${method}'.`);
  }
  const epsilon = positive(caller, 'epsilon', options.epsilon, 1e-3);
  const confidence = options.confidence ?? 0.95;
  if (!(confidence > 0 && confidence < 1)) {
    throw new ls.LinearSolveError('option', `${caller}: confidence must be in (0, 1), got ${confidence}.`);
  }
  const threshold = options.threshold == null ? null : positive(caller, 'threshold', options.threshold, 0);
  const maxWork = positive(caller, 'maxWork', options.maxWork, 1e8);
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 32);
  if (!Number.isInteger(seed)) throw new ls.LinearSolveError('option', `${caller}: seed must be an integer, got ${seed}.`);
  const onFailure = options.onFailure ?? 'throw';
  if (!['throw', 'warn', 'ignore'].includes(onFailure)) {
    throw new ls.LinearSolveError('option', `${caller}: onFailure must be 'throw', 'warn' or 'ignore', got '${onFailure}'.`);
  }
  return {method, epsilon, confidence, threshold, maxWork, seed, onFailure};
}

function positive(caller: string, name: string, value: number | undefined, fallback: number): number {
  if (value == null) return fallback;
  if (!(typeof value === 'number' && value > 0 && Number.isFinite(value))) {
    throw new ls.LinearSolveError('option', `${caller}: ${name} must be a positive finite number, got ${value}.`);
  }
  return value;
}

/** Reports running out of `maxWork` as `onFailure` asks; returns normally unless it throws. */
export function reportFailure(onFailure: ls.OnFailure, message: string): void {
  if (onFailure === 'throw') throw new ls.LinearSolveError('notConverged', message);
  if (onFailure === 'warn') console.warn(`tfjs-linsolve: ${message}`);
}
