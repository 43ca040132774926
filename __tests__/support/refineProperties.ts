/**
 * Iterative refinement checks through the public API only, for backends reached from a page
 * (webgl runs them in headless Chromium, where refinement defaults to double-float tf ops).
 */
import * as tf from '@tensorflow/tfjs';
import * as ls from '../../src';
import {cooOf} from '../../testing/cases';
import {exactSolution, forwardError, generalConditioned, pairValue, rightHandSide, spdConditioned} from '../../testing/accuracyProblems';
import {Matrix64} from '../../testing/reference';
import {Check} from './properties';

const GOAL = 1e-6;

function check(what: string, value: number, bound: number): void {
  if (!(value <= bound)) throw new Error(`${what}: ${value.toExponential(3)} exceeds ${bound.toExponential(3)}`);
}

function refinedError(A: tf.Tensor | ls.LinearOperator, P: Matrix64, seed: number, options: ls.SolveOptions): {x: number; pair: number; precision: string} {
  const b = rightHandSide(P.n, seed);
  const exact = exactSolution(P, b);
  const bt = tf.tensor1d(b);
  const r = ls.linearSolve(A, bt, {...options, refine: true});
  const x = forwardError(r.x.dataSync(), exact);
  const pair = forwardError(pairValue(r.refined!.hi!.dataSync(), r.refined!.lo!.dataSync()), exact);
  const precision = r.refined!.precision;
  if (r.status !== 'converged') throw new Error(`status ${r.status}`);
  tf.dispose([bt, r.x, r.refined!.hi!, r.refined!.lo!]);
  return {x, pair, precision};
}

/** Forward error within 1e-6 of the exact solution of the float32 inputs, at κ = 1e4. */
export function refineChecks(): Check[] {
  return [
    {name: 'LU with refine, κ = 1e4: forward error ≤ 1e-6', run() {
      const P = generalConditioned(16, 31, 1e4);
      const A = tf.tensor2d(Float32Array.from(P.data), [16, 16]);
      const before = tf.memory().numTensors;
      const {x, pair} = refinedError(A, P, 32, {method: 'lu'});
      check('forward error of x', x, GOAL);
      check('forward error of the pair', pair, 1e-9);
      check('tensors left', tf.memory().numTensors - before, 0);
      A.dispose();
    }},
    {name: 'Cholesky with refine, κ = 1e4: forward error ≤ 1e-6', run() {
      const P = spdConditioned(16, 33, 1e4);
      const A = tf.tensor2d(Float32Array.from(P.data), [16, 16]);
      check('forward error of x', refinedError(A, P, 34, {method: 'cholesky'}).x, GOAL);
      A.dispose();
    }},
    {name: 'GMRES on a sparse operator with refine, κ = 1e4: forward error ≤ 1e-6', run() {
      const P = generalConditioned(16, 35, 1e4);
      const {indices, values} = cooOf(P);
      const A = ls.sparse({indices, values: tf.tensor1d(values), shape: [16, 16]});
      check('forward error of x', refinedError(A, P, 36, {method: 'gmres', restart: 16}).x, GOAL);
      A.values.dispose();
    }},
  ];
}
