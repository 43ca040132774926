/**
 * Preconditioners applied on the host: the operand is read to a typed array, swept (triangular
 * solves are sequential), and uploaded as one tensor. On cpu and wasm the data is already in
 * host memory (no copy); on tensorflow, webgl and webgpu every application is a readback and an
 * upload, measured against the alternatives in bench/preconditioners.ts.
 *
 * The application is a custom op whose gradient is the transposed application, so a recorded
 * (unrolled) solve differentiates through M correctly; M itself is a constant (its factors
 * carry no gradient to A: at convergence x does not depend on M).
 */
import * as tf from '@tensorflow/tfjs';
import {BaseOperator, LinearOperator, OperatorTag} from '../LinearOperator';
import {customOp} from '../../core/tape';
import {LinearSolveError} from '../../core/LinearSolveError';
import {hostData} from '../../kernels/host/hostBackend';

/** M ≈ A⁻¹ whose products are computed on typed arrays, one column at a time. */
export abstract class HostPreconditioner extends BaseOperator {
  readonly kind = 'preconditioner';
  readonly shape: [number, number];

  constructor(readonly n: number, tags: readonly OperatorTag[], protected readonly transposed: boolean) {
    super(tags);
    this.shape = [n, n];
  }

  /** y ← M y (or Mᵀ y when `transposed`) for one column, in place, in float64. */
  abstract applyColumn(y: Float64Array, transposed: boolean): void;

  /** @internal The same preconditioner with the transposed flag set to `transposed`. */
  protected abstract withTransposed(transposed: boolean): HostPreconditioner;

  /** M·X for X `[n, k]` on typed arrays: `from` and `to` are row-major `[n, k]` blocks. */
  applyBlock(from: ArrayLike<number>, fromOffset: number, to: Float32Array, toOffset: number, k: number,
      transposed = this.transposed): void {
    const n = this.n;
    const y = new Float64Array(n);
    for (let c = 0; c < k; c++) {
      for (let i = 0; i < n; i++) y[i] = from[fromOffset + i * k + c];
      this.applyColumn(y, transposed);
      for (let i = 0; i < n; i++) to[toOffset + i * k + c] = y[i];
    }
  }

  /** M·X for X `[n, k]`: a custom op whose gradient applies Mᵀ (so unrolled solves differentiate through M). */
  apply(x: tf.Tensor): tf.Tensor {
    if (x.rank !== 2 || x.shape[0] !== this.n) {
      throw new LinearSolveError('shape', `preconditioner: expected a block [${this.n}, k], got [${x.shape}].`);
    }
    const op = customOp(([input]) => ({
      value: this.host(input, this.transposed),
      gradFunc: dy => [this.host(dy, !this.transposed)],
    }));
    return op(x);
  }

  private host(x: tf.Tensor, transposed: boolean): tf.Tensor {
    const [n, k] = x.shape;
    // Read before any allocation: a wasm view is valid only until the heap may grow.
    const from = hostData(x);
    const out = new Float32Array(n * k);
    this.applyBlock(from, 0, out, 0, k, transposed);
    return tf.tensor2d(out, [n, k]);
  }

  /** Mᵀ: the same factors swept in transposed order (M itself when symmetric). */
  transpose(): LinearOperator {
    if (this.hasTag('symmetric')) return this;
    return this.withTransposed(!this.transposed);
  }

  /** M as a dense `[n, n]` tensor (n products). */
  toDense(): tf.Tensor {
    return tf.tidy(() => this.apply(tf.eye(this.n)));
  }

  /** Nothing to free: the factors are typed arrays. */
  dispose(): void {}
}
