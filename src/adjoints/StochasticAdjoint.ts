/**
 * A stochastic implicit gradient for systems with many right-hand sides, A X = B with
 * B `[n, k]`: the backward solves Aᵀλⱼ = ∂L/∂xⱼ only for a random subset of the k columns,
 * each kept with probability p and rescaled by 1/p (Bernoulli column sampling, the
 * Horvitz–Thompson estimator). Then
 *
 *     ∂L/∂B ≈ [mⱼ λⱼ / p]ⱼ,   ∂L/∂A ≈ −Σⱼ (mⱼ/p) λⱼ xⱼᵀ,   mⱼ ~ Bernoulli(p)
 *
 * are unbiased (E[mⱼ/p] = 1) at an expected cost of p·k backward solves instead of k, and
 * the variance of each column's term is (1 − p)/p times its square. The forward is exact.
 * With one right-hand side it is the implicit gradient (the column is always kept).
 */
import {ColumnSampler, ImplicitAdjoint} from './ImplicitAdjoint';
import {LinearSolveError} from '../core/LinearSolveError';
import {uniformStream} from '../core/uniformStream';

/** Bernoulli(p) columns from a seeded generator (mulberry32), advancing each backward. */
class BernoulliColumns implements ColumnSampler {
  private readonly next: () => number;

  constructor(readonly rate: number, seed: number) {
    this.next = uniformStream(seed);
  }

  sample(k: number): {columns: number[]; weight: number} {
    if (k === 1) return {columns: [0], weight: 1};
    const columns: number[] = [];
    for (let j = 0; j < k; j++) if (this.next() < this.rate) columns.push(j);
    return {columns, weight: 1 / this.rate};
  }
}

/** The implicit adjoint with Bernoulli(rate) sampling of right-hand-side columns. */
export class StochasticAdjoint extends ImplicitAdjoint {
  readonly name: string;

  constructor({rate, seed = 0}: {rate: number; seed?: number}) {
    if (!(rate > 0 && rate <= 1)) {
      throw new LinearSolveError('option', `adjoint {stochastic: {rate}} needs 0 < rate ≤ 1, got ${rate}.`);
    }
    super(new BernoulliColumns(rate, seed));
    this.name = `stochastic(${rate})`;
  }
}
