/**
 * Systems with nothing to solve: n = 0, no right-hand sides (k = 0), or an empty batch
 * (B = 0). The answer is the empty x (A⁻¹ of nothing), exactly, with no solver run; kernels
 * that assume at least one row or column (oneHot, reductions) never see it.
 */
import * as tf from '@tensorflow/tfjs-core';
import {LinearOperator} from './operators/LinearOperator';
import type {LinearSolveResult} from './linearSolve';

/** Whether the canonical `[n, k]` / `[B, n, k]` problem has no entries. */
export function isEmptyProblem(operator: LinearOperator, canonical: number[]): boolean {
  return operator.shape[0] === 0 || canonical.some(d => d === 0);
}

/**
 * x = 0 shaped like b, status 'converged'. The value is built from b and A's parameters
 * times 0 so that `tf.grad` finds a path and returns zero (and empty) gradients.
 */
export function emptySolve(operator: LinearOperator, b: tf.Tensor, method: string): LinearSolveResult {
  const x = tf.tidy(() => {
    let x = tf.mul(b, 0);
    for (const p of operator.parameters()) x = tf.add(x, tf.mul(tf.sum(p), 0));
    return x;
  });
  return {x, status: 'converged', iterations: 0, relativeResidual: 0, method};
}
