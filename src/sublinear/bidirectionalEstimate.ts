/**
 * The bidirectional estimator: a backward push to a threshold, then random walks for the
 * residual part (walkEstimate.ts). Without a given `threshold`, θ halves until the walks the
 * residual still needs would cost no more than the pushes so far: a balance, so neither half
 * dominates the work.
 */
import {HostEstimate} from './differentiable';
import {push} from './push';
import {Query} from './Query';
import {requireRowDominant} from './preconditions';
import {walkEstimate} from './walkEstimate';

export function bidirectionalEstimate(query: Query): HostEstimate {
  const {sys, b, c, options} = query;
  requireRowDominant(sys, 'the bidirectional estimator');
  const B = b.infNorm / sys.minDiagonalMargin;
  const stepCost = (sys.layout.rowPtr[sys.layout.n] / sys.layout.n + 1) / sys.rowMargin;
  const walkCost = (sOne: number) =>
    (2 * ((sOne * B) / 0.9) ** 2 * Math.log(2 / (1 - options.confidence)) / options.epsilon ** 2) * stepCost;
  const state = push(sys, c, 'backward', {threshold: options.threshold,
    done: s => walkCost(s.residualOneNorm) <= s.work, maxWork: options.maxWork / 2});
  return walkEstimate(query, state.estimate, state.residual, state.work, 'bidirectional');
}
