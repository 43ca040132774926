/**
 * Accuracy against float64, per test problem and method, on each Node backend: the relative
 * error of x = A⁻¹b, of ∂L/∂b = A⁻ᵀw and of ∂L/∂θ (θ: dense entries, sparse values, or the
 * matrix-free scale), next to the bound the tests enforce (κ·(3nε + rtol)).
 *
 * and a refinement section (bench/lib/refinementAccuracy.ts): forward error with and without
 * `refine` against float64 and torch float32, κ from 1e1 to 1e6.
 *
 *   npx ts-node --transpile-only bench/accuracy.ts                 (all; writes bench/results/accuracy.md)
 *   npx ts-node --transpile-only bench/accuracy.ts --refine-only   (the refinement section only, printed)
 */
import * as tf from '@tensorflow/tfjs';
import * as ls from '../src';
import {CASES} from '../testing/cases';
import {condition, randomVector, relativeError, solve64, transpose} from '../testing/reference';
import {RTOL, solutionBound} from '../testing/bounds';
import * as fs from 'fs';
import * as path from 'path';
import {refinementSection} from './lib/refinementAccuracy';

async function main(): Promise<void> {
  const backends = ['cpu', 'wasm'];
  try { require('@tensorflow/tfjs-node'); backends.push('tensorflow'); } catch { /* not built */ }
  require('@tensorflow/tfjs-backend-wasm');
  if (process.argv.includes('--refine-only')) {
    console.log(await refinementSection(backends));
    return;
  }
  const rows = ['| backend | problem | κ₁ | method | error x | error ∂b | error ∂θ | bound |', '|---|---|---|---|---|---|---|---|'];
  for (const backend of backends) {
    await tf.setBackend(backend);
    for (const c of CASES) {
      const kappa = condition(c.A);
      for (const method of c.methods) {
        const b = Float64Array.from(randomVector(c.n, 11), Math.fround);
        const w = Float64Array.from(randomVector(c.n, 12), Math.fround);
        const x64 = solve64(c.A, b);
        const lambda = solve64(transpose(c.A), w);
        const [x, db, ...dp] = tf.tidy(() => {
          const rhs = tf.tensor1d(Float32Array.from(b));
          const weights = tf.tensor1d(Float32Array.from(w));
          const params = c.parameters();
          // onFailure 'ignore': a direct solve whose residual misses rtol is 'stagnated', and its error is still the number to show.
          const xs = ls.solve(c.build(params), rhs, {method, rtol: RTOL, onFailure: 'ignore'}).dataSync().slice();
          const grads = tf.grads((bb: tf.Tensor, ...ps: tf.Tensor[]) =>
            tf.sum(tf.mul(weights, ls.solve(c.build(ps), bb, {method, rtol: RTOL, onFailure: 'ignore'}))))([rhs, ...params]);
          return [xs, ...grads.map(g => g.dataSync().slice())];
        });
        const expected = c.gradient(lambda, x64, 1);
        const bound = solutionBound(c.n, kappa, !['lu', 'cholesky'].includes(method));
        rows.push(`| ${backend} | ${c.name} | ${kappa.toFixed(0)} | ${method} | ${relativeError(x, x64).toExponential(1)} | ` +
          `${relativeError(db, lambda).toExponential(1)} | ${relativeError(dp[0], expected[0]).toExponential(1)} | ${bound.toExponential(1)} |`);
      }
    }
  }
  const report = `${rows.join('\n')}\n\n${await refinementSection(backends)}\n`;
  fs.writeFileSync(path.join(__dirname, 'results', 'accuracy.md'), report);
  console.log(report);
}

main();
