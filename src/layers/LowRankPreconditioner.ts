/**
 * M⁻¹ for the learned preconditioners, as a LinearOperator that `ls.solve` takes as
 * `preconditioner`. Both forms are symmetric positive definite by construction:
 *
 * - 'inverse':  M⁻¹ = D⁻¹ + V Vᵀ, applied directly in O(n·rank).
 * - 'woodbury': M = D + U Uᵀ, applied as M⁻¹r = D⁻¹r − D⁻¹U S⁻¹ UᵀD⁻¹r with the rank×rank
 *   S = I + UᵀD⁻¹U (Woodbury identity; Golub & Van Loan §2.1.4), S⁻¹ by this package's Cholesky.
 *
 * It applies to `[n, k]` blocks and to `[B, n, k]` (a batched solve), the same M⁻¹ for every member.
 */
import * as tf from './tf';
import * as ls from '../index';

/** 'inverse': M⁻¹ = D⁻¹ + VVᵀ applied directly; 'woodbury': M = D + UUᵀ inverted by the Woodbury identity. */
export type PreconditionerForm = 'inverse' | 'woodbury';

export class LowRankPreconditioner implements ls.LinearOperator {
  readonly kind = 'lowRankPreconditioner';
  readonly shape: [number, number];
  readonly batchSize = null;
  readonly tags: readonly ls.OperatorTag[] = ['symmetric', 'positiveDefinite'];

  /**
   * `inverseDiagonal` D⁻¹ `[n]`; `factors` V (inverse) or U (woodbury) `[n, rank]`;
   * `core` S⁻¹ `[rank, rank]` for woodbury, null for inverse.
   */
  constructor(readonly form: PreconditionerForm, readonly inverseDiagonal: tf.Tensor,
      readonly factors: tf.Tensor, readonly core: tf.Tensor | null) {
    const n = inverseDiagonal.shape[0];
    this.shape = [n, n];
  }

  hasTag(tag: ls.OperatorTag): boolean {
    return this.tags.includes(tag);
  }

  apply(r: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      // tfjs's batched matMul broadcasts but its gradient does not sum back over the batch:
      // broadcastTo (whose gradient does) makes the factors as batched as r.
      const batched = (t: tf.Tensor) => (r.rank === 3 ? tf.broadcastTo(t, [r.shape[0], ...t.shape]) : t);
      const factors = batched(this.factors);
      const dr = tf.mul(tf.expandDims(this.inverseDiagonal, -1), r);
      if (this.core == null) return tf.add(dr, tf.matMul(factors, tf.matMul(factors, r, true, false)));
      // D⁻¹r − D⁻¹U S⁻¹ Uᵀ D⁻¹ r.
      const inner = tf.matMul(batched(this.core), tf.matMul(factors, dr, true, false));
      return tf.sub(dr, tf.mul(tf.expandDims(this.inverseDiagonal, -1), tf.matMul(factors, inner)));
    });
  }

  matvec(x: tf.Tensor): tf.Tensor {
    return x.rank === 1 ? tf.tidy(() => tf.squeeze(this.apply(tf.expandDims(x, -1)), [-1])) : this.apply(x);
  }

  transpose(): ls.LinearOperator {
    return this;
  }

  toDense(): tf.Tensor {
    return tf.tidy(() => this.apply(tf.eye(this.shape[0])));
  }

  diagonal(): tf.Tensor | null {
    return null;
  }

  parameters(): tf.Tensor[] {
    return [];
  }

  withParameters(): ls.LinearOperator {
    return this;
  }

  parameterGradients(): tf.Tensor[] | null {
    return null;
  }

  /** Frees the tensors this operator holds (a copy of the weights, for `layer.preconditioner()`). */
  dispose(): void {
    tf.dispose([this.inverseDiagonal, this.factors, ...(this.core == null ? [] : [this.core])]);
  }
}

/**
 * M⁻¹ from the raw weights: D = softplus(d) > 0, and the factors. For woodbury, S⁻¹ comes
 * from one Cholesky solve S·X = I, differentiable (implicit adjoint) in U and d.
 */
export function lowRankPreconditioner(form: PreconditionerForm, d: tf.Tensor, factors: tf.Tensor): LowRankPreconditioner {
  const [inverseDiagonal, core] = tf.tidy(() => {
    const inverse = tf.reciprocal(tf.softplus(d));
    if (form === 'inverse') return [inverse];
    const rank = factors.shape[1] as number;
    const s = tf.add(tf.eye(rank), tf.matMul(factors, tf.mul(tf.expandDims(inverse, -1), factors), true, false));
    return [inverse, ls.solve(s, tf.eye(rank), {method: 'cholesky', tags: ['symmetric', 'positiveDefinite']})];
  });
  return new LowRankPreconditioner(form, inverseDiagonal, factors, core ?? null);
}
