/**
 * mulberry32 (Tommy Ettinger's 32-bit generator): the one seeded uniform stream of the library
 * (problem gallery, stochastic adjoint, random-walk estimators), so a seed gives the same
 * numbers on every run, backend and platform (plain JavaScript arithmetic, no tfjs randomness).
 */

/**
 * Uniform numbers in [0, 1) from a 32-bit seed (mulberry32), reproducible everywhere.
 *
 * ```ts
 * const next = ls.uniformStream(7);
 * const b = tf.tensor1d(Array.from({length: 16}, () => next() - 0.5));
 * ```
 */
export function uniformStream(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
