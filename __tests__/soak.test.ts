/**
 * Soak: many solve + gradient steps keep numTensors flat and RSS bounded. A short run here
 * (300 steps); `npm run fuzz` runs 10,000 (LINSOLVE_SOAK_STEPS).
 */
import * as tf from '@tensorflow/tfjs';
import * as ls from '../src';
import {BACKENDS} from './support/backends';
import {spd} from '../testing/cases';

const STEPS = Number(process.env.LINSOLVE_SOAK_STEPS ?? 300);
/** RSS may grow this much over the run (tfjs's allocator and V8 settle; a per-step leak of one n² tensor would not fit). */
const RSS_BUDGET_MB = 256;

for (const backend of BACKENDS.filter(b => b === 'cpu' || b === 'tensorflow')) {
  describe(`soak [${backend}]`, () => {
    beforeAll(async () => {
      await tf.setBackend(backend);
      await tf.ready();
    });
    it(`${STEPS} solve + gradient steps (dense Cholesky; sparse CG and a failure every tenth): flat numTensors, bounded RSS`, () => {
      const n = 8;
      const P = spd(n, 3, 0.5);
      const A = tf.tensor2d(Float32Array.from(P.data), [n, n]);
      const indices: number[][] = [];
      const values: number[] = [];
      P.data.forEach((v, e) => { indices.push([Math.floor(e / n), e % n]); values.push(v); });
      const sparseValues = tf.tensor1d(values);
      const b = tf.randomUniform([n, 2], -1, 1, 'float32', 5);
      const singular = tf.zeros([n, n]);
      const step = (i: number) => {
        const [gb, gA] = tf.grads((bb: tf.Tensor, aa: tf.Tensor) =>
          tf.sum(ls.solve(aa, bb, {tags: ['symmetric', 'positiveDefinite']})))([b, A]);
        tf.dispose([gb, gA]);
        // A sparse CG gradient and an error path every tenth step.
        if (i % 10 === 0) {
          tf.dispose(tf.grads((vv: tf.Tensor) =>
            tf.sum(ls.solve(ls.sparse({indices, values: vv, shape: [n, n], tags: ['symmetric', 'positiveDefinite']}), b,
              {method: 'cg'})))([sparseValues]));
          try { tf.grad((bb: tf.Tensor) => tf.sum(ls.solve(singular, bb, {method: 'lu'})))(b); } catch (e) {
            if (!(e instanceof ls.LinearSolveError)) throw e;
          }
        }
      };
      for (let i = 0; i < 20; i++) step(i);
      global.gc?.();
      const tensors = tf.memory().numTensors;
      const rss = process.memoryUsage().rss;
      let peak = rss;
      for (let i = 0; i < STEPS; i++) {
        step(i);
        if (i % 100 === 99) {
          expect(tf.memory().numTensors).toBe(tensors);
          peak = Math.max(peak, process.memoryUsage().rss);
        }
      }
      expect(tf.memory().numTensors).toBe(tensors);
      const growthMB = (peak - rss) / 2 ** 20;
      if (process.env.LINSOLVE_VERBOSE) console.log(`${backend}: ${STEPS} steps, RSS growth ${growthMB.toFixed(1)} MB`);
      expect(growthMB).toBeLessThan(RSS_BUDGET_MB);
      tf.dispose([A, sparseValues, b, singular]);
    }, Number(process.env.LINSOLVE_FUZZ_TIMEOUT ?? 120000));
  });
}
