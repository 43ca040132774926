import * as tf from '@tensorflow/tfjs-core';
import {BaseOperator, LinearOperator, OperatorTag} from './LinearOperator';
import {LinearSolveError} from '../core/LinearSolveError';
import {validateSquareShape, validateTags} from '../core/optionTypes';

/** A function that applies A (or Aᵀ) to x of shape `[n]`, or `[n, k]` for k right-hand sides. */
export type MatvecFn = (x: tf.Tensor) => tf.Tensor;

/** What `matrixFree` takes. */
export interface MatrixFreeSpec {
  shape: [number, number];
  /** x ↦ A·x. Called with `[n]` for one right-hand side and `[n, k]` for several. */
  matvec: MatvecFn;
  /** x ↦ Aᵀ·x, needed for gradients unless A is tagged `'symmetric'`. */
  rmatvec?: MatvecFn;
  /** diag(A) `[n]`, for the Jacobi preconditioner. */
  diagonal?: tf.Tensor;
  tags?: OperatorTag[];
}

/** An operator known only by what it does to vectors. */
export class MatrixFreeOperator extends BaseOperator {
  readonly kind = 'matrixFree';
  readonly shape: [number, number];

  constructor(private readonly spec: MatrixFreeSpec, private readonly transposed = false) {
    super(spec.tags ?? []);
    this.shape = [spec.shape[0], spec.shape[1]];
  }

  apply(x: tf.Tensor): tf.Tensor {
    const fn = (this.transposed ? this.spec.rmatvec : this.spec.matvec) as MatvecFn;
    const [n, k] = x.shape;
    const out = fn(k === 1 ? tf.reshape(x, [n]) : x) as unknown;
    const expected = k === 1 ? [n] : [n, k];
    const y = out instanceof tf.Tensor && sameShape(out.shape, expected) ? tf.reshape(out, [n, k]) : null;
    if (y == null || !(out instanceof tf.Tensor)) {
      throw new LinearSolveError('shape',
        `matrixFree: ${this.transposed ? 'rmatvec' : 'matvec'} returned ${out instanceof tf.Tensor ? `shape [${out.shape}]` : typeof out} for an ` +
        `input of shape [${k === 1 ? n : x.shape}]; it must return the same shape as its input.`);
    }
    return y;
  }

  /** Aᵀ: `rmatvec`, or A itself when tagged symmetric; a 'noTranspose' error otherwise. */
  transpose(): LinearOperator {
    if (this.hasTag('symmetric')) return this;
    if (this.spec.rmatvec == null) throw noTranspose();
    return new MatrixFreeOperator(this.spec, !this.transposed);
  }

  /** A·I, column by column in one call: n products' worth of work. */
  toDense(): tf.Tensor {
    return tf.tidy(() => this.apply(tf.eye(this.shape[0])));
  }

  diagonal(): tf.Tensor | null {
    return this.spec.diagonal ?? null;
  }
}

function sameShape(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function noTranspose(): LinearSolveError {
  return new LinearSolveError('noTranspose',
    'matrixFree: this needs Aᵀ (the gradient solves Aᵀλ = ∂L/∂x), but the operator has no ' +
    "rmatvec. Pass rmatvec: x => Aᵀx, or tags: ['symmetric'] if A is symmetric.");
}

/**
 * A linear operator given by its action, for A too large or too structured to store.
 *
 * Tensors and `tf.variable`s that `matvec` reads receive gradients through the solve
 * (`∂θ = −(∂(A x)/∂θ)ᵀ λ`), because the implicit adjoint applies `matvec` on the tape once.
 *
 * ```ts
 * const k = tf.variable(tf.scalar(2));
 * const A = ls.matrixFree({shape: [n, n], tags: ['symmetric', 'positiveDefinite'],
 *   matvec: x => tf.add(tf.mul(k, x), laplacian(x))});
 * const x = ls.solve(A, b);          // CG; ∂L/∂k flows through `matvec`
 * ```
 */
export function matrixFree(spec: MatrixFreeSpec): LinearOperator {
  validateSquareShape(spec?.shape, 'matrixFree');
  validateTags(spec.tags, 'matrixFree');
  if (spec.rmatvec != null && typeof spec.rmatvec !== 'function') {
    throw new LinearSolveError('option', 'matrixFree: rmatvec must be a function x => Aᵀ·x.');
  }
  if (typeof spec.matvec !== 'function') {
    throw new LinearSolveError('option', 'matrixFree: matvec must be a function x => A·x.');
  }
  return new MatrixFreeOperator(spec);
}
