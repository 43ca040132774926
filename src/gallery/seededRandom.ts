/**
 * Seeded pseudo-random streams for the problem gallery: mulberry32 (Tommy Ettinger's 32-bit
 * generator) for uniforms and Box–Muller for normals, so that a generator called with the same
 * seed gives the same matrix on every run, backend and platform (plain JavaScript arithmetic,
 * no tfjs randomness).
 */
import {LinearSolveError} from '../core/LinearSolveError';
import {uniformStream} from '../core/uniformStream';

export {uniformStream};

/** Standard normal numbers from a 32-bit seed (Box–Muller on `uniformStream`). */
export function normalStream(seed: number): () => number {
  const next = uniformStream(seed);
  let spare: number | null = null;
  return () => {
    if (spare != null) {
      const s = spare;
      spare = null;
      return s;
    }
    const u = 1 - next();
    const v = next();
    const radius = Math.sqrt(-2 * Math.log(u));
    spare = radius * Math.sin(2 * Math.PI * v);
    return radius * Math.cos(2 * Math.PI * v);
  };
}

/**
 * An independent stream's seed derived from (seed, stream): the coefficient field and the
 * right-hand side of one problem draw from different streams of the one seed.
 */
export function mixSeed(seed: number, stream: number): number {
  let h = Math.imul((seed >>> 0) ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(stream + 1, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A seed must be an integer in [0, 2³²): anything else is an 'option' error. */
export function checkSeed(seed: unknown, where: string): number {
  if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32) {
    throw new LinearSolveError('option', `${where}: seed must be an integer in [0, 2³²), got ${String(seed)}.`);
  }
  return seed;
}

/** A grid size m must be an integer ≥ 1. */
export function checkGridSize(m: unknown, where: string): number {
  if (typeof m !== 'number' || !Number.isInteger(m) || m < 1) {
    throw new LinearSolveError('shape', `${where}: m must be an integer ≥ 1, got ${String(m)}.`);
  }
  return m;
}

/** A finite number within [low, high] (or an 'option' error naming it). */
export function checkRange(value: unknown, name: string, where: string, low: number, high: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < low || value > high) {
    throw new LinearSolveError('option', `${where}: ${name} must be a number in [${low}, ${high}], got ${String(value)}.`);
  }
  return value;
}
