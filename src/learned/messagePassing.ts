/**
 * One message-passing layer of a graph network on the sparsity graph of a matrix (Gilmer et
 * al. 2017, "Neural message passing for quantum chemistry"; the graph-convolution form of
 * Kipf & Welling 2017 with the matrix entries as edge weights):
 *
 *   h'ᵢ = σ( hᵢ·W_self + (Σⱼ sᵢ aᵢⱼ hⱼ)·W_neighbour + bias ),
 *
 * with aᵢⱼ the entries of A (the edge weights) and sᵢ an optional row scale (1/aᵢᵢ gives the
 * Jacobi-normalised D⁻¹A, whose spectrum does not depend on A's scale). The aggregation is the
 * operator's own product A·H, one sparse product with the F feature channels as its columns,
 * so it runs on every backend (no gather/segment sum) and its gradient reaches H, the weights
 * and A's values.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as ls from '../coreApi';
import {untaped} from './untaped';

/** The weights of one `messagePassing` layer, F input and H output channels. */
export interface MessagePassingWeights {
  /** `[F, H]`: what a node keeps of its own features. */
  self: tf.Tensor;
  /** `[F, H]`: what it takes from its neighbours' aggregated features. */
  neighbour: tf.Tensor;
  /** `[H]` (optional). */
  bias?: tf.Tensor;
}

/** `messagePassing`'s options. */
export interface MessagePassingOptions {
  /** σ: 'relu' (default), 'tanh' or 'linear'. */
  activation?: 'relu' | 'tanh' | 'linear';
  /**
   * sᵢ, `[n]` (`[B, n]` for a batched A): multiplies row i of the aggregation. `1/diag(A)`
   * gives D⁻¹A (see `jacobiScale`). Default: none.
   */
  rowScale?: tf.Tensor;
}

/** H·W for H `[..., n, F]` and W `[F, H']`, as one 2-D product. */
export function project(h: tf.Tensor, w: tf.Tensor): tf.Tensor {
  const f = h.shape[h.rank - 1] as number;
  const out = w.shape[1] as number;
  return tf.reshape(tf.matMul(tf.reshape(h, [-1, f]), w), [...h.shape.slice(0, -1), out]);
}

/**
 * One message-passing layer on the graph of a sparse (or any) operator A: node features H
 * `[n, F]` (`[B, n, F]` for a batched A) → `[n, H]` (`[B, n, H]`).
 *
 *   H' = σ( H·W_self + diag(s)·(A·H)·W_neighbour + bias )
 *
 * The neighbours' features are summed with A's entries as edge weights by one product A·H, the
 * operator's own (for `ls.sparse`, the backend's sparse kernel, differentiable in its values), so
 * gradients reach H, every weight and A. Cost: one product with F columns plus 2·n·F·H·2 flops.
 *
 * ```ts
 * const A = ls.sparse({indices, values, shape: [n, n]});
 * const h0 = tf.randomNormal([n, 4]);
 * const w = {self: tf.randomNormal([4, 16]), neighbour: tf.randomNormal([4, 16]), bias: tf.zeros([16])};
 * const h1 = ls.graph.messagePassing(A, h0, w, {rowScale: ls.graph.jacobiScale(A)});   // [n, 16]
 * ```
 */
export function messagePassing(A: ls.LinearOperator, h: tf.Tensor, weights: MessagePassingWeights,
    options: MessagePassingOptions = {}): tf.Tensor {
  const rank = A.batchSize == null ? 2 : 3;
  if (h.rank !== rank || h.shape[rank - 2] !== A.shape[0] || (rank === 3 && h.shape[0] !== A.batchSize)) {
    throw new ls.LinearSolveError('shape', `messagePassing: features must be ${rank === 2 ? '[n, F]' : '[B, n, F]'} for A ` +
      `${rank === 2 ? '' : `[${A.batchSize}] × `}[${A.shape}], got [${h.shape}].`);
  }
  const f = h.shape[rank - 1];
  const {self, neighbour, bias} = weights;
  if (self.rank !== 2 || neighbour.rank !== 2 || self.shape[0] !== f || neighbour.shape[0] !== f ||
      self.shape[1] !== neighbour.shape[1] || (bias != null && (bias.rank !== 1 || bias.shape[0] !== self.shape[1]))) {
    throw new ls.LinearSolveError('shape', `messagePassing: weights must be self and neighbour [${f}, H] and bias [H], got ` +
      `[${self.shape}], [${neighbour.shape}], ${bias == null ? 'none' : `[${bias.shape}]`}.`);
  }
  const activation = options.activation ?? 'relu';
  if (!['relu', 'tanh', 'linear'].includes(activation)) {
    throw new ls.LinearSolveError('option', `messagePassing: activation must be 'relu', 'tanh' or 'linear', got ${JSON.stringify(activation)}.`);
  }
  return tf.tidy(() => {
    let aggregated = A.apply(h);
    if (options.rowScale != null) aggregated = tf.mul(aggregated, tf.expandDims(options.rowScale, -1));
    let out = tf.add(project(h, self), project(aggregated, neighbour));
    if (bias != null) out = tf.add(out, bias);
    return activation === 'relu' ? tf.relu(out) : activation === 'tanh' ? tf.tanh(out) : out;
  });
}

/**
 * 1/diag(A) `[n]` (`[B, n]`), with 1 where a diagonal entry is 0: the row scale that turns the
 * aggregation A·H into D⁻¹A·H, whose spectrum does not change when A is scaled. Differentiable
 * in A's values. Throws a 'notApplicable' error if A cannot give its diagonal.
 */
export function jacobiScale(A: ls.LinearOperator): tf.Tensor {
  return tf.tidy(() => {
    const d = A.diagonal();
    if (d == null) throw new ls.LinearSolveError('notApplicable', `jacobiScale: a ${A.kind} operator has no cheap diagonal; use ls.sparse or ls.dense.`);
    const ok = untaped(() => tf.notEqual(d, 0));
    return tf.where(ok, tf.div(1, tf.where(ok, d, tf.onesLike(d))), tf.onesLike(d));
  });
}
