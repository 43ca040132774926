/**
 * The asynchronous solves on every Node backend: the same x, statuses and iteration counts as
 * the synchronous path (through the host engine on cpu and wasm, and through the tf-ops loops
 * with it off), against the float64 reference; failures as rejected promises carrying a
 * LinearSolveError; no tensor left behind; no synchronous read where the data is not on the
 * host; and the documented gradient recipe. The same checks run in Chromium on webgl and
 * webgpu (webgl.test.ts, webgpu.test.ts).
 */
import * as tf from '@tensorflow/tfjs';
import * as ls from '../src';
import {describeEachBackend} from './support/backends';
import {
  asyncGradientChecks, asyncLeakChecks, asyncSolutionChecks, asyncStatusChecks, countSyncReads, readbackFreeGradientChecks,
} from './support/asyncProperties';

describeEachBackend('asynchronous solves', backend => {
  describe('equal the synchronous path and the float64 reference', () => {
    // cpu's typed-array kernels and the host engine read host memory through dataSync: not a
    // wait on any device, but counted by the spy, so only the other backends assert none.
    // b [n, 3] here, b [n] in the tf-ops run below (and both on tensorflow, which has no such run).
    const ks = backend === 'tensorflow' ? [1, 3] : [3];
    for (const check of asyncSolutionChecks(backend, {compareSync: true, noSyncReads: backend === 'tensorflow', ks})) {
      it(check.name, () => check.run());
    }
  });

  if (backend !== 'tensorflow') {
    describe('with the host engine off (the tf-ops loops)', () => {
      let previous = true;
      beforeAll(() => { previous = ls.useHostEngine(false); });
      afterAll(() => { ls.useHostEngine(previous); });
      const only = {iterativeOnly: backend === 'cpu', ks: [1]};   // cpu's direct kernels ignore the switch
      for (const check of asyncSolutionChecks(backend, {compareSync: true, noSyncReads: backend === 'wasm', ...only})) {
        it(check.name, () => check.run());
      }
    });
  }

  describe('statuses and errors', () => {
    for (const check of asyncStatusChecks()) it(check.name, () => check.run());
  });

  describe('no tensor leaks', () => {
    for (const check of asyncLeakChecks(backend)) it(check.name, () => check.run());
  });

  describe('gradients', () => {
    for (const check of asyncGradientChecks()) it(check.name, () => check.run());
    // The host engine (cpu, wasm) and the native engine (tfjs-node) read host memory
    // synchronously: off, as on a GPU backend.
    for (const check of readbackFreeGradientChecks()) {
      it(check.name, async () => {
        const previousHost = ls.useHostEngine(false);
        const previousNative = ls.useNativeEngine(false);
        try {
          await check.run();
        } finally {
          ls.useHostEngine(previousHost);
          ls.useNativeEngine(previousNative);
        }
      });
    }
  });

  it('the read counter sees the synchronous path read (so zero above means something)', async () => {
    const A = tf.tidy(() => tf.add(tf.mul(tf.eye(8), 4), tf.fill([8, 8], 0.1)));
    const b = tf.ones([8]);
    const {reads} = await countSyncReads(async () => { ls.solve(A, b, {method: 'gmres'}).dispose(); });
    tf.dispose([A, b]);
    expect(reads).toBeGreaterThan(0);
  });
});
