/**
 * Variance and cost of the stochastic implicit gradient against its sample rate: a 2-D
 * Poisson system (32×32, n = 1024) with 32 right-hand sides, L = Σ W ⊙ X, gradient w.r.t. the
 * sparse values. For each rate p: the backward's expected share of column solves (p), the
 * measured time of value and gradient, and the relative error of single estimates and of
 * their mean against the exact implicit gradient (whose variance is (1 − p)/p · Σⱼ tⱼ²).
 *
 *   npx ts-node --transpile-only examples/stochastic-gradient.ts
 */
import * as tf from '@tensorflow/tfjs';
import * as ls from '../src';
import {StochasticAdjoint} from '../src/extend';

async function main(): Promise<void> {
  try { require('@tensorflow/tfjs-node'); } catch { /* cpu */ }
  await tf.ready();
  const m = 32;
  const k = 32;
  const samples = 40;
  const A = ls.poisson2dOperator(m);
  const n = m * m;
  const B = tf.randomNormal([n, k], 0, 1, 'float32', 1);
  const W = tf.randomNormal([n, k], 0, 1, 'float32', 2);
  const gradient = (adjoint: ls.SolveOptions['adjoint']) => tf.tidy(() => tf.grad((v: tf.Tensor) =>
    tf.sum(tf.mul(W, ls.solve(A.withValues(v), B, {method: 'cg', rtol: 1e-4, adjoint}))))(A.values));
  const exact = gradient('implicit');
  const exactNorm = tf.tidy(() => tf.norm(exact).dataSync()[0]);
  const rows = ['| rate p | column solves in the backward | ms per value and gradient | single-estimate error | error of the mean of ' + samples + ' |',
    '|---|---|---|---|---|'];
  for (const rate of [0.1, 0.25, 0.5, 1]) {
    const adjoint = new StochasticAdjoint({rate, seed: 3});
    let sum = tf.zerosLike(exact);
    let single = 0;
    const start = performance.now();
    for (let s = 0; s < samples; s++) {
      const g = gradient(adjoint);
      single += tf.tidy(() => tf.norm(tf.sub(g, exact)).dataSync()[0]) / exactNorm / samples;
      const next = tf.add(sum, g);
      tf.dispose([sum, g]);
      sum = next;
    }
    const ms = (performance.now() - start) / samples;
    const meanError = tf.tidy(() => tf.norm(tf.sub(tf.div(sum, samples), exact)).dataSync()[0]) / exactNorm;
    sum.dispose();
    rows.push(`| ${rate} | ${(rate * 100).toFixed(0)}% of ${k} | ${ms.toFixed(1)} | ${single.toExponential(2)} | ${meanError.toExponential(2)} |`);
  }
  console.log(`backend: ${tf.getBackend()}, 2-D Poisson n = ${n}, ${k} right-hand sides, CG rtol 1e-4\n`);
  console.log(rows.join('\n'));
  tf.dispose([exact, B, W, A.values]);
  A.dispose();
}

main();
