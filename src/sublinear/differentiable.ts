/**
 * Turns a host-side estimate into a float32 scalar that tf.grad differentiates with respect to
 * A's values and b, through tf.customGrad with both as explicit inputs (so variables and
 * layer weights that built them get their gradients).
 *
 * The gradient tensors have the shapes of `values` ([nnz]) and b ([n]): materialising them
 * writes O(nnz + n) numbers, but only the entries a method touched are nonzero and computing
 * them is local.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as ls from '../coreApi';
import {EstimateResult} from './EstimateOptions';

/** Gradient of the estimate: by index (sparse, a Map) or dense. */
export type HostGradientPart = Map<number, number> | Float64Array;

export interface HostGradient {
  values: HostGradientPart;
  b: HostGradientPart;
}

/**
 * An estimate computed on the host: an `EstimateResult` whose value is still a number, and
 * whose `gradient` runs only if a backward pass asks for it.
 */
export interface HostEstimate extends Omit<EstimateResult, 'value'> {
  value: number;
  gradient: () => HostGradient;
}

/** Half an ulp of float32, relative: the rounding of the returned scalar, added to every bound. */
const FLOAT32_ROUNDING = 2 ** -24;

/** The public result of a host estimate, its value differentiable w.r.t. `A.values` and `b`. */
export function differentiableResult(A: ls.SparseOperator, b: tf.Tensor, estimate: HostEstimate): EstimateResult {
  const nnz = A.pattern.nnz;
  const op = tf.customGrad(((values: tf.Tensor, rhs: tf.Tensor) => ({
    value: tf.scalar(estimate.value),
    gradFunc: (dy: tf.Tensor) => {
      const g = estimate.gradient();
      return [scaled(dy, g.values, nnz, values.shape), scaled(dy, g.b, rhs.size, rhs.shape)];
    },
  })) as any) as unknown as (values: tf.Tensor, rhs: tf.Tensor) => tf.Tensor; // eslint-disable-line @typescript-eslint/no-explicit-any
  const value = op(A.values, b) as tf.Scalar;
  const {bound, boundKind, confidence, work, method, standardError, walks} = estimate;
  return {value, bound: bound + Math.abs(estimate.value) * FLOAT32_ROUNDING, boundKind, confidence, work, method,
    standardError, walks};
}

function scaled(dy: tf.Tensor, part: HostGradientPart, length: number, shape: number[]): tf.Tensor {
  const dense = new Float32Array(length);
  if (part instanceof Float64Array) dense.set(part);
  else part.forEach((g, i) => { dense[i] += g; });
  return tf.tidy(() => tf.mul(dy, tf.tensor(dense, shape)));
}

/** Adds `g` at `i` in a sparse gradient. */
export function accumulate(map: Map<number, number>, i: number, g: number): void {
  map.set(i, (map.get(i) ?? 0) + g);
}
